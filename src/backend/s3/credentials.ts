/**
 * Where S3 credentials come from, as in the AWS tools (and restic): AWS_ACCESS_KEY_ID +
 * AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN), else the shared files (~/.aws/credentials,
 * ~/.aws/config) for AWS_PROFILE or the default profile. Instance metadata is never asked
 * implicitly. Secrets never appear in messages.
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fromIni } from '@aws-sdk/credential-provider-ini';
import { BackendError } from '../../core/index.js';

export type Env = Readonly<Record<string, string | undefined>>;

export interface S3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export type S3CredentialsProvider = () => Promise<S3Credentials>;

export function s3Credentials(env: Env, location: string): S3CredentialsProvider {
  const id = env.AWS_ACCESS_KEY_ID;
  const secret = env.AWS_SECRET_ACCESS_KEY;
  if (id && secret) {
    const creds: S3Credentials = { accessKeyId: id, secretAccessKey: secret, ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}) };
    return async () => creds;
  }
  const files = [env.AWS_SHARED_CREDENTIALS_FILE ?? join(homedir(), '.aws', 'credentials'), env.AWS_CONFIG_FILE ?? join(homedir(), '.aws', 'config')];
  if (env.AWS_PROFILE || files.some((f) => existsSync(f))) {
    const provider = fromIni(env.AWS_PROFILE ? { profile: env.AWS_PROFILE } : {});
    return async () => {
      try {
        return await provider();
      } catch (err) {
        throw new BackendError(`${location}: no S3 credentials in profile "${env.AWS_PROFILE ?? 'default'}": ${err instanceof Error ? err.message : String(err)}`, {
          hint: 'set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE naming a profile in ~/.aws/credentials',
        });
      }
    };
  }
  return async () => {
    throw new BackendError(`${location}: no S3 credentials`, {
      hint: 'set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for temporary ones), or AWS_PROFILE',
    });
  };
}
