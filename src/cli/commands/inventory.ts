/**
 * `lifeboat inventory collect|report|check|diff|show`: document the existing system (issue 5) and
 * cross-check its sources (issue 17).
 * Exit codes as every command (exit-codes.ts): 0 ok, 1 error, 3 collected but some source had
 * warnings or errors (`check`: or there are findings); 10, 11, 12 when `collect --store` and
 * `show` cannot open the repository.
 */
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { Option } from '@commander-js/extra-typings';
import type { ConsistencyFormat, DiffFormat, InventoryProgress } from '../../app/inventory.js';
import { writeFileAtomic } from '../../app/output-file.js';
import { LifeboatError } from '../../core/index.js';
import type { Register } from '../action.js';
import { type CommandContext, collect, withRepository } from '../command-context.js';
import { EXIT } from '../exit-codes.js';
import { chooseFormat } from '../printers/index.js';

/** Writes chunks to a stream, waiting for 'drain' when it asks to. */
async function writeChunks(out: Writable, chunks: Iterable<string>): Promise<void> {
  for (const c of chunks) {
    if (!out.write(c)) await once(out, 'drain');
  }
}
/** Writes a file atomically and durably (0600), so a reader never sees half a document. */
function writeAtomic(path: string, data: string | Iterable<string>): Promise<void> {
  return writeFileAtomic(path, data);
}
/** Reports each source's errors (and warnings unless --quiet) on stderr. */
function reportSourceProblems(ctx: CommandContext, sources: readonly { name: string; errors: string[]; warnings: string[] }[]): void {
  for (const s of sources) {
    for (const e of s.errors) ctx.io.stderr.write(`lifeboat: ${s.name}: error: ${e}\n`);
    if (!ctx.flags.quiet) for (const w of s.warnings) ctx.io.stderr.write(`lifeboat: ${s.name}: warning: ${w}\n`);
  }
}
export const registerInventoryCommands: Register = (program, run) => {
  const inventory = program.command('inventory').description('document the existing system: accounts and the pool each is homed on, hosts, databases');

  inventory
    .command('collect')
    .description('read the configured sources and write an inventory document (JSON)')
    .option('-c, --config <file>', 'YAML source list (see docs/design/inventory.md)')
    .option('--source <type:arg>', 'a one-off source: host, csv:FILE, sfb-topology:FILE, ldap:URL/BASE-DN, postgres:URL (repeatable)', collect, [] as string[])
    .addOption(new Option('--preset <preset>', 'preset for one-off csv and ldap sources').choices(['sfb', 'exchange', 'generic'] as const))
    .option('-o, --output <file>', 'write the document here instead of standard output')
    .option('--markdown <file>', 'also write the Markdown report here')
    .option('--store', 'also save the document and its Markdown report in the repository (-r) as a snapshot tagged "inventory"')
    .option('--host <host>', 'host name recorded in the stored snapshot (default: this host)')
    .option('--tag <tag>', 'extra tag for the stored snapshot (repeatable)', collect, [] as string[])
    .addHelpText('after', '\nExit codes: 0 all sources read cleanly, 1 error, 3 written but some source had warnings or errors.')
    .action(
      run(async (ctx, opts) => {
        // The collectors (ldapts, pg, yaml, zod) load only when an inventory command runs.
        const { documentJsonChunks, inventoryCollect, inventoryStore } = await import('../../app/inventory.js');
        const { stdout, stderr } = ctx.io;
        const silent = Boolean(ctx.flags.quiet);
        const onProgress = (e: InventoryProgress): void => {
          if (silent) return;
          if (e.type === 'source-start') stderr.write(`collecting ${e.source} (${e.sourceType})…\n`);
          else if (e.type === 'source-done') {
            stderr.write(`  ${e.source}: ${e.status} in ${(e.durationMs / 1000).toFixed(1)} s${e.warnings ? `, ${e.warnings} warnings` : ''}${e.errors ? `, ${e.errors} errors` : ''}\n`);
          }
        };
        const result = await inventoryCollect({ configFile: opts.config, sources: opts.source, preset: opts.preset }, { signal: ctx.signal, onProgress, env: ctx.io.env });
        if (opts.output) await writeAtomic(opts.output, documentJsonChunks(result.document));
        else if (!opts.store) await writeChunks(stdout, documentJsonChunks(result.document));
        if (opts.store && !result.failed) {
          const id = await withRepository(ctx, (repo) => inventoryStore(repo, result, { host: opts.host, tags: opts.tag, signal: ctx.signal }));
          if (!silent) stderr.write(`inventory stored as snapshot ${id.slice(0, 8)} (tag inventory)\n`);
          stdout.write(`${id}\n`);
        }
        if (opts.markdown) await writeAtomic(opts.markdown, result.markdown);
        reportSourceProblems(ctx, result.document.sources);
        const summary = result.document.summary;
        if (!silent) {
          stderr.write(
            `${summary.accounts} accounts on ${summary.accountsPerPool.filter((p) => p.pool !== null).length} pools, ${summary.hosts} hosts, ${summary.databases} databases${opts.output ? ` → ${opts.output}` : ''}\n`,
          );
        }
        ctx.exitCode = result.failed ? EXIT.error : result.clean ? EXIT.ok : EXIT.partial;
      }),
    );

  inventory
    .command('report')
    .description('render an inventory document for people: accounts per pool, accounts, hosts, databases, warnings')
    .argument('<document>', 'inventory document (JSON) written by `inventory collect`')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['md', 'html', 'csv', 'json'] as const).default('md'))
    .option('-o, --output <file>', 'write the report here instead of standard output')
    .action(
      run(async (ctx, doc, opts) => {
        // The collectors (ldapts, pg, yaml, zod) load only when an inventory command runs.
        const { inventoryReport } = await import('../../app/inventory.js');
        const out = await inventoryReport(doc, opts.format);
        if (opts.output) await writeAtomic(opts.output, out);
        else ctx.io.stdout.write(out);
      }),
    );

  inventory
    .command('diff')
    .description('compare two inventory documents: accounts added, removed, moved between pools, changed; hosts, packages, services, databases')
    .argument('<old>', 'the earlier inventory document')
    .argument('<new>', 'the later inventory document')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['text', 'md', 'json'] as const).default('text'))
    .option('--json', 'same as --format json')
    .action(
      run(async (ctx, oldDoc, newDoc, opts) => {
        // The collectors (ldapts, pg, yaml, zod) load only when an inventory command runs.
        const { inventoryDiff } = await import('../../app/inventory.js');
        const format: DiffFormat = opts.json ? 'json' : chooseFormat(ctx, opts.format);
        const { output } = await inventoryDiff(oldDoc, newDoc, format);
        ctx.io.stdout.write(output);
      }),
    );

  inventory
    .command('check')
    .description(
      'cross-check the sources of an inventory: homes that resolve to no pool, pools without accounts, sources that disagree or miss accounts, duplicate SIP addresses, disabled or online accounts',
    )
    .argument('[document]', 'inventory document (JSON) written by `inventory collect`; without it, the sources of -c/--source are collected first')
    .option('-c, --config <file>', 'YAML source list to collect and check')
    .option('--source <type:arg>', 'a one-off source to collect and check (repeatable)', collect, [] as string[])
    .addOption(new Option('--preset <preset>', 'preset for one-off csv and ldap sources').choices(['sfb', 'exchange', 'generic'] as const))
    .addOption(new Option('-f, --format <format>', 'output format').choices(['text', 'json'] as const).default('text'))
    .option('--json', 'same as --format json')
    .addHelpText('after', '\nExit codes: 0 no findings, 1 error, 3 findings (or a collected source had warnings or errors).')
    .action(
      run(async (ctx, docPath, opts) => {
        // The collectors (ldapts, pg, yaml, zod) load only when an inventory command runs.
        const { checkDocument, inventoryCheck, inventoryCollect } = await import('../../app/inventory.js');
        const format: ConsistencyFormat = opts.json ? 'json' : chooseFormat(ctx, opts.format);
        if (docPath && (opts.config || opts.source.length)) throw new LifeboatError('E_USAGE', 'give a document or sources to collect, not both');
        let partial = false;
        let result;
        if (docPath) result = await inventoryCheck(docPath, format);
        else {
          const collected = await inventoryCollect({ configFile: opts.config, sources: opts.source, preset: opts.preset }, { signal: ctx.signal, env: ctx.io.env });
          reportSourceProblems(ctx, collected.document.sources);
          if (collected.failed) {
            ctx.exitCode = EXIT.error;
            return;
          }
          partial = !collected.clean;
          result = checkDocument(collected.document, format);
        }
        ctx.io.stdout.write(result.output);
        ctx.exitCode = result.report.findings.length || partial ? EXIT.partial : EXIT.ok;
      }),
    );

  inventory
    .command('show')
    .description('read the inventory stored in a snapshot (by `collect --store` or a restore point) and render it')
    .argument('[snapshot]', 'snapshot ID or prefix; latest = the newest snapshot tagged inventory', 'latest')
    .addOption(new Option('-f, --format <format>', 'output format (json = the stored document)').choices(['md', 'html', 'csv', 'json'] as const).default('md'))
    .option('-o, --output <file>', 'write it here instead of standard output')
    .action(
      run(async (ctx, ref, opts) => {
        // The collectors (ldapts, pg, yaml, zod) load only when an inventory command runs.
        const { documentJsonChunks, inventoryLoad, renderInventoryReport } = await import('../../app/inventory.js');
        const { document } = await withRepository(ctx, (repo) => inventoryLoad(repo, ref, ctx.signal));
        const out = opts.format === 'json' ? documentJsonChunks(document) : [renderInventoryReport(document, opts.format)];
        if (opts.output) await writeAtomic(opts.output, out);
        else await writeChunks(ctx.io.stdout, out);
      }),
    );
};
