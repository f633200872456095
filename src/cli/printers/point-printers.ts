/**
 * Output of `point create|list|show|release`: the manifest of a point (sources, proof, accounts
 * per pool, warnings), the list of points, and the progress events of a creation.
 */
import type { JournalCitation, PointEvent, PointManifest, PointSummary, ReadinessReport } from '../../app/index.js';
import { journalCitation, pointListJson, renderReadiness } from '../../app/index.js';
import { formatBytes, renderTable, shortTime } from '../format.js';
import { printJson, printLine } from '../io.js';
import type { PrintTarget, Printers } from './index.js';

/** The manifest as people read it; `pinned` false marks a released point. */
function manifestText(out: PrintTarget, m: PointManifest, pinned: boolean | undefined): void {
  const o = out.stdout;
  printLine(o, `restore point ${m.id}${m.name ? ` "${m.name}"` : ''}${pinned === false ? ' (released)' : ''}`);
  printLine(o, `  created   ${shortTime(m.createdAt)} on ${m.host} (lifeboat ${m.lifeboatVersion}, repository format v${m.repositoryVersion})`);
  if (m.note) printLine(o, `  note      ${m.note}`);
  printLine(o, `  plan      ${m.planFile}`);
  printLine(o, `  proof     ${m.proof.ok ? 'passed' : 'FAILED'} (${(m.proof.durationMs / 1000).toFixed(1)} s)`);
  for (const c of m.proof.checks) printLine(o, `    ${c.ok ? 'ok  ' : 'FAIL'} ${c.name}: ${c.detail}`);
  printLine(o, '  sources');
  printLine(
    o,
    renderTable(
      ['name', 'kind', 'snapshot', 'files', 'size', 'added', 'unreadable'],
      m.sources.map((s) => [s.name, s.kind, s.snapshot.slice(0, 8), String(s.files), formatBytes(s.bytes), formatBytes(s.dataAdded), String(s.unreadable)]),
    ).replace(/^/gm, '    '),
  );
  if (m.inventory) {
    printLine(o, `  inventory snapshot ${m.inventory.snapshot.slice(0, 8)}: ${m.inventory.accounts} accounts`);
    if (m.inventory.accountsPerPool.length) {
      printLine(
        o,
        renderTable(
          ['pool', 'accounts'],
          m.inventory.accountsPerPool.map((p) => [p.pool ?? '(unassigned)', String(p.count)]),
        ).replace(/^/gm, '    '),
      );
    }
  }
  for (const w of m.warnings.slice(0, 20)) printLine(o, `  warning: ${w}`);
  if (m.warnings.length > 20) printLine(o, `  … and ${m.warnings.length - 20} more warnings`);
}

export interface PointCreatePrinter {
  /** A step of the creation as it happens (stderr in text, a `point_event` line with --json). */
  event(e: PointEvent): void;
  /** The point, once its manifest is written. */
  created(m: PointManifest): void;
  /**
   * On stderr, after the operation's listeners: why the point cannot be trusted (failed proof,
   * incomplete inventory) and the red items of the readiness gate.
   */
  outcome(m: PointManifest, readiness: ReadinessReport | undefined): void;
}

function outcomeLines(out: PrintTarget, m: PointManifest, readiness: ReadinessReport | undefined, withReport: boolean): void {
  if (!m.proof.ok) {
    const failed = m.proof.checks.filter((c) => !c.ok).map((c) => c.name);
    printLine(out.stderr, `lifeboat: RESTORE POINT ${m.id} FAILED ITS PROOF: ${failed.join(', ')}`);
    printLine(out.stderr, '  hint: do not start the migration; fix the cause and create a new point');
  } else {
    const failedInventory = m.inventory?.sources.filter((s) => s.status === 'failed') ?? [];
    if (failedInventory.length) printLine(out.stderr, `lifeboat: the inventory is incomplete: ${failedInventory.map((s) => s.name).join(', ')} could not be read`);
  }
  if (!readiness?.red.length) return;
  if (withReport) out.stderr.write(renderReadiness(readiness).replace(/^/gm, 'lifeboat: '));
  const red = readiness.red.map((i) => `${i.id}${i.pool ? ` (${i.pool})` : ''}`).join(', ');
  printLine(out.stderr, `lifeboat: RESTORE POINT ${m.id} WAS SAVED BUT IS NOT COMPLETE FOR ${readiness.product.toUpperCase()}: missing, stale or failed: ${red}`);
}

export const pointCreatePrinter: Printers<PointCreatePrinter> = {
  text: (out) => {
    const say = (line: string): void => {
      if (!out.quiet) printLine(out.stderr, line);
    };
    return {
      event: (e) => {
        if (e.type === 'hook') say(`running ${e.phase} hook: ${e.command}`);
        else if (e.type === 'source-start') say(`backing up ${e.source} (${e.kind})…`);
        else if (e.type === 'source-done' && e.source === 'inventory') say(`  inventory: snapshot ${e.snapshot.slice(0, 8)}`);
        else if (e.type === 'source-done')
          say(`  ${e.source}: snapshot ${e.snapshot.slice(0, 8)}, ${e.files} files, ${formatBytes(e.bytes)}, ${formatBytes(e.dataAdded)} added${e.unreadable ? `, ${e.unreadable} unreadable` : ''}`);
        else if (e.type === 'warning') printLine(out.stderr, `lifeboat: warning: ${e.message}`);
        else if (e.type === 'proof') say(`  proof ${e.check.ok ? 'ok  ' : 'FAIL'} ${e.check.name}: ${e.check.detail}`);
      },
      created: (m) => manifestText(out, m, true),
      outcome: (m, readiness) => outcomeLines(out, m, readiness, true),
    };
  },
  json: (out) => ({
    event: (e) => printJson(out.stdout, { message_type: 'point_event', ...e }),
    created: (m) => printJson(out.stdout, { message_type: 'point', ...m }),
    outcome: (m, readiness) => outcomeLines(out, m, readiness, false),
  }),
};

export const pointListPrinter: Printers<(points: PointSummary[]) => void> = {
  text: (out) => (points) => {
    printLine(
      out.stdout,
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
    printLine(out.stdout, `${points.length} restore points`);
  },
  json: (out) => (points) => printJson(out.stdout, pointListJson(points)),
};

/** A point found by `point show`, with the journal records that cite it. */
export interface ShownPoint {
  manifest: PointManifest;
  pinned: boolean;
  journal: JournalCitation[];
}

export const pointShowPrinter: Printers<(p: ShownPoint) => void> = {
  text: (out) => (p) => {
    manifestText(out, p.manifest, p.pinned);
    for (const c of p.journal) printLine(out.stdout, `  journal   ${journalCitation(c)} ${c.time} ${c.event}: ${c.summary}`);
  },
  json: (out) => (p) => printJson(out.stdout, { ...p.manifest, pinned: p.pinned, journal: p.journal }),
};

export const pointReleasePrinter: Printers<(r: { id: string; released: number }) => void> = {
  text: (out) => (r) => printLine(out.stdout, `released restore point ${r.id}: ${r.released} snapshots unpinned (forget may now remove them)`),
  json: (out) => (r) => printJson(out.stdout, { message_type: 'released', id: r.id, snapshots: r.released }),
};
