/**
 * Routes of the snapshot browser: the list, one directory per request, find by name, download of
 * a file or of a directory as tar. Paths are checked before they reach the repository: no NUL,
 * no `.` or `..` segment, no backslash; the snapshot ID is hexadecimal.
 */
import { PassThrough } from 'node:stream';
import { Readable } from 'node:stream';
import type { Hono } from 'hono';
import { LifeboatError, dumpPath, findInSnapshotTree, listSnapshotDirectory } from './app-imports.js';
import type { ConsoleContext } from './context.js';
import { snapshotsPage, treePage } from './pages/index.js';

const SNAPSHOT_ID = /^[0-9a-f]{8,64}$/;
const FIND_LIMIT = 500;

export function safeSnapshotPath(raw: string | undefined): string {
  const path = raw === undefined || raw === '' ? '/' : raw;
  if (path.length > 4096 || !path.startsWith('/') || path.includes('\0') || path.includes('\\') || path.split('/').some((s) => s === '.' || s === '..')) {
    throw new LifeboatError('E_UNSAFE_PATH', `not a path inside a snapshot: ${JSON.stringify(path.slice(0, 200))}`, { hint: 'paths start with / and have no . or .. segments' });
  }
  return path;
}

function snapshotParam(id: string): string {
  if (!SNAPSHOT_ID.test(id)) throw new LifeboatError('E_NOT_FOUND', `no snapshot ${id.slice(0, 80)}`, { hint: 'snapshot IDs are hexadecimal' });
  return id;
}

export function registerSnapshotRoutes(app: Hono, ctx: ConsoleContext): void {
  app.get('/snapshots', async (c) => {
    const host = c.req.query('host') ?? '';
    const tag = c.req.query('tag') ?? '';
    const { entries: all, unreadable } = await ctx.snapshotList(c.req.raw.signal);
    const shown = all.filter((e) => (!host || e.snapshot.hostname === host) && (!tag || (e.snapshot.tags ?? []).includes(tag))).reverse();
    return c.html(snapshotsPage(shown, { host, tag }, all.length, unreadable));
  });

  app.get('/snapshots/:id/tree', async (c) => {
    const id = snapshotParam(c.req.param('id'));
    const path = safeSnapshotPath(c.req.query('path'));
    const listing = await listSnapshotDirectory(ctx.repo, id, path, c.req.raw.signal);
    const pattern = c.req.query('find')?.trim();
    const found = pattern ? { pattern, ...(await findInSnapshotTree(ctx.repo, id, path, pattern, FIND_LIMIT, c.req.raw.signal)) } : undefined;
    return c.html(treePage(listing, found));
  });

  app.get('/api/snapshots/:id/tree', async (c) => {
    const listing = await listSnapshotDirectory(ctx.repo, snapshotParam(c.req.param('id')), safeSnapshotPath(c.req.query('path')), c.req.raw.signal);
    return c.json({ snapshot: listing.snapshotId, path: listing.path, nodes: listing.entries.map((e) => e.json) });
  });

  app.get('/snapshots/:id/download', async (c) => {
    const id = snapshotParam(c.req.param('id'));
    const path = safeSnapshotPath(c.req.query('path'));
    const listing = await listSnapshotDirectory(ctx.repo, id, path, c.req.raw.signal).catch((err: unknown) => {
      if (err instanceof LifeboatError && err.code === 'E_USAGE') return undefined; // a file
      throw err;
    });
    const base = path === '/' ? `snapshot-${id.slice(0, 8)}` : path.split('/').filter(Boolean).at(-1)!;
    const filename = listing ? `${base}.tar` : base;
    const out = new PassThrough();
    const controller = new AbortController();
    c.req.raw.signal.addEventListener('abort', () => controller.abort(), { once: true });
    dumpPath(ctx.repo, { snapshot: id, path, signal: controller.signal }, out).then(
      () => out.end(),
      (err: unknown) => out.destroy(err instanceof Error ? err : new Error(String(err))),
    );
    return c.body(Readable.toWeb(out) as unknown as ReadableStream, 200, {
      'content-type': listing ? 'application/x-tar' : 'application/octet-stream',
      'content-disposition': `attachment; filename*=UTF-8''${encodeURIComponent(filename)}`,
      'x-content-type-options': 'nosniff',
    });
  });
}
