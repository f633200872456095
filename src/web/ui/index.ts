/**
 * @module web/ui
 * What the browser receives besides the pages: the stylesheet and the small client script
 * (live job progress over Server-Sent Events). Static text; imports nothing.
 */
export * from './assets.js';
