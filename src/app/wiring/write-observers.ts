/**
 * The live-tree write callback a front end hands to `rollback apply`: it tells the write
 * observers (an extension point of backend/decorators, used by the fault-injection tests) of each
 * write, and is undefined when none is registered.
 */
export { liveWriteNotifier } from '../../backend/decorators/index.js';
