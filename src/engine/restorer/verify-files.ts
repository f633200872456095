/** Reading restored files back (--verify), and the wording of file-system errors. */
import { closeSync, openSync, readSync } from 'node:fs';
import { IntegrityError, LifeboatError, sha256 } from '../../core/index.js';
import type { BlobIndex } from '../../repository/ports.js';
import type { FileTable } from './file-table.js';

/** Reads every restored file back and checks each blob's hash (--verify); returns the files found intact. */
export function verifyRestoredFiles(files: FileTable, index: BlobIndex, fail: (path: Buffer, err: unknown) => void): number {
  let verified = 0;
  const buf = Buffer.allocUnsafe(8 * 1024 * 1024 + 64);
  for (let file = 0; file < files.length; file++) {
    if (files.failed(file)) continue;
    const path = files.path(file);
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch (err) {
      fail(path, err);
      continue;
    }
    try {
      let offset = 0;
      for (const id of files.content(file)) {
        const size = index.plaintextSize('data', id);
        const chunk = size <= buf.length ? buf.subarray(0, size) : Buffer.allocUnsafe(size);
        let got = 0;
        while (got < size) {
          const n = readSync(fd, chunk, got, size - got, offset + got);
          if (n === 0) break;
          got += n;
        }
        if (got !== size || sha256(chunk).toString('hex') !== id) {
          throw new IntegrityError(`verification failed: differs from the snapshot at offset ${offset}`);
        }
        offset += size;
      }
      verified++;
    } catch (err) {
      fail(path, err);
    } finally {
      closeSync(fd);
    }
  }
  return verified;
}

/**
 * Node's file-system errors end with the path ("ENOENT: no such file or directory, open
 * '/t/.lifeboat-…'"); the error line names the path already, so it is dropped: "open: ENOENT:
 * no such file or directory".
 */
export function withoutPath(err: Error): Error {
  const e = err as NodeJS.ErrnoException;
  if (typeof e.code !== 'string' || typeof e.syscall !== 'string' || e.path === undefined) return err;
  const cut = e.message.indexOf(`, ${e.syscall} `);
  const text = cut > 0 ? e.message.slice(0, cut) : e.message;
  return new LifeboatError('E_IO', `${e.syscall}: ${text}`, { cause: err });
}
