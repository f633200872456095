/**
 * The topology documents as a small element tree, read with the `fast-xml-parser` library
 * (well-formedness checked first by its validator, which names the line). Namespace prefixes are
 * dropped from names: the topology schemas (Topology, WritableTopology, TopologyBuilder) are
 * told apart by their element names alone. External entities are never resolved; entities a
 * DOCTYPE declares are expanded within the library's limits (count, size, total expansion).
 * `htmlEntities` is on because without it the library leaves numeric character references
 * (`&#65;`, `&#x42;`) undecoded (fast-xml-parser 5.12; the tests check it).
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { FormatError } from '../../core/index.js';

export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const localName = (n: string): string => n.slice(n.indexOf(':') + 1);

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  removeNSPrefix: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  htmlEntities: true,
  processEntities: { enabled: true, maxEntityCount: 20, maxTotalExpansions: 1000, maxExpandedLength: 100_000 },
});

/** One node of fast-xml-parser's preserveOrder output: `{ tag: children, ':@': attrs }` or `{ '#text': s }`. */
type OrderedNode = Record<string, unknown>;

function toElement(node: OrderedNode): XmlElement | null {
  const name = Object.keys(node).find((k) => k !== ':@');
  if (name === undefined || name === '#text' || name.startsWith('?') || name === '#comment') return null;
  const attrs: Record<string, string> = {};
  for (const [k, v] of Object.entries((node[':@'] as Record<string, unknown> | undefined) ?? {})) {
    if (k === 'xmlns' || k.startsWith('xmlns:')) continue;
    attrs[localName(k)] = String(v);
  }
  const el: XmlElement = { name: localName(name), attrs, children: [], text: '' };
  const kids = node[name];
  if (Array.isArray(kids)) {
    for (const k of kids as OrderedNode[]) {
      if ('#text' in k) el.text += String(k['#text']);
      else {
        const c = toElement(k);
        if (c) el.children.push(c);
      }
    }
  }
  return el;
}

/** Parses XML text into its document element. */
export function parseXml(text: string): XmlElement {
  const valid = XMLValidator.validate(text);
  if (valid !== true) throw new FormatError(`XML line ${valid.err.line}: ${valid.err.msg}`);
  let nodes: OrderedNode[];
  try {
    nodes = parser.parse(text) as OrderedNode[];
  } catch (err) {
    throw new FormatError(`XML: ${(err as Error).message}`, { cause: err });
  }
  for (const n of nodes) {
    const el = toElement(n);
    if (el) return el;
  }
  throw new FormatError('XML: no document element');
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
