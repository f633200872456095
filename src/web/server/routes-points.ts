/** Routes of the overview, restore points, rollback and diff pages and their JSON APIs. */
import type { Hono } from 'hono';
import { type PlanFile, LifeboatError, confirmationWord, planIsEmpty, pointListJson, rollbackApplyApproved, rollbackPlan, rollbackPlanDigest } from './app-imports.js';
import { describe } from './errors.js';
import type { ConsoleContext } from './context.js';
import { buildDiff, diffPage, overviewPage, pointDetailPage, pointsPage, rollbackPage } from './pages/index.js';
import { shellArg } from './layout.js';

/** Point references in URLs: an ID, a prefix, a name or `latest`; no path characters. */
const POINT_REF = /^[^/\\\0]{1,200}$/;

export function requirePlan(ctx: ConsoleContext): PlanFile {
  if (!ctx.plan) throw new LifeboatError('E_USAGE', 'the console was started without a plan file', { hint: 'start it with lifeboat serve -c lifeboat.yaml' });
  return ctx.plan;
}

function checkRef(ref: string): string {
  if (!POINT_REF.test(ref)) throw new LifeboatError('E_NOT_FOUND', 'no such restore point');
  return ref;
}

export function registerPointRoutes(app: Hono, ctx: ConsoleContext): void {
  app.get('/', async (c) => c.html(overviewPage(ctx, await ctx.pointList(c.req.raw.signal), ctx.jobs.list())));

  app.get('/points', async (c) => {
    const f = { q: c.req.query('q') ?? '', host: c.req.query('host') ?? '', state: c.req.query('state') ?? '' };
    return c.html(pointsPage(ctx, await ctx.pointList(c.req.raw.signal), f));
  });
  app.get('/api/points', async (c) => c.json(pointListJson(await ctx.pointList(c.req.raw.signal))));

  app.get('/points/:ref', async (c) => {
    const p = await ctx.pointFind(checkRef(c.req.param('ref')), c.req.raw.signal);
    return c.html(pointDetailPage(ctx, p));
  });
  app.get('/api/points/:ref', async (c) => {
    const p = await ctx.pointFind(checkRef(c.req.param('ref')), c.req.raw.signal);
    return c.json({ ...p.manifest, pinned: p.pinned });
  });

  app.get('/rollback/:ref', async (c) => {
    const plan = requirePlan(ctx);
    const p = await rollbackPlan(ctx.repo, plan, checkRef(c.req.param('ref')), { env: ctx.env, signal: c.req.raw.signal });
    const deleteAdded = c.req.query('delete') === '1';
    const { manifest } = await ctx.pointFind(p.point.id, c.req.raw.signal);
    return c.html(rollbackPage(ctx, p, rollbackPlanDigest(p), confirmationWord(manifest), { empty: planIsEmpty(p), deleteAdded }));
  });
  app.get('/api/rollback/:ref', async (c) => {
    const plan = requirePlan(ctx);
    const p = await rollbackPlan(ctx.repo, plan, checkRef(c.req.param('ref')), { env: ctx.env, signal: c.req.raw.signal });
    return c.json({ plan: p, planHash: rollbackPlanDigest(p) });
  });

  app.post('/rollback/:ref/apply', async (c) => {
    const plan = requirePlan(ctx);
    const ref = checkRef(c.req.param('ref'));
    const form = await c.req.parseBody();
    const approval = { confirmation: typeof form.confirm === 'string' ? form.confirm : '', planHash: typeof form.planHash === 'string' ? form.planHash : '' };
    const deleteAdded = form.delete === '1';
    const running = ctx.jobs.running();
    if (running) return c.redirect(`/jobs/${running.id}`, 303);
    const { manifest } = await ctx.pointFind(ref, c.req.raw.signal);
    const word = confirmationWord(manifest);
    const replan = async (extra: { changed?: boolean; error?: { message: string; hint?: string } }, status: 400 | 409): Promise<Response> => {
      const p = await rollbackPlan(ctx.repo, plan, manifest.id, { env: ctx.env, signal: c.req.raw.signal });
      return c.html(rollbackPage(ctx, p, rollbackPlanDigest(p), word, { empty: planIsEmpty(p), deleteAdded, ...extra }), status);
    };
    if (approval.confirmation.trim() !== word) return replan({ error: { message: 'The confirmation does not name the point: nothing was applied.', hint: `type ${word} exactly` } }, 400);
    // the plan is checked here, so a changed present is answered on this page; the job checks again
    const now = await rollbackPlan(ctx.repo, plan, manifest.id, { env: ctx.env, signal: c.req.raw.signal });
    const hash = rollbackPlanDigest(now);
    if (hash !== approval.planHash) return c.html(rollbackPage(ctx, now, hash, word, { empty: planIsEmpty(now), deleteAdded, changed: true }), 409);
    const job = ctx.jobs.start('rollback-apply', `Rollback to ${word}`, `lifeboat rollback apply ${shellArg(word)}${ctx.planArg} --yes${deleteAdded ? ' --delete' : ''}`, async (jc) => {
      jc.step('checking the plan again');
      const outcome = await rollbackApplyApproved(ctx.repo, plan, manifest.id, approval, {
        env: ctx.env,
        stateDir: ctx.stateDir,
        delete: deleteAdded,
        signal: jc.signal,
        onEvent: (e) => {
          if (e.type === 'resume') jc.log(`resuming an interrupted rollback: ${e.done} steps were done`);
          else if (e.type === 'step-start') {
            jc.step(`step ${e.index + 1}/${e.total}: ${e.step.id}`);
            jc.progress({ percent: Math.floor((100 * e.index) / e.total) });
          } else if (e.type === 'step-done') {
            jc.log(`  ${e.step.id}: ${e.result}`);
            for (const p of e.problems) jc.log(`  problem: ${p}`);
          } else if (e.type === 'account') jc.log(`  ${e.source}: ${e.result.dn ?? e.result.id}: ${e.result.outcome}`);
        },
        onProgress: (p) => jc.progress({ bytesDone: p.bytesDone, bytesTotal: p.bytesTotal, filesDone: p.filesDone, filesTotal: p.filesTotal, percent: undefined }),
      });
      if (!outcome.applied) return { summary: 'refused: the present changed since the plan was approved; review the new plan', resultLink: `/rollback/${manifest.id}`, failed: true };
      const r = outcome.result;
      return {
        summary: `rollback to ${manifest.id} applied${r.resumed ? ' (resumed)' : ''}: ${r.journal.plan.steps.length} steps, ${r.problems.length} problems; journal ${r.journalFile}`,
        resultLink: `/points/${manifest.id}`,
        failed: r.problems.length > 0,
      };
    });
    return c.redirect(`/jobs/${job.id}`, 303);
  });

  app.get('/diff', async (c) => {
    const from = c.req.query('from');
    const to = c.req.query('to');
    const points = (await ctx.pointList(c.req.raw.signal)).filter((p) => p.manifest);
    if (!from || !to) return c.html(diffPage(ctx, points, undefined, from ?? '', to ?? ''));
    try {
      const view = await buildDiff(ctx, checkRef(from), to === 'live' ? 'live' : checkRef(to), c.req.raw.signal);
      return c.html(diffPage(ctx, points, view, from, to));
    } catch (err) {
      const d = describe(err);
      return c.html(diffPage(ctx, points, { error: d }, from, to), d.status);
    }
  });
}
