/**
 * The test hooks a front end may wire into a use-case, only when the fault-injection tests ask
 * for them (LIFEBOAT_TEST_FAULTS=1): they live beside the fault-injection decorator, so the one
 * place that kills the process is there, and a production run gets none.
 */
export { TEST_FAULTS_VAR, TEST_KILL_AFTER_WRITE_VAR, liveWriteKillHook } from '../../backend/decorators/index.js';
