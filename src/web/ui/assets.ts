/**
 * @module web/ui
 * The browser side of the console: one stylesheet (screen, narrow screens, print) and one small
 * script that makes job pages live over Server-Sent Events. Pages work without the script; it
 * only replaces reloading. Served as files from /static/ (the CSP allows no inline script).
 */

export const CONSOLE_CSS = `
:root { --fg:#1b1f24; --muted:#59636e; --line:#d1d9e0; --bg:#fff; --accent:#0b5cad; --ok:#1a7f37; --bad:#cf222e; --warn:#9a6700; }
* { box-sizing: border-box; }
body { margin:0; font: 15px/1.45 system-ui, sans-serif; color:var(--fg); background:var(--bg); }
.skip { position:absolute; left:-999px; } .skip:focus { left:8px; top:8px; background:#fff; padding:4px; z-index:9; }
header.top { display:flex; flex-wrap:wrap; gap:8px 24px; align-items:center; padding:8px 16px; background:#0d2a47; color:#fff; }
header.top .brand { font-weight:600; }
header.top ul { list-style:none; display:flex; flex-wrap:wrap; gap:4px 16px; margin:0; padding:0; }
header.top a { color:#fff; text-decoration:none; padding:2px 4px; }
header.top a[aria-current=page] { border-bottom:2px solid #fff; }
a:focus-visible, button:focus-visible, input:focus-visible, select:focus-visible { outline:3px solid #f0b400; outline-offset:2px; }
main { padding:16px; max-width:1200px; margin:0 auto; }
h1 { font-size:1.5rem; margin:.2em 0 .6em; } h2 { font-size:1.2rem; margin-top:1.4em; }
table { border-collapse:collapse; width:100%; margin:.5em 0 1em; }
th, td { text-align:left; padding:4px 8px; border-bottom:1px solid var(--line); vertical-align:top; }
th { background:#f6f8fa; } td.num, th.num { text-align:right; font-variant-numeric:tabular-nums; }
.table-wrap { overflow-x:auto; }
code, .mono { font-family: ui-monospace, monospace; font-size:.9em; }
.verdict { font-size:1.15rem; padding:12px 16px; border-left:6px solid var(--ok); background:#f0fff4; }
.verdict.bad { border-color:var(--bad); background:#fff0f0; } .verdict.none { border-color:var(--warn); background:#fff8e6; }
.ok { color:var(--ok); font-weight:600; } .bad { color:var(--bad); font-weight:600; }
.cli { color:var(--muted); font-size:.9em; } .cli code { background:#f6f8fa; padding:1px 4px; }
.error { border:1px solid var(--bad); background:#fff0f0; padding:8px 12px; }
.hint { color:var(--muted); }
form.inline { display:flex; flex-wrap:wrap; gap:8px; align-items:end; margin:.5em 0; }
label { display:flex; flex-direction:column; font-size:.9em; gap:2px; }
input, select, button { font:inherit; padding:4px 8px; }
button { cursor:pointer; background:var(--accent); color:#fff; border:1px solid var(--accent); border-radius:4px; }
button.danger { background:var(--bad); border-color:var(--bad); }
.chart text { font-size:12px; fill:var(--fg); } .chart rect.bar { fill:var(--accent); }
progress { width:100%; height:20px; }
dl.facts { display:grid; grid-template-columns:max-content 1fr; gap:4px 16px; } dl.facts dt { color:var(--muted); }
.log { background:#0d1117; color:#e6edf3; padding:8px; max-height:320px; overflow:auto; font-size:.85em; white-space:pre-wrap; }
.pager { display:flex; gap:16px; align-items:center; }
@media (max-width: 700px) { main { padding:8px; } th, td { padding:3px 4px; } }
@media print {
  header.top, nav, form, .cli form, button, .noprint { display:none !important; }
  body { font-size:11pt; } main { max-width:none; padding:0; }
  a { color:inherit; text-decoration:none; }
  table { page-break-inside:auto; } tr { page-break-inside:avoid; }
  .verdict { border:1px solid #000; background:none; }
}
`;

/** Live job pages: subscribes to /api/jobs/ID/events and fills the elements marked data-job-*. */
export const CONSOLE_JS = `
(function () {
  'use strict';
  var root = document.querySelector('[data-job-id]');
  if (!root || !window.EventSource) return;
  var id = root.getAttribute('data-job-id');
  function set(name, text) {
    var el = root.querySelector('[data-job-' + name + ']');
    if (el) el.textContent = text;
  }
  function bytes(n) {
    if (n === null || n === undefined) return '?';
    var u = ['B', 'KiB', 'MiB', 'GiB', 'TiB'], i = 0;
    while (n >= 1024 && i < u.length - 1) { n /= 1024; i++; }
    return (i ? n.toFixed(1) : n) + ' ' + u[i];
  }
  function render(s) {
    var p = s.progress;
    var bar = root.querySelector('progress');
    if (bar) { if (p.percent === null) bar.removeAttribute('value'); else bar.value = p.percent; }
    set('percent', p.percent === null ? '?' : p.percent + ' %');
    set('status', s.status);
    set('step', p.step);
    set('bytes', bytes(p.bytesDone) + ' of ' + bytes(p.bytesTotal));
    set('files', p.filesDone + ' of ' + (p.filesTotal === null ? '?' : p.filesTotal));
    set('eta', p.etaSeconds === null ? '' : p.etaSeconds + ' s');
    set('summary', s.summary || '');
    set('log', s.log.join('\\n'));
    var link = root.querySelector('[data-job-result]');
    if (link && s.resultLink) { link.href = s.resultLink; link.hidden = false; }
    var cancel = root.querySelector('[data-job-cancel]');
    if (cancel && s.status !== 'running') cancel.hidden = true;
    root.setAttribute('data-job-status', s.status);
  }
  var es = new EventSource('/api/jobs/' + encodeURIComponent(id) + '/events');
  es.addEventListener('state', function (ev) {
    var s = JSON.parse(ev.data);
    render(s);
    if (s.status !== 'running') es.close();
  });
})();
`;
