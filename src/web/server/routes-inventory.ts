/** Routes of the inventory pages: the document of a snapshot, account search, downloads. */
import type { Hono } from 'hono';
import { LifeboatError, documentJsonChunks, renderInventoryReport, searchAccounts } from './app-imports.js';
import type { ConsoleContext } from './context.js';
import { type AccountQuery, MAX_PAGE_SIZE, PAGE_SIZE, inventoryPage } from './pages/index.js';
import { html } from 'hono/html';
import { page } from './layout.js';

const SNAPSHOT_ID = /^[0-9a-f]{8,64}$/;

function snapshotParam(id: string): string {
  if (!SNAPSHOT_ID.test(id)) throw new LifeboatError('E_NOT_FOUND', `no snapshot ${id}`, { hint: 'snapshot IDs are hexadecimal' });
  return id;
}

function intParam(v: string | undefined, dflt: number, max: number): number {
  if (v === undefined || v === '') return dflt;
  if (!/^\d{1,9}$/.test(v)) throw new LifeboatError('E_USAGE', `not a whole number: ${v}`);
  return Math.min(Number(v), max);
}

function accountQuery(q: (k: string) => string | undefined): AccountQuery {
  const pool = q('pool');
  return { q: q('q') ?? '', pool: pool === undefined || pool === '*' ? undefined : pool, offset: intParam(q('offset'), 0, 1e9), limit: Math.max(1, intParam(q('limit'), PAGE_SIZE, MAX_PAGE_SIZE)) };
}

export function registerInventoryRoutes(app: Hono, ctx: ConsoleContext): void {
  app.get('/inventory', async (c) => {
    const withInventory = (await ctx.pointList(c.req.raw.signal)).filter((p) => p.manifest?.inventory);
    const latest = withInventory.at(-1)?.manifest?.inventory;
    if (latest) return c.redirect(`/inventory/${latest.snapshot}`, 302);
    return c.html(page('Inventory', '/inventory', html`<p>No restore point holds an inventory yet.</p>`));
  });

  app.get('/inventory/:id', async (c) => {
    const id = snapshotParam(c.req.param('id'));
    const doc = await ctx.inventory(id, c.req.raw.signal);
    const q = accountQuery((k) => c.req.query(k));
    return c.html(inventoryPage(id, doc, q, searchAccounts(doc, q.q, q.offset, q.limit, q.pool)));
  });

  app.get('/api/inventory/:id/accounts', async (c) => {
    const doc = await ctx.inventory(snapshotParam(c.req.param('id')), c.req.raw.signal);
    const q = accountQuery((k) => c.req.query(k));
    return c.json(searchAccounts(doc, q.q, q.offset, q.limit, q.pool));
  });

  app.get('/inventory/:id/report/:format', async (c) => {
    const id = snapshotParam(c.req.param('id'));
    const format = c.req.param('format');
    if (format !== 'html' && format !== 'csv' && format !== 'json' && format !== 'md')
      throw new LifeboatError('E_NOT_FOUND', `no report format ${format.slice(0, 20)}`, { hint: 'html, csv, json or md' });
    const doc = await ctx.inventory(id, c.req.raw.signal);
    const name = `inventory-${id.slice(0, 8)}.${format}`;
    const types = { html: 'text/html', csv: 'text/csv', json: 'application/json', md: 'text/markdown' };
    const headers = {
      'content-type': `${types[format]}; charset=utf-8`,
      'content-disposition': `attachment; filename="${name}"`,
      'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; sandbox",
    };
    if (format === 'json') {
      const chunks = documentJsonChunks(doc);
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          const n = chunks.next();
          if (n.done) controller.close();
          else controller.enqueue(Buffer.from(n.value));
        },
      });
      return c.body(body, 200, headers);
    }
    return c.body(renderInventoryReport(doc, format), 200, headers);
  });
}
