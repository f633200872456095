/**
 * One-way imports, checked in the test command (scripts/test.sh → npm run lint:deps).
 * Data flows cli/web → app → rollback → engine → repository → backend; inventory sits beside;
 * platform, native and core underneath. Each rule names a folder and what it must not import.
 */
const layer = (name, mayNotImport, comment) => ({
  name: `${name}-boundary`,
  comment,
  severity: 'error',
  from: { path: `^src/${name}/` },
  to: { path: mayNotImport.map((d) => `^src/${d}/`) },
});

module.exports = {
  forbidden: [
    layer('core', ['native', 'platform', 'backend', 'repository', 'engine', 'inventory', 'rollback', 'system', 'app', 'cli', 'web'], 'core imports node builtins only'),
    layer('native', ['platform', 'backend', 'repository', 'engine', 'inventory', 'rollback', 'system', 'app', 'cli', 'web'], 'native is the C addon loader: core only'),
    layer('platform', ['backend', 'repository', 'engine', 'inventory', 'rollback', 'system', 'app', 'cli', 'web'], 'platform: ports to the host machine'),
    layer('backend', ['platform/fs', 'repository', 'engine', 'inventory', 'rollback', 'system', 'app', 'cli', 'web'], 'backends store bytes; they know nothing of the format'),
    layer('repository', ['platform', 'engine', 'inventory', 'rollback', 'system', 'app', 'cli', 'web'], 'repository: the restic format over a Backend'),
    layer('engine', ['backend', 'inventory', 'rollback', 'system', 'app', 'cli', 'web'], 'engines talk to the repository through its ports, never to a backend'),
    layer('inventory', ['backend', 'repository', 'engine', 'rollback', 'system', 'app', 'cli', 'web'], 'inventory never touches the repository; app decides where documents go'),
    layer('system', ['backend', 'repository', 'engine', 'inventory', 'rollback', 'app', 'cli', 'web'], 'system (bare metal) drives host commands; app moves the files'),
    layer('rollback', ['backend', 'system', 'app', 'cli', 'web'], 'rollback sits under app'),
    layer('app', ['cli', 'web'], 'use-cases return data; front ends sit above'),
    layer(
      'cli',
      ['backend', 'repository', 'engine', 'inventory', 'rollback', 'system', 'platform', 'web(?!/index\\.ts$)'],
      'the CLI is a thin adapter over app; `serve` starts the web console through web/index.ts only',
    ),
    layer('web', ['backend', 'repository', 'engine', 'inventory', 'rollback', 'system', 'platform', 'cli'], 'the web server is a thin adapter over app'),
    {
      name: 'entry-points-only',
      comment:
        'another area is reached through its entry points: a folder index.ts, repository/ports.ts or ' +
        'repository/model/ (docs/design/architecture.md); app/ use-case files are the entry points the CLI loads lazily',
      severity: 'error',
      from: { path: '^src/([^/]+)/', pathNot: ['\\.test\\.ts$', '/testing/', '\\.case\\.ts$'] },
      to: {
        path: '^src/(engine|repository|backend|inventory|rollback|platform|native)/',
        pathNot: ['^src/$1/', '(^|/)index\\.ts$', '^src/repository/ports\\.ts$', '^src/repository/model/'],
      },
    },
    {
      name: 'engine-repository-entry-points',
      comment:
        'engines reach the repository through its ports, model and folder entry points only: ' +
        'repository/ports.ts, repository/model/, the index.ts of repository, pack/, index/, chunker/, crypto/ ' +
        '(docs/design/architecture.md); never a file inside those folders',
      severity: 'error',
      from: { path: '^src/engine/', pathNot: ['\\.test\\.ts$', '/testing/', '\\.case\\.ts$'] },
      to: {
        path: '^src/repository/',
        pathNot: ['^src/repository/(index|ports)\\.ts$', '^src/repository/model/', '^src/repository/(pack|index|chunker|crypto)/index\\.ts$'],
      },
    },
    {
      name: 'no-testing-in-production',
      comment: 'testing/ folders and test files are for tests only',
      severity: 'error',
      from: { path: '^src/', pathNot: ['\\.test\\.ts$', '/testing/', '\\.case\\.ts$'] },
      to: { path: ['/testing/', '\\.test\\.ts$', '^test/'] },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    exclude: { path: '\\.test\\.ts$' },
  },
};
