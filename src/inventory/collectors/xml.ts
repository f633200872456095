/**
 * A small non-validating XML reader for the topology document (no XML library in the project):
 * elements, attributes, text, CDATA, comments, processing instructions, the DOCTYPE line and the
 * five predefined entities plus numeric references. Namespace prefixes are dropped from names
 * (the topology schema uses one default namespace). External entities are never resolved.
 */
import { FormatError } from '../../core/index.js';

export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function decodeEntities(s: string): string {
  if (!s.includes('&')) return s;
  return s.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);/g, (all, e: string) => {
    if (e.startsWith('#x')) return String.fromCodePoint(Number.parseInt(e.slice(2), 16));
    if (e.startsWith('#')) return String.fromCodePoint(Number.parseInt(e.slice(1), 10));
    return ENTITIES[e] ?? all;
  });
}

const localName = (n: string): string => n.slice(n.indexOf(':') + 1);

export function parseXml(text: string): XmlElement {
  const root: XmlElement = { name: '#document', attrs: {}, children: [], text: '' };
  const stack: XmlElement[] = [root];
  let i = 0;
  const n = text.length;
  const fail = (msg: string): never => {
    const line = text.slice(0, i).split('\n').length;
    throw new FormatError(`XML line ${line}: ${msg}`);
  };
  while (i < n) {
    const lt = text.indexOf('<', i);
    const top = stack[stack.length - 1]!;
    if (lt < 0) {
      top.text += decodeEntities(text.slice(i));
      break;
    }
    if (lt > i) top.text += decodeEntities(text.slice(i, lt));
    i = lt;
    if (text.startsWith('<!--', i)) {
      const end = text.indexOf('-->', i + 4);
      if (end < 0) fail('unterminated comment');
      i = end + 3;
    } else if (text.startsWith('<![CDATA[', i)) {
      const end = text.indexOf(']]>', i + 9);
      if (end < 0) fail('unterminated CDATA');
      top.text += text.slice(i + 9, end);
      i = end + 3;
    } else if (text.startsWith('<?', i)) {
      const end = text.indexOf('?>', i + 2);
      if (end < 0) fail('unterminated processing instruction');
      i = end + 2;
    } else if (text.startsWith('<!', i)) {
      // DOCTYPE: skipped, internal subsets included (entities in it are not honoured)
      let depth = 0;
      let j = i + 2;
      for (; j < n; j++) {
        if (text[j] === '[') depth++;
        else if (text[j] === ']') depth--;
        else if (text[j] === '>' && depth <= 0) break;
      }
      i = j + 1;
    } else if (text[i + 1] === '/') {
      const end = text.indexOf('>', i);
      if (end < 0) fail('unterminated end tag');
      const name = localName(text.slice(i + 2, end).trim());
      if (stack.length < 2 || top.name !== name) fail(`unexpected </${name}>`);
      stack.pop();
      i = end + 1;
    } else {
      const tag = /^<([^\s/>]+)/.exec(text.slice(i, i + 256));
      if (!tag) fail('bad tag');
      const el: XmlElement = { name: localName(tag![1]!), attrs: {}, children: [], text: '' };
      i += tag![0].length;
      const attrRe = /\s*([^\s=/>]+)\s*=\s*("([^"]*)"|'([^']*)')|\s*(\/?)>/y;
      for (;;) {
        attrRe.lastIndex = i;
        const m = attrRe.exec(text);
        if (!m) fail(`bad attribute in <${el.name}>`);
        i = attrRe.lastIndex;
        if (m![1] !== undefined) {
          const attrName = m![1];
          if (attrName === 'xmlns' || attrName.startsWith('xmlns:')) continue;
          el.attrs[localName(attrName)] = decodeEntities(m![3] ?? m![4] ?? '');
          continue;
        }
        top.children.push(el);
        if (m![5] !== '/') stack.push(el);
        break;
      }
    }
  }
  if (stack.length > 1) fail(`<${stack[stack.length - 1]!.name}> is not closed`);
  const docEl = root.children[0];
  if (!docEl) throw new FormatError('XML: no document element');
  return docEl;
}

/** Every descendant element named `name` (depth-first, document order). */
export function findAll(el: XmlElement, name: string, out: XmlElement[] = []): XmlElement[] {
  for (const c of el.children) {
    if (c.name === name) out.push(c);
    findAll(c, name, out);
  }
  return out;
}

export function child(el: XmlElement, name: string): XmlElement | undefined {
  return el.children.find((c) => c.name === name);
}
