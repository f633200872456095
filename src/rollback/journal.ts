/**
 * The rollback journal: the plan being applied and the state of each step, rewritten (temporary
 * file, fsync, rename) after every step, so an interrupted `rollback apply` resumes with the same
 * plan at the first step that did not finish, instead of planning again against a half-restored
 * system. Kept on the machine that runs the rollback: `--state-dir`, LIFEBOAT_STATE_DIR,
 * /var/lib/lifeboat for root, else $XDG_STATE_HOME/lifeboat (~/.local/state/lifeboat).
 */
import { mkdir, readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { LifeboatError, errnoCode } from '../core/index.js';
import { writeFileAtomic } from '../platform/fs/index.js';
import type { RollbackPlan } from './rollback-plan.js';

export type StepState = 'pending' | 'done' | 'failed';

export interface StepRecord {
  state: StepState;
  finishedAt?: string;
  /** What the step did, for people ("restored 12 files", "safety point 1a2b3c4d"). */
  result?: string;
  /** Structured details the step needs on resume (the safety point's ID). */
  data?: Record<string, string>;
}

export interface RollbackJournal {
  schema: 'lifeboat-rollback-journal';
  startedAt: string;
  finishedAt?: string;
  options: { delete: boolean };
  plan: RollbackPlan;
  steps: Record<string, StepRecord>;
}

export function defaultStateDir(env: Readonly<Record<string, string | undefined>>): string {
  if (env.LIFEBOAT_STATE_DIR) return env.LIFEBOAT_STATE_DIR;
  if (process.getuid?.() === 0) return '/var/lib/lifeboat';
  return join(env.XDG_STATE_HOME || join(homedir(), '.local', 'state'), 'lifeboat');
}

export function journalPath(stateDir: string, pointId: string): string {
  return join(stateDir, `rollback-${pointId}.json`);
}

export async function readJournal(path: string): Promise<RollbackJournal | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return undefined;
    throw new LifeboatError('E_IO', `cannot read the rollback journal ${path}: ${(err as Error).message}`, { cause: err });
  }
  try {
    const j = JSON.parse(text) as RollbackJournal;
    if (j.schema !== 'lifeboat-rollback-journal') throw new Error('not a rollback journal');
    return j;
  } catch (err) {
    throw new LifeboatError('E_FORMAT', `the rollback journal ${path} is damaged: ${(err as Error).message}`, {
      hint: 'move it away to plan the rollback anew (files already restored are then simply found unchanged)',
      cause: err,
    });
  }
}

export async function writeJournal(path: string, journal: RollbackJournal): Promise<void> {
  await mkdir(join(path, '..'), { recursive: true, mode: 0o700 });
  await writeFileAtomic(path, `${JSON.stringify(journal, null, 1)}\n`);
}
