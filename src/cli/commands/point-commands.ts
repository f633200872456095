/**
 * `lifeboat point create|list|show|release` and `lifeboat rollback plan|apply`: restore points
 * before a migration and the way back (docs/design/restore-points.md).
 */
import { existsSync } from 'node:fs';
import type { PlanFile, PointEvent, PointManifest, ReadinessReport, Repository, RollbackEvent } from '../../app/index.js';
import { type CommandContext, repositoryContext } from '../command-context.js';
import { EXIT } from '../exit-codes.js';
import { formatBytes, renderTable, shortTime } from '../format.js';
import { ProgressReporter, backupProgressLine } from '../progress.js';
import { printJson, printLine } from '../io.js';
import type { Register } from '../action.js';
import { addOperationOptions, withOperation } from '../operation.js';

const DEFAULT_PLAN = 'lifeboat.yaml';

/**
 * The restore-point and rollback use-cases (with the inventory collectors, yaml and zod behind
 * them) are loaded when one of these commands runs, not by every command of the CLI.
 */
const app = (): Promise<typeof import('../../app/index.js')> => import('../../app/index.js');

/** The plan file: -c, else ./lifeboat.yaml; `required` false returns undefined when neither exists. */
export async function planOf(file: string | undefined, required: true): Promise<PlanFile>;
export async function planOf(file: string | undefined, required: boolean): Promise<PlanFile | undefined>;
export async function planOf(file: string | undefined, required: boolean): Promise<PlanFile | undefined> {
  const { loadPlanFile } = await app();
  if (file) return loadPlanFile(file);
  if (existsSync(DEFAULT_PLAN) || required) return loadPlanFile(DEFAULT_PLAN);
  return undefined;
}

export async function withPlanRepository<T>(ctx: CommandContext, plan: PlanFile | undefined, fn: (repo: Repository) => Promise<T>): Promise<T> {
  const base = repositoryContext(ctx);
  const { planRepositoryContext, withRepository } = await app();
  return withRepository(plan ? planRepositoryContext(base, plan) : base, fn);
}

function printManifest(ctx: CommandContext, m: PointManifest, pinned: boolean | undefined): void {
  const out = ctx.io.stdout;
  printLine(out, `restore point ${m.id}${m.name ? ` "${m.name}"` : ''}${pinned === false ? ' (released)' : ''}`);
  printLine(out, `  created   ${shortTime(m.createdAt)} on ${m.host} (lifeboat ${m.lifeboatVersion}, repository format v${m.repositoryVersion})`);
  if (m.note) printLine(out, `  note      ${m.note}`);
  printLine(out, `  plan      ${m.planFile}`);
  printLine(out, `  proof     ${m.proof.ok ? 'passed' : 'FAILED'} (${(m.proof.durationMs / 1000).toFixed(1)} s)`);
  for (const c of m.proof.checks) printLine(out, `    ${c.ok ? 'ok  ' : 'FAIL'} ${c.name}: ${c.detail}`);
  printLine(out, '  sources');
  printLine(
    out,
    renderTable(
      ['name', 'kind', 'snapshot', 'files', 'size', 'added', 'unreadable'],
      m.sources.map((s) => [s.name, s.kind, s.snapshot.slice(0, 8), String(s.files), formatBytes(s.bytes), formatBytes(s.dataAdded), String(s.unreadable)]),
    ).replace(/^/gm, '    '),
  );
  if (m.inventory) {
    printLine(out, `  inventory snapshot ${m.inventory.snapshot.slice(0, 8)}: ${m.inventory.accounts} accounts`);
    if (m.inventory.accountsPerPool.length) {
      printLine(
        out,
        renderTable(
          ['pool', 'accounts'],
          m.inventory.accountsPerPool.map((p) => [p.pool ?? '(unassigned)', String(p.count)]),
        ).replace(/^/gm, '    '),
      );
    }
  }
  for (const w of m.warnings.slice(0, 20)) printLine(out, `  warning: ${w}`);
  if (m.warnings.length > 20) printLine(out, `  … and ${m.warnings.length - 20} more warnings`);
}

export const registerPointCommands: Register = (program, run) => {
  const point = program.command('point').description('restore points: a full, proven backup of everything a plan file names, with its inventory');

  addOperationOptions(point.command('create').description('back up every source of the plan file and the inventory, prove the point restores, write its manifest'))
    .option('-c, --config <file>', `plan file (default: ./${DEFAULT_PLAN})`)
    .option('--name <name>', 'a name for the point (usable instead of its ID)')
    .option('--note <text>', 'a note kept in the manifest (change ticket, reason)')
    .option('--full-drill', 'restore and compare every file in the proof, not a sample')
    .addHelpText(
      'after',
      "\nExit codes: 0 point created and proven, 1 error or the proof failed, 3 created but some files could not be read, an inventory source failed, or the readiness gate of the plan's checklist is red.",
    )
    .action(
      run(async (ctx, o) => {
        const { pointCreate, renderReadiness } = await app();
        let readiness: ReadinessReport | undefined;
        const plan = await planOf(o.config, true);
        const say = (line: string): void => {
          if (!ctx.flags.quiet && !ctx.flags.json) printLine(ctx.io.stderr, line);
        };
        const progress = new ProgressReporter(ctx, backupProgressLine);
        const onEvent = (e: PointEvent): void => {
          progress.done();
          if (e.type === 'readiness') readiness = e.report;
          if (ctx.flags.json) return printJson(ctx.io.stdout, { message_type: 'point_event', ...e });
          if (e.type === 'hook') say(`running ${e.phase} hook: ${e.command}`);
          else if (e.type === 'source-start') say(`backing up ${e.source} (${e.kind})…`);
          else if (e.type === 'source-done' && e.source === 'inventory') say(`  inventory: snapshot ${e.snapshot.slice(0, 8)}`);
          else if (e.type === 'source-done')
            say(`  ${e.source}: snapshot ${e.snapshot.slice(0, 8)}, ${e.files} files, ${formatBytes(e.bytes)}, ${formatBytes(e.dataAdded)} added${e.unreadable ? `, ${e.unreadable} unreadable` : ''}`);
          else if (e.type === 'warning') printLine(ctx.io.stderr, `lifeboat: warning: ${e.message}`);
          else if (e.type === 'proof') say(`  proof ${e.check.ok ? 'ok  ' : 'FAIL'} ${e.check.name}: ${e.check.detail}`);
        };
        const m = await withOperation(ctx, o, plan, (events) =>
          withPlanRepository(ctx, plan, (repo) =>
            pointCreate(repo, plan, {
              name: o.name,
              note: o.note,
              fullDrill: o.fullDrill,
              signal: ctx.signal,
              onEvent,
              events,
              onProgress: (source, p) => progress.update({ ...p, current: `${source}: ${p.current ?? ''}` }),
            }),
          ).then((manifest) => {
            progress.done();
            if (ctx.flags.json) printJson(ctx.io.stdout, { message_type: 'point', ...manifest });
            else printManifest(ctx, manifest, true);
            return manifest;
          }),
        );
        if (!m.proof.ok) {
          printLine(
            ctx.io.stderr,
            `lifeboat: RESTORE POINT ${m.id} FAILED ITS PROOF: ${m.proof.checks
              .filter((c) => !c.ok)
              .map((c) => c.name)
              .join(', ')}`,
          );
          printLine(ctx.io.stderr, '  hint: do not start the migration; fix the cause and create a new point');
          ctx.exitCode = EXIT.error;
        } else {
          const failedInventory = m.inventory?.sources.filter((s) => s.status === 'failed') ?? [];
          if (failedInventory.length) printLine(ctx.io.stderr, `lifeboat: the inventory is incomplete: ${failedInventory.map((s) => s.name).join(', ')} could not be read`);
          if (failedInventory.length || m.sources.some((s) => s.unreadable > 0)) ctx.exitCode = EXIT.partial;
        }
        if (readiness?.red.length) {
          if (!ctx.flags.json) ctx.io.stderr.write(renderReadiness(readiness).replace(/^/gm, 'lifeboat: '));
          printLine(
            ctx.io.stderr,
            `lifeboat: RESTORE POINT ${m.id} WAS SAVED BUT IS NOT COMPLETE FOR ${readiness.product.toUpperCase()}: missing, stale or failed: ${readiness.red.map((i) => `${i.id}${i.pool ? ` (${i.pool})` : ''}`).join(', ')}`,
          );
          if (ctx.exitCode === EXIT.ok) ctx.exitCode = EXIT.partial;
        }
      }),
    );

  point
    .command('list')
    .description('list restore points (incomplete ones, whose creation was interrupted, included)')
    .option('-c, --config <file>', 'plan file naming the repository (default: ./lifeboat.yaml when present)')
    .action(
      run(async (ctx, o) => {
        const { pointList, pointListJson } = await app();
        const plan = await planOf(o.config, false);
        const points = await withPlanRepository(ctx, plan, (repo) => pointList(repo, ctx.signal));
        if (ctx.flags.json) {
          printJson(ctx.io.stdout, pointListJson(points));
          return;
        }
        printLine(
          ctx.io.stdout,
          renderTable(
            ['ID', 'time', 'name', 'host', 'sources', 'accounts', 'proof', 'state'],
            points.map((p) => [
              p.id,
              shortTime(p.time),
              p.manifest?.name ?? '',
              p.manifest?.host ?? '',
              p.manifest ? String(p.manifest.sources.length) : '',
              p.manifest?.inventory ? String(p.manifest.inventory.accounts) : '',
              p.manifest ? (p.manifest.proof.ok ? 'passed' : 'FAILED') : '',
              !p.manifest ? 'incomplete' : p.pinned ? 'pinned' : 'released',
            ]),
          ),
        );
        printLine(ctx.io.stdout, `${points.length} restore points`);
      }),
    );

  point
    .command('show')
    .description('show a restore point: sources, sizes, accounts per pool, proof results')
    .argument('<point>', 'point ID, unique prefix, name, or latest')
    .option('-c, --config <file>', 'plan file naming the repository (default: ./lifeboat.yaml when present)')
    .action(
      run(async (ctx, ref, o) => {
        const { pointFind, journalCitations, journalCitation } = await app();
        const plan = await planOf(o.config, false);
        const [p, journal] = await withPlanRepository(ctx, plan, async (repo) => {
          const found = await pointFind(repo, ref, ctx.signal);
          return [found, await journalCitations(repo, found.id, ctx.signal)] as const;
        });
        if (ctx.flags.json) printJson(ctx.io.stdout, { ...p.manifest, pinned: p.pinned, journal });
        else {
          printManifest(ctx, p.manifest, p.pinned);
          for (const c of journal) printLine(ctx.io.stdout, `  journal   ${journalCitation(c)} ${c.time} ${c.event}: ${c.summary}`);
        }
      }),
    );

  point
    .command('release')
    .description("unpin a restore point's snapshots so that forget may remove them")
    .argument('<point>', 'point ID, unique prefix or name')
    .option('-c, --config <file>', 'plan file naming the repository (default: ./lifeboat.yaml when present)')
    .action(
      run(async (ctx, ref, o) => {
        const { pointRelease } = await app();
        const plan = await planOf(o.config, false);
        const r = await withPlanRepository(ctx, plan, (repo) => pointRelease(repo, ref, ctx.signal));
        if (ctx.flags.json) printJson(ctx.io.stdout, { message_type: 'released', id: r.id, snapshots: r.released });
        else printLine(ctx.io.stdout, `released restore point ${r.id}: ${r.released} snapshots unpinned (forget may now remove them)`);
      }),
    );

  const rollback = program.command('rollback').description('compare the present with a restore point and put it back');

  rollback
    .command('plan')
    .description('list what changed since a point (files, accounts moved between pools, dumps to re-import) as an ordered plan; touches nothing')
    .argument('<point>', 'point ID, unique prefix, name, or latest')
    .option('-c, --config <file>', `plan file (default: ./${DEFAULT_PLAN})`)
    .option('--markdown', 'print the plan as Markdown (for change-approval boards)')
    .option('--delete', 'plan to remove files added since the point')
    .addHelpText('after', `\nExit codes: ${EXIT.ok} nothing differs, ${EXIT.error} error, ${EXIT.planHasWork} differences found (the plan has work to do).`)
    .action(
      run(async (ctx, ref, o) => {
        const { rollbackPlan, renderPlan, planIsEmpty } = await app();
        const plan = await planOf(o.config, true);
        const p = await withPlanRepository(ctx, plan, (repo) => rollbackPlan(repo, plan, ref, { env: ctx.io.env, signal: ctx.signal }));
        if (ctx.flags.json) printJson(ctx.io.stdout, p);
        else ctx.io.stdout.write(renderPlan(p, { markdown: o.markdown, delete: o.delete }));
        ctx.exitCode = planIsEmpty(p) ? EXIT.ok : EXIT.planHasWork;
      }),
    );

  addOperationOptions(
    rollback.command('apply').description('put the system back to a restore point: safety point first, then files, dumps and accounts, with a journal that resumes an interrupted run'),
  )
    .argument('<point>', 'point ID, unique prefix, name, or latest')
    .option('-c, --config <file>', `plan file (default: ./${DEFAULT_PLAN})`)
    .option('--yes', 'really apply (without it: a dry run that prints the plan and touches nothing)')
    .option('--delete', 'also remove files added since the point')
    .option('--state-dir <dir>', 'where the journal is kept (env: LIFEBOAT_STATE_DIR; default /var/lib/lifeboat for root)')
    .addHelpText('after', '\nExit codes: 0 applied and nothing remains different, 1 error (run again to resume), 3 applied with problems (conflicts, manual steps).')
    .action(
      run(async (ctx, ref, o) => {
        const { rollbackPlan, rollbackApply, renderPlan, defaultStateDir, liveWriteNotifier } = await app();
        const plan = await planOf(o.config, true);
        const stateDir = o.stateDir ?? defaultStateDir(ctx.io.env);
        await withOperation(ctx, o, plan, (events) =>
          withPlanRepository(ctx, plan, async (repo) => {
            if (!o.yes) {
              const p = await rollbackPlan(repo, plan, ref, { env: ctx.io.env, signal: ctx.signal });
              if (ctx.flags.json) printJson(ctx.io.stdout, { message_type: 'dry_run', plan: p });
              else {
                ctx.io.stdout.write(renderPlan(p, { delete: o.delete }));
                printLine(ctx.io.stdout, '\ndry run: nothing was changed; add --yes to apply this plan');
              }
              return;
            }
            const say = (line: string): void => {
              if (!ctx.flags.quiet && !ctx.flags.json) printLine(ctx.io.stderr, line);
            };
            const progress = new ProgressReporter(
              ctx,
              (p, elapsed) => `[${elapsed.toFixed(0)} s] restoring ${p.filesDone} of ${p.filesTotal ?? '?'} files, ${formatBytes(p.bytesDone)} of ${formatBytes(p.bytesTotal ?? 0)}`,
            );
            const onEvent = (e: RollbackEvent): void => {
              progress.done();
              if (ctx.flags.json) return printJson(ctx.io.stdout, { message_type: 'rollback_event', ...e });
              if (e.type === 'resume') say(`resuming the interrupted rollback (${e.done} steps done; journal ${e.journal})`);
              else if (e.type === 'step-start') say(`step ${e.index + 1}/${e.total}: ${e.step.id}…`);
              else if (e.type === 'step-done') say(`  ${e.result}`);
            };
            const r = await rollbackApply(repo, plan, ref, {
              env: ctx.io.env,
              stateDir,
              delete: o.delete,
              signal: ctx.signal,
              onEvent,
              events,
              onProgress: (p) => progress.update(p),
              // undefined unless a write observer is registered (the fault-injection tests' preloaded hook)
              afterLiveWrite: liveWriteNotifier(),
            });
            progress.done();
            for (const p of r.problems) printLine(ctx.io.stderr, `lifeboat: ${p}`);
            const moved = r.remaining?.accounts.moved.length ?? 0;
            if (ctx.flags.json) printJson(ctx.io.stdout, { message_type: 'summary', journal: r.journalFile, resumed: r.resumed, problems: r.problems, remaining_moved_accounts: moved });
            else
              printLine(
                ctx.io.stdout,
                `rollback to ${r.journal.plan.point.id} applied${r.resumed ? ' (resumed)' : ''}: ${r.journal.plan.steps.length} steps, ${r.problems.length} problems; journal ${r.journalFile}`,
              );
            if (r.problems.length) ctx.exitCode = EXIT.partial;
          }),
        );
      }),
    );
};
