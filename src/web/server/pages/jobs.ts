/** The jobs page and one job's live page (its state is filled in again by the client script). */
import { html } from 'hono/html';
import type { JobState } from '../jobs.js';
import { type Html, cliHint, formatBytes, page } from '../layout.js';
import { jobsTable } from './points.js';

export function jobsPage(jobs: JobState[], canCreate: boolean): Html {
  return page(
    'Jobs',
    '/jobs',
    html`${jobs.length ? jobsTable(jobs) : html`<p>No job was started from this console yet.</p>`}
<h2>Start</h2>
${
  canCreate
    ? html`<form class="inline" method="post" action="/jobs/point-create"><label>Name <input name="name" autocomplete="off"></label><label>Note <input name="note" autocomplete="off"></label><button type="submit">Create a restore point</button></form>`
    : ''
}
<form class="inline" method="post" action="/jobs/check"><label>Read data subset <input name="subset" value="1/10" size="8"></label><button type="submit">Check the repository</button></form>`,
  );
}

export function jobPage(j: JobState): Html {
  const p = j.progress;
  return page(
    j.title,
    '/jobs',
    html`<section data-job-id="${j.id}" data-job-status="${j.status}" aria-live="polite">
<progress max="100"${p.percent === null ? '' : html` value="${p.percent}"`} aria-label="progress"></progress>
<dl class="facts">
<dt>status</dt><dd data-job-status-text data-job-status>${j.status}</dd>
<dt>progress</dt><dd data-job-percent>${p.percent === null ? '?' : `${p.percent} %`}</dd>
<dt>step</dt><dd data-job-step>${p.step}</dd>
<dt>bytes</dt><dd data-job-bytes>${formatBytes(p.bytesDone)} of ${p.bytesTotal === null ? '?' : formatBytes(p.bytesTotal)}</dd>
<dt>files</dt><dd data-job-files>${p.filesDone} of ${p.filesTotal ?? '?'}</dd>
<dt>time left</dt><dd data-job-eta>${p.etaSeconds === null ? '' : `${p.etaSeconds} s`}</dd>
<dt>started</dt><dd>${j.startedAt}</dd>
<dt>result</dt><dd data-job-summary>${j.summary ?? ''}</dd>
</dl>
<p><a data-job-result href="${j.resultLink ?? '#'}"${j.resultLink ? '' : html` hidden`}>See the result</a></p>
${j.status === 'running' ? html`<form method="post" action="/jobs/${j.id}/cancel" data-job-cancel><button class="danger" type="submit">Cancel</button></form>` : ''}
<h2>Log</h2>
<pre class="log" data-job-log>${j.log.join('\n')}</pre>
</section>
${cliHint(j.cli)}`,
    { refresh: j.status === 'running' },
  );
}
