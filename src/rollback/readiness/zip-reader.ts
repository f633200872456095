/**
 * Reading the zip files Skype for Business exports (Export-CsConfiguration, Export-CsUserData,
 * Export-CsRgsConfiguration…) with yauzl: the entries, and the text of XML entries (UTF-8, or
 * UTF-16 with a byte order mark, as PowerShell often writes), each capped so a hostile or huge
 * file cannot exhaust memory.
 */
import yauzl from 'yauzl';

export interface ZipEntry {
  name: string;
  /** Uncompressed size as the central directory states it. */
  size: number;
}

export interface ZipContent {
  entries: ZipEntry[];
  /** Text of the entries whose name ends with .xml, at most `maxTextBytes` each. */
  texts: { name: string; text: string }[];
}

const MAX_ENTRIES = 100_000;

/** Decodes XML bytes: UTF-16 LE/BE with a BOM, else UTF-8 (BOM dropped). */
export function decodeXmlBytes(b: Buffer): string {
  if (b.length >= 2 && b[0] === 0xff && b[1] === 0xfe) return b.subarray(2).toString('utf16le');
  if (b.length >= 2 && b[0] === 0xfe && b[1] === 0xff) {
    const swapped = Buffer.from(b.subarray(2));
    swapped.swap16();
    return swapped.toString('utf16le');
  }
  const text = b.toString('utf8');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

function openZip(path: string): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) =>
    yauzl.open(path, { lazyEntries: true, autoClose: false, strictFileNames: false, validateEntrySizes: true }, (err, zip) => (err ? reject(err) : resolve(zip))),
  );
}

function readEntry(zip: yauzl.ZipFile, entry: yauzl.Entry, max: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    zip.openReadStream(entry, (err, stream) => {
      if (err) return reject(err);
      const parts: Buffer[] = [];
      let size = 0;
      stream.on('data', (d: Buffer) => {
        if (size >= max) return;
        parts.push(d);
        size += d.length;
        if (size >= max) stream.destroy();
      });
      stream.on('error', reject);
      stream.on('close', () => resolve(Buffer.concat(parts).subarray(0, max)));
    });
  });
}

/** Lists a zip and reads its XML entries; throws (yauzl's message) when it is not a zip or is damaged. */
export async function readZip(path: string, opts: { maxTextBytes?: number } = {}): Promise<ZipContent> {
  const max = opts.maxTextBytes ?? 64 << 20;
  const zip = await openZip(path);
  const entries: ZipEntry[] = [];
  const texts: ZipContent['texts'] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      zip.on('error', reject);
      zip.on('end', () => resolve());
      zip.on('entry', (entry: yauzl.Entry) => {
        if (entries.length >= MAX_ENTRIES) return reject(new Error(`more than ${MAX_ENTRIES} entries`));
        entries.push({ name: entry.fileName, size: entry.uncompressedSize });
        if (!/\.xml$/i.test(entry.fileName) || entry.fileName.endsWith('/')) return zip.readEntry();
        readEntry(zip, entry, max).then((b) => {
          texts.push({ name: entry.fileName, text: decodeXmlBytes(b) });
          zip.readEntry();
        }, reject);
      });
      zip.readEntry();
    });
  } finally {
    zip.close();
  }
  return { entries, texts };
}
