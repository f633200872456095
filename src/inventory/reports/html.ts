/**
 * The HTML report: one standalone file (inline CSS and script, no external assets), readable
 * on screen and printed. Every table can be sorted (click a header) and filtered (the box
 * above it); printing hides the controls and repeats table headers on each page.
 */
import { localTime } from '../../core/index.js';
import type { InventoryDocument } from '../model/index.js';
import { type Section, documentSections } from './document-sections.js';
import { htmlEscape } from './format.js';

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2em auto;max-width:1400px;padding:0 1em;color:#1b1b1b}
h1{font-size:1.6em}h2{margin-top:2em;border-bottom:2px solid #ddd;padding-bottom:.2em}h3{margin-top:1.5em}
nav ul{columns:3;font-size:.9em}
table{border-collapse:collapse;width:100%;margin:.5em 0 1em;font-size:.92em}
th,td{border:1px solid #ccc;padding:.25em .5em;text-align:left;vertical-align:top}
th{background:#f1f3f5;cursor:pointer;user-select:none;white-space:nowrap}
th[data-dir="asc"]::after{content:" \\25B2"}th[data-dir="desc"]::after{content:" \\25BC"}
td.n,th.n{text-align:right}tr:nth-child(even) td{background:#fafbfc}
input.filter{margin:.3em 0;padding:.25em .4em;width:20em;max-width:100%}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.1em 1em}dt{font-weight:600}dd{margin:0}
.count{color:#666;font-size:.85em;margin-left:.5em}
@media print{body{margin:0;max-width:none;font-size:10pt}input.filter,nav,.count{display:none}
thead{display:table-header-group}tr{break-inside:avoid}h2,h3{break-after:avoid}th{cursor:auto}th::after{content:""!important}}
`;

const SCRIPT = `
(function(){
  function cellValue(row, i, numeric){
    var t = row.cells[i] ? row.cells[i].textContent : '';
    if (numeric) { var n = parseFloat(t); return isNaN(n) ? -Infinity : n; }
    return t.toLowerCase();
  }
  document.querySelectorAll('table.data').forEach(function(table){
    var body = table.tBodies[0];
    var input = document.createElement('input');
    input.type = 'search'; input.className = 'filter'; input.placeholder = 'Filter rows…';
    var count = document.createElement('span'); count.className = 'count';
    table.parentNode.insertBefore(input, table);
    table.parentNode.insertBefore(count, table);
    function update(){
      var q = input.value.toLowerCase(), shown = 0;
      for (var r = 0; r < body.rows.length; r++) {
        var row = body.rows[r], hit = !q || row.textContent.toLowerCase().indexOf(q) >= 0;
        row.style.display = hit ? '' : 'none'; if (hit) shown++;
      }
      count.textContent = q ? shown + ' of ' + body.rows.length + ' rows' : body.rows.length + ' rows';
    }
    input.addEventListener('input', update); update();
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function(th, i){
      th.addEventListener('click', function(){
        var dir = th.getAttribute('data-dir') === 'asc' ? 'desc' : 'asc';
        Array.prototype.forEach.call(table.tHead.rows[0].cells, function(o){ o.removeAttribute('data-dir'); });
        th.setAttribute('data-dir', dir);
        var numeric = th.classList.contains('n');
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function(a, b){
          var x = cellValue(a, i, numeric), y = cellValue(b, i, numeric);
          return (x < y ? -1 : x > y ? 1 : 0) * (dir === 'asc' ? 1 : -1);
        });
        rows.forEach(function(r){ body.appendChild(r); });
      });
    });
  });
})();
`;

export function sectionsToHtml(title: string, sections: Section[]): string {
  const out: string[] = [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${htmlEscape(title)}</title>`,
    `<style>${CSS}</style></head><body>`,
    `<h1>${htmlEscape(title)}</h1>`,
    '<nav><ul>',
    ...sections.filter((s) => s.level === 2).map((s) => `<li><a href="#${htmlEscape(s.id)}">${htmlEscape(s.title)}</a></li>`),
    '</ul></nav>',
  ];
  for (const s of sections) {
    out.push(`<h${s.level} id="${htmlEscape(s.id)}">${htmlEscape(s.title)}</h${s.level}>`);
    for (const b of s.blocks) {
      if (b.kind === 'text') out.push(`<p>${htmlEscape(b.text)}</p>`);
      else if (b.kind === 'kv') out.push(`<dl>${b.items.map(([k, v]) => `<dt>${htmlEscape(k)}</dt><dd>${htmlEscape(v)}</dd>`).join('')}</dl>`);
      else {
        const num = new Set(b.table.numeric ?? []);
        const cls = (i: number): string => (num.has(i) ? ' class="n"' : '');
        out.push('<div><table class="data"><thead><tr>');
        out.push(b.table.header.map((h, i) => `<th${cls(i)}>${htmlEscape(h)}</th>`).join(''));
        out.push('</tr></thead><tbody>');
        for (const r of b.table.rows) out.push(`<tr>${r.map((c, i) => `<td${cls(i)}>${htmlEscape(c)}</td>`).join('')}</tr>`);
        out.push('</tbody></table></div>');
      }
    }
  }
  out.push(`<script>${SCRIPT}</script>`, '</body></html>', '');
  return out.join('\n');
}

export function renderHtml(doc: InventoryDocument): string {
  return sectionsToHtml(`Inventory ${localTime(doc.collectedAt, { zone: true })}`, documentSections(doc));
}
