/**
 * Entry point of the S3 test server's child process (see s3-server.ts):
 * `node --openssl-legacy-provider s3-server-process.js DIR [BUCKET…]` prints `port N`, serves
 * until SIGTERM.
 */
import { runS3rver } from './s3-server.js';

const [directory, ...buckets] = process.argv.slice(2);
if (!directory) throw new Error('usage: s3-server-process DIR [BUCKET…]');
const port = await runS3rver(directory, buckets);
process.stdout.write(`port ${port}\n`);
process.on('SIGTERM', () => process.exit(0));
