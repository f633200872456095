/**
 * Saves one byte stream (stdin, a command's output such as a database dump) as file content:
 * chunked with the repository's chunker on the main thread, each chunk stored as a data blob.
 * Only the current chunk is held in memory.
 */
import type { Readable } from 'node:stream';
import type { Id } from '../../core/index.js';
import { Chunker, MAX_SIZE, parsePolynomial } from '../../repository/chunker/index.js';

export interface StreamSaveResult {
  content: Id[];
  size: number;
}

export async function saveStream(stream: Readable, polynomial: string, saveBlob: (data: Uint8Array) => Promise<Id>, onProgress?: (bytes: number) => void): Promise<StreamSaveResult> {
  const chunker = new Chunker(parsePolynomial(polynomial));
  const buf = Buffer.allocUnsafe(MAX_SIZE + 1024 * 1024);
  let fill = 0;
  let size = 0;
  const content: Id[] = [];
  const emit = async (end: number): Promise<void> => {
    content.push(await saveBlob(buf.subarray(0, end)));
    buf.copy(buf, 0, end, fill);
    fill -= end;
  };
  for await (const piece of stream as AsyncIterable<Buffer>) {
    let off = 0;
    while (off < piece.length) {
      const n = Math.min(piece.length - off, buf.length - fill);
      piece.copy(buf, fill, off, off + n);
      let scan = fill;
      fill += n;
      off += n;
      size += n;
      for (let cut = chunker.next(buf, scan, fill); cut >= 0; cut = chunker.next(buf, scan, fill)) {
        await emit(cut); // moves the unscanned rest to the front
        scan = 0;
      }
      onProgress?.(size);
    }
  }
  if (fill > 0) await emit(fill);
  return { content, size };
}
