/**
 * @module engine
 * The long-running algorithms, one folder each: archiver/ (backup, the file lanes), restorer/,
 * walker/ (tree walks and lockstep diffs), filter/ (include/exclude patterns), checker/, pruner/.
 * They reach the repository through its ports, model and folder entry points (repository/ports.ts,
 * repository/model/, pack/, index/, chunker/, crypto/ index.ts), never a backend. May import:
 * repository (those entry points), native, platform, core.
 *
 * Each engine is imported through its own index.ts (`engine/walker/index.js`), so that a command
 * loads only the engine it runs; this file re-exports nothing on purpose.
 */
export {};
