/**
 * `lifeboat inventory collect|report|check|diff|show`: document the existing system (issue 5) and
 * cross-check its sources (issue 17).
 * Self-contained: registerInventoryCommands(program, options) adds the commands; output goes
 * to options.stdout/stderr (process streams by default) and the exit code to options.onExit:
 * 0 ok, 1 error, 3 collected but some source had warnings or errors (`check`: or there are findings).
 */
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { type Command, Option } from 'commander';
import type { ConsistencyFormat, DiffFormat, InventoryProgress, ReportFormat } from '../../app/inventory.js';
import type { Repository, RepositoryContext } from '../../app/index.js';
import { writeFileAtomic } from '../../app/output-file.js';
import { LifeboatError, errorMessage } from '../../core/index.js';

export interface InventoryCliOptions {
  stdout?: Writable;
  stderr?: Writable;
  signal?: AbortSignal;
  env?: Readonly<Record<string, string | undefined>>;
  /** Receives the command's exit code (default: sets process.exitCode). */
  onExit?: (code: number) => void;
  /** How to reach the repository (-r, password flags) for `collect --store` and `show`. */
  repositoryContext?: (cmd: Command) => RepositoryContext;
}

export const INVENTORY_EXIT = { ok: 0, error: 1, partial: 3 } as const;

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

function collectList(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export function registerInventoryCommands(program: Command, options: InventoryCliOptions = {}): void {
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  const onExit = options.onExit ?? ((code: number) => void (process.exitCode = code));
  const quiet = (cmd: Command): boolean => Boolean((cmd.optsWithGlobals() as { quiet?: boolean }).quiet);
  const withRepository = async <T>(cmd: Command, fn: (repo: Repository) => Promise<T>): Promise<T> => {
    if (!options.repositoryContext) throw new LifeboatError('E_USAGE', 'no repository access configured');
    const { openRepository } = await import('../../app/wiring/index.js');
    const repo = await openRepository(options.repositoryContext(cmd));
    try {
      return await fn(repo);
    } finally {
      await repo.backend.close();
    }
  };

  const action =
    (fn: (cmd: Command, ...args: string[]) => Promise<number>) =>
    async (...args: unknown[]): Promise<void> => {
      const cmd = args.at(-1) as Command;
      const positional = args.slice(0, -2).filter((a): a is string => typeof a === 'string');
      let code: number;
      try {
        code = await fn(cmd, ...positional);
      } catch (err) {
        stderr.write(`lifeboat: ${errorMessage(err)}\n`);
        if (err instanceof LifeboatError && err.hint) stderr.write(`  hint: ${err.hint}\n`);
        code = err instanceof LifeboatError && err.code === 'E_ABORTED' ? 130 : INVENTORY_EXIT.error;
      }
      onExit(code);
    };

  const inventory = program
    .command('inventory')
    .description('document the existing system: accounts and the pool each is homed on, hosts, databases');

  inventory
    .command('collect')
    .description('read the configured sources and write an inventory document (JSON)')
    .option('-c, --config <file>', 'YAML source list (see docs/design/inventory.md)')
    .option('--source <type:arg>', 'a one-off source: host, csv:FILE, sfb-topology:FILE, ldap:URL/BASE-DN, postgres:URL (repeatable)', collectList, [])
    .addOption(new Option('--preset <preset>', 'preset for one-off csv and ldap sources').choices(['sfb', 'exchange', 'generic']))
    .option('-o, --output <file>', 'write the document here instead of standard output')
    .option('--markdown <file>', 'also write the Markdown report here')
    .option('--store', 'also save the document and its Markdown report in the repository (-r) as a snapshot tagged "inventory"')
    .option('--host <host>', 'host name recorded in the stored snapshot (default: this host)')
    .option('--tag <tag>', 'extra tag for the stored snapshot (repeatable)', collectList, [])
    .addHelpText('after', '\nExit codes: 0 all sources read cleanly, 1 error, 3 written but some source had warnings or errors.')
    .action(
      action(async (cmd) => {
        // The collectors (ldapts, pg, yaml, zod) load only when an inventory command runs.
        const { documentJsonChunks, inventoryCollect, inventoryStore } = await import('../../app/inventory.js');
        const opts = cmd.opts<{ config?: string; source: string[]; preset?: string; output?: string; markdown?: string; store?: boolean; host?: string; tag: string[] }>();
        const silent = quiet(cmd);
        const onProgress = (e: InventoryProgress): void => {
          if (silent) return;
          if (e.type === 'source-start') stderr.write(`collecting ${e.source} (${e.sourceType})…\n`);
          else if (e.type === 'source-done') {
            stderr.write(`  ${e.source}: ${e.status} in ${(e.durationMs / 1000).toFixed(1)} s${e.warnings ? `, ${e.warnings} warnings` : ''}${e.errors ? `, ${e.errors} errors` : ''}\n`);
          }
        };
        const result = await inventoryCollect(
          { configFile: opts.config, sources: opts.source, preset: opts.preset },
          { signal: options.signal, onProgress, env: options.env },
        );
        if (opts.output) await writeAtomic(opts.output, documentJsonChunks(result.document));
        else if (!opts.store) await writeChunks(stdout, documentJsonChunks(result.document));
        if (opts.store && !result.failed) {
          const id = await withRepository(cmd, (repo) => inventoryStore(repo, result, { host: opts.host, tags: opts.tag, signal: options.signal }));
          if (!silent) stderr.write(`inventory stored as snapshot ${id.slice(0, 8)} (tag inventory)\n`);
          stdout.write(`${id}\n`);
        }
        if (opts.markdown) await writeAtomic(opts.markdown, result.markdown);
        for (const s of result.document.sources) {
          for (const e of s.errors) stderr.write(`lifeboat: ${s.name}: error: ${e}\n`);
          if (!silent) for (const w of s.warnings) stderr.write(`lifeboat: ${s.name}: warning: ${w}\n`);
        }
        const summary = result.document.summary;
        if (!silent) {
          stderr.write(
            `${summary.accounts} accounts on ${summary.accountsPerPool.filter((p) => p.pool !== null).length} pools, ${summary.hosts} hosts, ${summary.databases} databases${opts.output ? ` → ${opts.output}` : ''}\n`,
          );
        }
        if (result.failed) return INVENTORY_EXIT.error;
        return result.clean ? INVENTORY_EXIT.ok : INVENTORY_EXIT.partial;
      }),
    );

  inventory
    .command('report')
    .description('render an inventory document for people: accounts per pool, accounts, hosts, databases, warnings')
    .argument('<document>', 'inventory document (JSON) written by `inventory collect`')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['md', 'html', 'csv', 'json']).default('md'))
    .option('-o, --output <file>', 'write the report here instead of standard output')
    .action(
      action(async (cmd, doc) => {
        // The collectors (ldapts, pg, yaml, zod) load only when an inventory command runs.
        const { inventoryReport } = await import('../../app/inventory.js');
        const opts = cmd.opts<{ format: ReportFormat; output?: string }>();
        const out = await inventoryReport(doc!, opts.format);
        if (opts.output) await writeAtomic(opts.output, out);
        else stdout.write(out);
        return INVENTORY_EXIT.ok;
      }),
    );

  inventory
    .command('diff')
    .description('compare two inventory documents: accounts added, removed, moved between pools, changed; hosts, packages, services, databases')
    .argument('<old>', 'the earlier inventory document')
    .argument('<new>', 'the later inventory document')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['text', 'md', 'json']).default('text'))
    .option('--json', 'same as --format json')
    .action(
      action(async (cmd, oldDoc, newDoc) => {
        // The collectors (ldapts, pg, yaml, zod) load only when an inventory command runs.
        const { inventoryDiff } = await import('../../app/inventory.js');
        const opts = cmd.opts<{ format: DiffFormat; json?: boolean }>();
        const global = cmd.optsWithGlobals() as { json?: boolean };
        const format: DiffFormat = opts.json || global.json ? 'json' : opts.format;
        const { output } = await inventoryDiff(oldDoc!, newDoc!, format);
        stdout.write(output);
        return INVENTORY_EXIT.ok;
      }),
    );

  inventory
    .command('check')
    .description('cross-check the sources of an inventory: homes that resolve to no pool, pools without accounts, sources that disagree or miss accounts, duplicate SIP addresses, disabled or online accounts')
    .argument('[document]', 'inventory document (JSON) written by `inventory collect`; without it, the sources of -c/--source are collected first')
    .option('-c, --config <file>', 'YAML source list to collect and check')
    .option('--source <type:arg>', 'a one-off source to collect and check (repeatable)', collectList, [])
    .addOption(new Option('--preset <preset>', 'preset for one-off csv and ldap sources').choices(['sfb', 'exchange', 'generic']))
    .addOption(new Option('-f, --format <format>', 'output format').choices(['text', 'json']).default('text'))
    .option('--json', 'same as --format json')
    .addHelpText('after', '\nExit codes: 0 no findings, 1 error, 3 findings (or a collected source had warnings or errors).')
    .action(
      action(async (cmd, docPath) => {
        // The collectors (ldapts, pg, yaml, zod) load only when an inventory command runs.
        const { checkDocument, inventoryCheck, inventoryCollect } = await import('../../app/inventory.js');
        const opts = cmd.opts<{ config?: string; source: string[]; preset?: string; format: ConsistencyFormat; json?: boolean }>();
        const global = cmd.optsWithGlobals() as { json?: boolean };
        const format: ConsistencyFormat = opts.json || global.json ? 'json' : opts.format;
        if (docPath && (opts.config || opts.source.length)) throw new LifeboatError('E_USAGE', 'give a document or sources to collect, not both');
        let partial = false;
        let result;
        if (docPath) result = await inventoryCheck(docPath, format);
        else {
          const collected = await inventoryCollect({ configFile: opts.config, sources: opts.source, preset: opts.preset }, { signal: options.signal, env: options.env });
          for (const s of collected.document.sources) {
            for (const e of s.errors) stderr.write(`lifeboat: ${s.name}: error: ${e}\n`);
            if (!quiet(cmd)) for (const w of s.warnings) stderr.write(`lifeboat: ${s.name}: warning: ${w}\n`);
          }
          if (collected.failed) return INVENTORY_EXIT.error;
          partial = !collected.clean;
          result = checkDocument(collected.document, format);
        }
        stdout.write(result.output);
        return result.report.findings.length || partial ? INVENTORY_EXIT.partial : INVENTORY_EXIT.ok;
      }),
    );

  inventory
    .command('show')
    .description('read the inventory stored in a snapshot (by `collect --store` or a restore point) and render it')
    .argument('[snapshot]', 'snapshot ID or prefix; latest = the newest snapshot tagged inventory', 'latest')
    .addOption(new Option('-f, --format <format>', 'output format (json = the stored document)').choices(['md', 'html', 'csv', 'json']).default('md'))
    .option('-o, --output <file>', 'write it here instead of standard output')
    .action(
      action(async (cmd, ref) => {
        // The collectors (ldapts, pg, yaml, zod) load only when an inventory command runs.
        const { documentJsonChunks, inventoryLoad, renderInventoryReport } = await import('../../app/inventory.js');
        const opts = cmd.opts<{ format: ReportFormat; output?: string }>();
        const { document } = await withRepository(cmd, (repo) => inventoryLoad(repo, ref ?? 'latest', options.signal));
        const out = opts.format === 'json' ? documentJsonChunks(document) : [renderInventoryReport(document, opts.format)];
        if (opts.output) await writeAtomic(opts.output, out);
        else await writeChunks(stdout, out);
        return INVENTORY_EXIT.ok;
      }),
    );
}
