/**
 * Builds the Debian base of the bare-metal test (test/e2e/bare-metal.test.ts) when it is not in
 * the temporary directory yet, and prints its path. `npm test` runs it before the suite: on a
 * machine that has never built it, the build takes minutes (the download and `dpkg --configure`
 * dominate), which would otherwise count against the test file's time limit.
 */
import { debianBase } from './debian-image.js';

const started = Date.now();
const tarball = await debianBase();
process.stdout.write(`Debian base for the bare-metal test: ${tarball} (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
