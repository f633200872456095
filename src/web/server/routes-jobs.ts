/** Routes of the jobs: list, start (point create, check), one job's page, its SSE stream, cancel. */
import type { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import { checkRepositoryUseCase, pointCreate, subsetSelector } from './app-imports.js';
import type { ConsoleContext } from './context.js';
import type { JobControl, JobState } from './jobs.js';
import { errorBox, page, shellArg } from './layout.js';
import { jobPage, jobsPage } from './pages/index.js';
import { requirePlan } from './routes-points.js';

const JOB_ID = /^[0-9a-f]{12}$/;

function busy(ctx: ConsoleContext): JobState | undefined {
  return ctx.jobs.running();
}

/**
 * The check job's progress: a step logged when a phase starts (once: the snapshot walk and the
 * pack reads run at the same time, so their events interleave), the percentage over both phases'
 * work together.
 */
export function checkProgress(jc: Pick<JobControl, 'step' | 'progress'>): (p: { phase: string; done: number; total: number }) => void {
  const phases = new Map<string, { done: number; total: number }>();
  return (p) => {
    if (!phases.has(p.phase)) jc.step(`checking: ${p.phase}`);
    phases.set(p.phase, { done: p.done, total: p.total });
    let done = 0;
    let total = 0;
    for (const q of phases.values()) {
      done += q.done;
      total += q.total;
    }
    jc.progress({ percent: total ? Math.min(99, Math.floor((100 * done) / total)) : null, filesDone: done, filesTotal: total });
  };
}

export function registerJobRoutes(app: Hono, ctx: ConsoleContext): void {
  app.get('/jobs', (c) => c.html(jobsPage(ctx.jobs.list(), Boolean(ctx.plan))));

  app.post('/jobs/point-create', async (c) => {
    const plan = requirePlan(ctx);
    const form = await c.req.parseBody();
    const name = typeof form.name === 'string' && form.name.trim() ? form.name.trim() : undefined;
    const note = typeof form.note === 'string' && form.note.trim() ? form.note.trim() : undefined;
    const running = busy(ctx);
    if (running) return c.redirect(`/jobs/${running.id}`, 303);
    const steps = plan.sources.length + (plan.inventory ? 1 : 0) + 1; // sources, inventory, proof
    const cli = `lifeboat point create${ctx.planArg}${name ? ` --name ${shellArg(name)}` : ''}${note ? ` --note ${shellArg(note)}` : ''}`;
    const job = ctx.jobs.start('point-create', `Create restore point${name ? ` ${name}` : ''}`, cli, async (jc) => {
      let done = 0;
      let current = '';
      // bytes and files of the finished sources; the running one's are added to them
      let doneBytes = 0;
      let doneFiles = 0;
      const m = await pointCreate(ctx.repo, plan, {
        name,
        note,
        signal: jc.signal,
        onEvent: (e) => {
          if (e.type === 'source-start') {
            current = e.source;
            jc.step(`backing up ${e.source} (${e.kind})`);
          } else if (e.type === 'source-done') {
            done++;
            doneBytes += e.bytes;
            doneFiles += e.source === 'inventory' ? 0 : e.files;
            jc.log(`  ${e.source}: snapshot ${e.snapshot.slice(0, 8)}, ${e.files} files, ${e.bytes} bytes, ${e.dataAdded} added`);
            jc.progress({ percent: Math.floor((100 * done) / steps), bytesDone: doneBytes, bytesTotal: doneBytes, filesDone: doneFiles, filesTotal: doneFiles });
          } else if (e.type === 'proof') {
            if (current !== 'proof') {
              current = 'proof';
              jc.step('proving the point');
            }
            jc.log(`  proof ${e.check.ok ? 'ok' : 'FAIL'} ${e.check.name}: ${e.check.detail}`);
          } else if (e.type === 'hook') jc.step(`running the ${e.phase} hook`);
          else if (e.type === 'warning') jc.log(`  warning: ${e.message}`);
        },
        onProgress: (_source, p) => {
          const frac = p.bytesTotal ? Math.min(1, p.bytesDone / p.bytesTotal) : 0;
          jc.progress({
            bytesDone: doneBytes + p.bytesDone,
            bytesTotal: p.bytesTotal === undefined ? null : doneBytes + p.bytesTotal,
            filesDone: doneFiles + p.filesDone,
            filesTotal: p.filesTotal === undefined ? null : doneFiles + p.filesTotal,
            percent: Math.floor((100 * (done + frac)) / steps),
          });
        },
      });
      return { summary: `restore point ${m.id}${m.name ? ` "${m.name}"` : ''}: proof ${m.proof.ok ? 'passed' : 'FAILED'}`, resultLink: `/points/${m.id}`, failed: !m.proof.ok };
    });
    return c.redirect(`/jobs/${job.id}`, 303);
  });

  app.post('/jobs/check', async (c) => {
    const form = await c.req.parseBody();
    const subset = typeof form.subset === 'string' && form.subset.trim() ? form.subset.trim() : '1/10';
    subsetSelector(subset); // a bad subset is the operator's error, answered now
    const running = busy(ctx);
    if (running) return c.redirect(`/jobs/${running.id}`, 303);
    const job = ctx.jobs.start('check', `Check with data subset ${subset}`, `lifeboat check --read-data-subset ${shellArg(subset)}`, async (jc) => {
      jc.step('checking the repository');
      const r = await checkRepositoryUseCase(ctx.repo, {
        readDataSubset: subset,
        signal: jc.signal,
        onFinding: (f) => jc.log(`  ${f.severity}: ${f.message}`),
        onProgress: checkProgress(jc),
      });
      return { summary: `${r.errors} errors, ${r.hints} hints; ${r.packs} packs, ${r.snapshots} snapshots, ${r.trees} trees, ${r.packsRead} packs read`, failed: r.errors > 0 };
    });
    return c.redirect(`/jobs/${job.id}`, 303);
  });

  app.get('/jobs/:id', (c) => {
    const j = JOB_ID.test(c.req.param('id')) ? ctx.jobs.get(c.req.param('id')) : undefined;
    return j ? c.html(jobPage(j)) : c.html(page('Not found', '/jobs', errorBox('There is no such job (jobs are kept while the console runs).')), 404);
  });

  app.get('/api/jobs', (c) => c.json(ctx.jobs.list()));
  app.get('/api/jobs/:id', (c) => {
    const j = JOB_ID.test(c.req.param('id')) ? ctx.jobs.get(c.req.param('id')) : undefined;
    return j ? c.json(j) : c.json({ error: 'no such job' }, 404);
  });

  app.get('/api/jobs/:id/events', (c) => {
    const id = c.req.param('id');
    if (!JOB_ID.test(id) || !ctx.jobs.get(id)) return c.json({ error: 'no such job' }, 404);
    return streamSSE(c, async (stream) => {
      let wake: () => void = () => {};
      const ended = new Promise<void>((resolve) => (wake = resolve));
      let seq = 0;
      // writes in order; the stream closes only after the last (final) state is written
      let writing = Promise.resolve();
      const unsubscribe = ctx.jobs.subscribe(id, (s) => {
        const data = JSON.stringify(s);
        const n = seq++;
        writing = writing.then(() => stream.writeSSE({ event: 'state', id: String(n), data })).catch(() => wake());
        if (s.status !== 'running') void writing.then(wake);
      });
      stream.onAbort(() => wake());
      await ended;
      unsubscribe?.();
    });
  });

  app.post('/jobs/:id/cancel', (c) => {
    const id = c.req.param('id');
    if (!JOB_ID.test(id) || !ctx.jobs.get(id)) return c.html(page('Not found', '/jobs', errorBox('There is no such job.')), 404);
    ctx.jobs.cancel(id);
    return c.redirect(`/jobs/${id}`, 303);
  });
}
