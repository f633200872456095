/**
 * The console's Hono application: security middleware, then one route per page and API. Routes
 * call app/ use-cases and render what they return; they hold no domain logic. `createConsoleApp`
 * is what `lifeboat serve` listens with and what the route tests call `app.request()` on.
 */
import { Hono, type Context } from 'hono';
import { html } from 'hono/html';
import { secureHeaders } from 'hono/secure-headers';
import { describe, wantsJson } from './errors.js';
import { redactSecrets, renderMetrics, repositoryMetrics } from './app-imports.js';
import { accessControl, bearer, Sessions, startSession, tokenMatches } from './auth.js';
import { ConsoleContext, type ConsoleOptions } from './context.js';
import { JobRunner } from './jobs.js';
import { errorBox, page } from './layout.js';
import { CONSOLE_CSS, CONSOLE_JS } from '../ui/index.js';
import { registerPointRoutes } from './routes-points.js';
import { registerInventoryRoutes } from './routes-inventory.js';
import { registerSnapshotRoutes } from './routes-snapshots.js';
import { registerJobRoutes } from './routes-jobs.js';

export interface ConsoleApp {
  app: Hono;
  context: ConsoleContext;
  jobs: JobRunner;
  /** Cancels running jobs and waits for them (shutdown). */
  close(): Promise<void>;
}

export function createConsoleApp(opts: ConsoleOptions): ConsoleApp {
  const jobs = new JobRunner(
    250,
    (err) => {
      const d = describe(err);
      return d.hint ? `${d.message} (${d.hint})` : d.message;
    },
    redactSecrets,
  );
  const ctx = new ConsoleContext(opts, jobs);
  const sessions = new Sessions();
  const secure = opts.secure ?? false;
  const app = new Hono();

  app.use(
    '*',
    secureHeaders({
      contentSecurityPolicy: {
        defaultSrc: ["'none'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
      },
      // same-origin: a form post carries its Origin (with no-referrer Chromium sends `Origin: null`)
      referrerPolicy: 'same-origin',
      strictTransportSecurity: secure ? 'max-age=31536000' : false,
      crossOriginEmbedderPolicy: false,
    }),
  );
  app.use('*', async (c, next) => {
    await next();
    if (!c.res.headers.has('cache-control')) c.res.headers.set('cache-control', 'no-store');
  });
  app.use(
    '*',
    accessControl(opts.token, sessions, secure, (c, why) => {
      if (why === 'csrf')
        return wantsJson(c)
          ? c.json({ error: 'cross-site request refused' }, 403)
          : c.html(page('Refused', '', errorBox('This request did not come from a page of this console: refused (CSRF protection).')), 403);
      if (wantsJson(c)) return c.json({ error: 'log in first: send Authorization: Bearer TOKEN' }, 401);
      return c.html(loginPage(), 401);
    }),
  );

  app.get('/static/console.css', (c) => c.body(CONSOLE_CSS, 200, { 'content-type': 'text/css; charset=utf-8', 'cache-control': 'max-age=300' }));
  app.get('/static/console.js', (c) => c.body(CONSOLE_JS, 200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'max-age=300' }));

  const login = (c: Context, presented: string | undefined): Response | Promise<Response> => {
    if (!tokenMatches(presented, opts.token)) return c.html(loginPage('That token is not right.'), 401);
    startSession(c, sessions, secure);
    return c.redirect('/', 303);
  };
  app.get('/login', (c) => {
    const t = c.req.query('token') ?? bearer(c);
    return t === undefined ? c.html(loginPage()) : login(c, t);
  });
  app.post('/login', async (c) => {
    const form = await c.req.parseBody();
    return login(c, typeof form.token === 'string' ? form.token : bearer(c));
  });

  // Prometheus scrapes with the token as a bearer header (authorization.credentials in its config);
  // the same series as `--metrics-file` derives from the repository (app/metrics.ts)
  app.get('/metrics', async (c) => c.body(renderMetrics(await repositoryMetrics(ctx.repo, c.req.raw.signal)), 200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }));
  registerPointRoutes(app, ctx);
  registerInventoryRoutes(app, ctx);
  registerSnapshotRoutes(app, ctx);
  registerJobRoutes(app, ctx);

  app.notFound((c) => (wantsJson(c) ? c.json({ error: 'not found' }, 404) : c.html(page('Not found', '', errorBox(`There is no page ${c.req.path}.`)), 404)));
  app.onError((err, c) => {
    const d = describe(err);
    if (wantsJson(c)) return c.json({ error: d.message, ...(d.hint ? { hint: d.hint } : {}) }, d.status);
    return c.html(page(d.status === 404 ? 'Not found' : 'Error', '', errorBox(d.message, d.hint)), d.status);
  });

  return { app, context: ctx, jobs, close: () => jobs.close() };
}

function loginPage(problem?: string): ReturnType<typeof page> {
  return page(
    'Log in',
    '',
    html`${problem ? errorBox(problem) : ''}<p>Enter the access token <code>lifeboat serve</code> printed when it started (it is also in its token file).</p>
<form method="post" action="/login" class="inline"><label>Access token <input name="token" type="password" required autocomplete="current-password"></label><button type="submit">Log in</button></form>`,
  );
}
