/**
 * The entries a restore meets in a target that has some already (step 1 of restorer.ts): what to
 * do with an entry of the snapshot where the target has one (--overwrite, existing-entries.ts), a
 * file where the snapshot has a directory, and the entries the snapshot lacks (--delete, and a
 * restore's leftover temporary files). Only directories that existed before the restore are
 * looked at: a restore into a new target looks nothing up.
 */
import { readdirSync, rmSync, unlinkSync, mkdirSync } from 'node:fs';
import { LifeboatError } from '../../core/index.js';
import type { BlobIndex } from '../../repository/ports.js';
import type { Node } from '../../repository/model/index.js';
import { joinPath } from '../walker/index.js';
import { type OverwriteMode, type RestoreAction, decideExisting, lstatOrNull } from './existing-entries.js';
import { isRestoreTemporaryName } from './file-writer.js';
import type { RestoreOptions, RestoreSummary } from './restore-options.js';
import { withoutPath } from './verify-files.js';

/** What the target's entries need of the restore they are part of. */
export interface TargetContext {
  readonly options: RestoreOptions;
  readonly summary: RestoreSummary;
  readonly dry: boolean;
  readonly overwrite: OverwriteMode;
  readonly index: BlobIndex;
  /** Reports a problem with `path`. */
  fail(path: Buffer | string, err: unknown): void;
  /** A target path as the snapshot names it. */
  relative(path: Buffer): string;
}

export class TargetEntries {
  /** Read buffer of the content comparison of existing files. */
  private readonly compareBuf = { bytes: Buffer.alloc(0) };

  constructor(private readonly c: TargetContext) {}

  /**
   * Entries of an existing target directory that the snapshot's directory does not have: with
   * --delete they go (excluded ones stay), and a restore's leftover temporary files always go.
   * One directory at a time: memory follows the widest directory.
   */
  removeExtra(nodes: readonly Node[], snapPath: Buffer, dest: Buffer): void {
    let live: Buffer[];
    try {
      live = readdirSync(dest, { encoding: 'buffer' });
    } catch {
      return; // not there (a dry run, or it could not be created: reported already)
    }
    const names = new Set(nodes.map((n) => n.name.toString('latin1')));
    for (const name of live) {
      const key = name.toString('latin1');
      if (names.has(key)) continue;
      const leftover = isRestoreTemporaryName(key);
      if (!leftover && !this.c.options.delete) continue;
      const childSnapPath = joinPath(snapPath, name);
      if (!leftover && this.c.options.exclude?.matchesExactly(childSnapPath.toString())) continue;
      const path = joinPath(dest, name);
      this.c.summary.deleted++;
      this.c.options.onAction?.('delete', this.c.relative(path));
      if (this.c.dry) continue;
      try {
        rmSync(path, { recursive: true, force: true });
        this.c.options.afterWrite?.();
      } catch (err) {
        this.c.fail(path, err);
      }
    }
  }

  /**
   * What to do with a snapshot entry whose target may exist already: 'restore' (nothing there),
   * 'update' (overwrite), 'unchanged', 'skip', or undefined after an error.
   */
  existing(node: Node, dest: Buffer, destExists: boolean): RestoreAction | undefined {
    if (!destExists) return 'restore';
    let st;
    try {
      st = lstatOrNull(dest);
    } catch (err) {
      this.c.fail(dest, err);
      return undefined;
    }
    if (!st) return 'restore';
    if (st.isDirectory()) {
      if (this.c.overwrite === 'never') return 'skip';
      if (!(this.c.options.replaceDirectories ?? this.c.options.delete)) {
        this.c.fail(dest, new LifeboatError('E_IO', `a directory is where the snapshot has a ${node.type}`, { hint: 'restore with --delete to replace it' }));
        return undefined;
      }
      if (!this.c.dry) rmSync(dest, { recursive: true, force: true });
      return 'update';
    }
    const decision = decideExisting(node, dest, st, this.c.overwrite, this.c.index, this.compareBuf);
    // a multiply linked file is written again so that its other names can be linked to it
    if (decision === 'unchanged' && node.type === 'file' && node.links > 1n) return 'update';
    return decision === 'write' ? 'update' : decision;
  }

  /** A non-directory where the snapshot has a directory: replaced with --delete, else an error. */
  replaceInTheWay(path: Buffer, err: unknown): boolean {
    const st = (err as NodeJS.ErrnoException).code === 'EEXIST' ? lstatOrNull(path) : null;
    if (st && !st.isDirectory() && (this.c.options.replaceDirectories ?? this.c.options.delete) && this.c.overwrite !== 'never') {
      try {
        unlinkSync(path);
        mkdirSync(path, { mode: 0o700 });
        return true;
      } catch (e) {
        err = e;
      }
    }
    this.c.fail(path, new LifeboatError('E_IO', `cannot create directory: ${withoutPath(err as Error).message}`, { cause: err }));
    return false;
  }
}
