/**
 * @module cli/commands
 * The commands of the CLI, one register function per file or group: each adds its commands to
 * the program with their flags and help, and wraps each action with the runner of ../action.ts.
 * An action imports its app/ use-case module when it runs (a command does not load the others).
 * May import: app, core, the cli folder.
 */
export { registerForgetCommand } from './forget-command.js';
export { registerInventoryCommands } from './inventory.js';
export { registerJournalCommands } from './journal-command.js';
export { registerMaintenanceCommands } from './maintenance-commands.js';
export { registerNotifyCommands } from './notify-command.js';
export { registerPointCommands } from './point-commands.js';
export { registerPruneCommand } from './prune-command.js';
export { registerReadCommands } from './read-commands.js';
export { registerReadyCommand } from './ready-command.js';
export { registerRewriteCommands } from './rewrite-commands.js';
export { registerRollbackCommands } from './rollback-commands.js';
export { registerScheduleCommands } from './schedule-command.js';
export { registerServeCommand } from './serve-command.js';
export { registerSnapshotCommands } from './snapshot-commands.js';
export { registerSystemCommands } from './system-commands.js';
export { registerCopyCommand, registerWriteCommands } from './write-commands.js';
