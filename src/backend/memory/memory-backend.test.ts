import { runBackendContract } from '../testing/backend-contract.case.js';
import { MemoryBackend } from './memory-backend.js';

runBackendContract('memory', async () => ({ backend: new MemoryBackend(), cleanup: async () => {} }));
