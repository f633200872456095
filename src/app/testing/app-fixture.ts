/**
 * Wiring for use-case unit tests: a memory-backend repository (cheap KDF, fixed chunker
 * polynomial), a temporary directory for live files and state, tree literals written to and read
 * back from disk, and plan files parsed from the same YAML users write. Tests only.
 */
import { lstatSync, mkdirSync, readFileSync, readdirSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { Repository } from '../../repository/index.js';
import { makeTestRepository } from '../../repository/testing/test-repository.js';
import { type PlanFile, parsePlanFile } from '../../rollback/index.js';

/** A directory as a literal: a string is a file's content, `{ symlink }` a link, an object a directory. */
export type TreeLiteral = { [name: string]: string | { symlink: string } | TreeLiteral };

export interface AppFixture {
  repo: Repository;
  /** A fresh temporary directory, removed after the test. */
  dir: string;
  /** A path under `dir`. */
  path(...parts: string[]): string;
  /** Writes `tree` under `path(...at)` (created when missing). */
  write(tree: TreeLiteral, ...at: string[]): string;
  /** Reads the directory under `path(...at)` back as a literal. */
  read(...at: string[]): TreeLiteral;
  /** A plan file parsed from `plan` as YAML, stored as `dir/plan.yaml`; relative paths are under `dir`. */
  plan(plan: Record<string, unknown>): PlanFile;
}

export function writeTree(root: string, tree: TreeLiteral): void {
  mkdirSync(root, { recursive: true });
  for (const [name, entry] of Object.entries(tree)) {
    const p = join(root, name);
    if (typeof entry === 'string') writeFileSync(p, entry);
    else if ('symlink' in entry && typeof entry.symlink === 'string') symlinkSync(entry.symlink, p);
    else writeTree(p, entry);
  }
}

export function readTree(root: string): TreeLiteral {
  const out: TreeLiteral = {};
  for (const name of readdirSync(root).sort()) {
    const p = join(root, name);
    const st = lstatSync(p);
    if (st.isSymbolicLink()) out[name] = { symlink: readlinkSync(p, 'utf8') };
    else if (st.isDirectory()) out[name] = readTree(p);
    else out[name] = readFileSync(p, 'utf8');
  }
  return out;
}

/** Runs `fn` with a fresh fixture and removes its directory afterwards. */
export async function withAppFixture<T>(fn: (f: AppFixture) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'lifeboat-app-'));
  try {
    const repo = await makeTestRepository();
    const path = (...parts: string[]): string => join(dir, ...parts);
    return await fn({
      repo,
      dir,
      path,
      write: (tree, ...at) => {
        writeTree(path(...at), tree);
        return path(...at);
      },
      read: (...at) => readTree(path(...at)),
      plan: (plan) => {
        const file = path('plan.yaml');
        const text = stringify(plan);
        writeFileSync(file, text);
        return parsePlanFile(text, file);
      },
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
