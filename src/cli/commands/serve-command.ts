/**
 * `lifeboat serve`: the web console over the repository of a plan file (docs/console.md). Runs
 * until interrupted; the access token is printed once and kept in a 0600 file.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { PlanFile } from '../../app/index.js';
import { repositoryContext } from '../command-context.js';
import { choosePrinter } from '../printers/index.js';
import type { Register } from '../action.js';

export const registerServeCommand: Register = (program, run) => {
  program
    .command('serve')
    .description('start the web console: restore points, inventory, diff, snapshots, rollback and jobs in a browser')
    .option('-c, --config <file>', 'plan file (default: ./lifeboat.yaml when present); needed to create points and roll back')
    .option('--listen <host:port>', 'address to listen on (loopback unless TLS is configured)', '127.0.0.1:9898')
    .option('--tls-cert <file>', 'TLS certificate (PEM); with --tls-key, allows a non-loopback --listen')
    .option('--tls-key <file>', 'TLS private key (PEM)')
    .option('--token-file <file>', 'access token file: its token is used, or a new one is written to it (default: STATE_DIR/console-token)')
    .option('--state-dir <dir>', 'where rollback journals are kept (env: LIFEBOAT_STATE_DIR)')
    .addHelpText('after', '\nExit codes: 0 stopped by SIGINT/SIGTERM, 1 error (e.g. a non-loopback --listen without TLS).')
    .action(
      run(async (ctx, o) => {
        const { loadPlanFile, openRepository, planRepositoryContext, defaultStateDir } = await import('../../app/index.js');
        const { parseListen, startConsole } = await import('../../web/index.js');
        const { consolePrinter } = await import('../printers/serve-notify-printers.js');
        const print = choosePrinter(ctx, consolePrinter);
        const listen = parseListen(o.listen);
        if (Boolean(o.tlsCert) !== Boolean(o.tlsKey)) {
          const { LifeboatError } = await import('../../core/index.js');
          throw new LifeboatError('E_USAGE', '--tls-cert and --tls-key go together');
        }
        const plan: PlanFile | undefined = o.config ? await loadPlanFile(o.config) : existsSync('lifeboat.yaml') ? await loadPlanFile('lifeboat.yaml') : undefined;
        const stateDir = o.stateDir ?? defaultStateDir(ctx.io.env);
        const base = repositoryContext(ctx);
        const repo = await openRepository(plan ? planRepositoryContext(base, plan) : base);
        try {
          const running = await startConsole({
            repo,
            plan,
            env: ctx.io.env,
            stateDir,
            listen,
            tokenFile: o.tokenFile ?? join(stateDir, 'console-token'),
            ...(o.tlsCert && o.tlsKey ? { tls: { cert: o.tlsCert, key: o.tlsKey } } : {}),
          });
          print.started(running);
          await new Promise<void>((resolve) => {
            if (ctx.signal.aborted) resolve();
            ctx.signal.addEventListener('abort', () => resolve(), { once: true });
          });
          print.stopping();
          await running.close();
        } finally {
          await repo.close();
        }
      }),
    );
};
