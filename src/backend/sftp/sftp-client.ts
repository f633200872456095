/**
 * A client of the SFTP protocol, version 3 (draft-ietf-secsh-filexfer-02, what OpenSSH's
 * sftp-server speaks), over any byte stream: here the stdin/stdout of an `ssh HOST -s sftp`
 * child, as restic does it. Requests are pipelined: each carries an ID and its reply is matched
 * by that ID, so many reads and writes are in flight on the one stream.
 *
 *   packet = uint32 length, byte type, uint32 request ID, fields (strings: uint32 length + bytes)
 */
import type { Readable, Writable } from 'node:stream';

const FXP = {
  INIT: 1,
  VERSION: 2,
  OPEN: 3,
  CLOSE: 4,
  READ: 5,
  WRITE: 6,
  LSTAT: 7,
  FSTAT: 8,
  SETSTAT: 9,
  FSETSTAT: 10,
  OPENDIR: 11,
  READDIR: 12,
  REMOVE: 13,
  MKDIR: 14,
  RMDIR: 15,
  REALPATH: 16,
  STAT: 17,
  RENAME: 18,
  STATUS: 101,
  HANDLE: 102,
  DATA: 103,
  NAME: 104,
  ATTRS: 105,
  EXTENDED: 200,
  EXTENDED_REPLY: 201,
} as const;

export const OPEN = { READ: 1, WRITE: 2, CREAT: 8, TRUNC: 0x10, EXCL: 0x20 } as const;

/** SSH_FX_* status codes. */
export const STATUS = { OK: 0, EOF: 1, NO_SUCH_FILE: 2, PERMISSION_DENIED: 3, FAILURE: 4, BAD_MESSAGE: 5, NO_CONNECTION: 6, CONNECTION_LOST: 7, OP_UNSUPPORTED: 8 } as const;

/** A request answered with an SSH_FXP_STATUS other than OK. */
export class SftpStatusError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'SftpStatusError';
  }
}

export interface SftpAttrs {
  size?: number;
  permissions?: number;
}

/** Bytes of one reply, read field by field. */
class Reader {
  private pos = 0;
  constructor(private readonly b: Buffer) {}
  u32(): number {
    const v = this.b.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }
  u64(): number {
    const v = this.b.readBigUInt64BE(this.pos);
    this.pos += 8;
    return Number(v);
  }
  bytes(): Buffer {
    const n = this.u32();
    if (this.pos + n > this.b.length) throw new Error('SFTP reply shorter than its fields');
    const v = this.b.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }
  /** The first uint32 of the reply without consuming it (a STATUS reply's code). */
  peekU32(): number {
    return this.b.readUInt32BE(this.pos);
  }
  attrs(): SftpAttrs {
    const flags = this.u32();
    const out: SftpAttrs = {};
    if (flags & 1) out.size = this.u64();
    if (flags & 2) this.pos += 8;
    if (flags & 4) out.permissions = this.u32();
    if (flags & 8) this.pos += 8;
    if (flags & 0x80000000) {
      for (let n = this.u32(); n > 0; n--) {
        this.bytes(); // extension name
        this.bytes(); // extension data
      }
    }
    return out;
  }
}

const str = (s: string | Uint8Array): Buffer => {
  const b = typeof s === 'string' ? Buffer.from(s) : Buffer.from(s.buffer, s.byteOffset, s.length);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(b.length);
  return Buffer.concat([len, b]);
};
const u32 = (v: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(v >>> 0);
  return b;
};
const u64 = (v: number): Buffer => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(v));
  return b;
};
const NO_ATTRS = u32(0);
const permAttrs = (mode: number): Buffer => Buffer.concat([u32(4), u32(mode)]);

interface Pending {
  resolve: (r: { type: number; body: Reader }) => void;
  reject: (err: Error) => void;
}

export class SftpClient {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private input: Buffer = Buffer.alloc(0);
  private failure: Error | undefined;
  /** Extensions the server announced (`posix-rename@openssh.com`, …). */
  readonly extensions = new Map<string, string>();

  private constructor(
    private readonly out: Writable,
    input: Readable,
  ) {
    input.on('data', (d: Buffer) => this.receive(d));
    input.on('end', () => this.fail(new Error('the SFTP connection ended')));
    input.on('error', (err: Error) => this.fail(err));
    out.on('error', (err: Error) => this.fail(err));
  }

  /** Sends SSH_FXP_INIT and waits for the server's version (3 expected). */
  static async start(out: Writable, input: Readable, ended: Promise<Error>): Promise<SftpClient> {
    const c = new SftpClient(out, input);
    void ended.then((err) => c.fail(err));
    const reply = new Promise<{ type: number; body: Reader }>((resolve, reject) => c.pending.set(0, { resolve, reject }));
    c.out.write(Buffer.concat([u32(5), Buffer.from([FXP.INIT]), u32(3)]));
    const { type, body } = await reply;
    if (type !== FXP.VERSION) throw new Error(`the SFTP server answered INIT with packet type ${type}`);
    const version = body.u32();
    if (version < 3) throw new Error(`the SFTP server speaks version ${version}, not 3`);
    try {
      for (;;) c.extensions.set(body.bytes().toString(), body.bytes().toString());
    } catch {
      // end of the extension list
    }
    return c;
  }

  /** Rejects every request in flight and every later one with `err`. */
  fail(err: Error): void {
    this.failure ??= err;
    for (const p of this.pending.values()) p.reject(this.failure);
    this.pending.clear();
  }

  private receive(chunk: Buffer): void {
    this.input = this.input.length ? Buffer.concat([this.input, chunk]) : chunk;
    while (this.input.length >= 5) {
      const len = this.input.readUInt32BE(0);
      if (this.input.length < 4 + len) break;
      const packet = this.input.subarray(4, 4 + len);
      this.input = this.input.subarray(4 + len);
      const type = packet[0]!;
      const id = type === FXP.VERSION ? 0 : packet.readUInt32BE(1);
      const p = this.pending.get(id);
      if (!p) continue;
      this.pending.delete(id);
      p.resolve({ type, body: new Reader(Buffer.from(packet.subarray(type === FXP.VERSION ? 1 : 5))) });
    }
  }

  private request(type: number, fields: Buffer[]): Promise<{ type: number; body: Reader }> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    if (this.nextId > 0xfffffff0) this.nextId = 1;
    const payload = Buffer.concat([Buffer.from([type]), u32(id), ...fields]);
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.out.write(Buffer.concat([u32(payload.length), payload]));
    });
  }

  /** A STATUS reply: OK resolves, anything else throws SftpStatusError. */
  private static status(r: { type: number; body: Reader }, what: string): void {
    if (r.type !== FXP.STATUS) throw new Error(`${what}: unexpected SFTP packet type ${r.type}`);
    const code = r.body.u32();
    if (code === STATUS.OK) return;
    let message = '';
    try {
      message = r.body.bytes().toString();
    } catch {
      // servers may leave the message out
    }
    throw new SftpStatusError(code, `${what}: ${message || `SFTP status ${code}`}`);
  }

  private static handle(r: { type: number; body: Reader }, what: string): Buffer {
    if (r.type === FXP.HANDLE) return Buffer.from(r.body.bytes());
    SftpClient.status(r, what);
    throw new Error(`${what}: no handle in the reply`);
  }

  async open(path: string, flags: number, mode = 0o600): Promise<Buffer> {
    return SftpClient.handle(await this.request(FXP.OPEN, [str(path), u32(flags), flags & OPEN.CREAT ? permAttrs(mode) : NO_ATTRS]), `open ${path}`);
  }

  async close(handle: Buffer): Promise<void> {
    SftpClient.status(await this.request(FXP.CLOSE, [str(handle)]), 'close');
  }

  /** Up to `length` bytes at `offset`; an empty buffer at the end of the file. */
  async read(handle: Buffer, offset: number, length: number): Promise<Buffer> {
    const r = await this.request(FXP.READ, [str(handle), u64(offset), u32(length)]);
    if (r.type === FXP.DATA) return Buffer.from(r.body.bytes());
    if (r.type === FXP.STATUS && r.body.peekU32() === STATUS.EOF) return Buffer.alloc(0);
    SftpClient.status(r, 'read');
    return Buffer.alloc(0);
  }

  async write(handle: Buffer, offset: number, data: Uint8Array): Promise<void> {
    SftpClient.status(await this.request(FXP.WRITE, [str(handle), u64(offset), str(data)]), 'write');
  }

  async stat(path: string): Promise<SftpAttrs> {
    const r = await this.request(FXP.STAT, [str(path)]);
    if (r.type === FXP.ATTRS) return r.body.attrs();
    SftpClient.status(r, `stat ${path}`);
    return {};
  }

  async fstat(handle: Buffer): Promise<SftpAttrs> {
    const r = await this.request(FXP.FSTAT, [str(handle)]);
    if (r.type === FXP.ATTRS) return r.body.attrs();
    SftpClient.status(r, 'fstat');
    return {};
  }

  async mkdir(path: string, mode = 0o700): Promise<void> {
    SftpClient.status(await this.request(FXP.MKDIR, [str(path), permAttrs(mode)]), `mkdir ${path}`);
  }

  async remove(path: string): Promise<void> {
    SftpClient.status(await this.request(FXP.REMOVE, [str(path)]), `remove ${path}`);
  }

  /** SSH_FXP_RENAME: OpenSSH's server refuses to replace an existing file (link + unlink). */
  async rename(from: string, to: string): Promise<void> {
    SftpClient.status(await this.request(FXP.RENAME, [str(from), str(to)]), `rename ${from}`);
  }

  /** Every entry of a directory with its attributes ('.' and '..' left out). */
  async readdir(path: string): Promise<{ name: string; attrs: SftpAttrs }[]> {
    const h = SftpClient.handle(await this.request(FXP.OPENDIR, [str(path)]), `opendir ${path}`);
    const out: { name: string; attrs: SftpAttrs }[] = [];
    try {
      for (;;) {
        const r = await this.request(FXP.READDIR, [str(h)]);
        if (r.type !== FXP.NAME) {
          if (r.type === FXP.STATUS && r.body.peekU32() === STATUS.EOF) break;
          SftpClient.status(r, `readdir ${path}`);
          break;
        }
        for (let n = r.body.u32(); n > 0; n--) {
          const name = r.body.bytes().toString();
          r.body.bytes();
          const attrs = r.body.attrs();
          if (name !== '.' && name !== '..') out.push({ name, attrs });
        }
      }
    } finally {
      await this.close(h).catch(() => undefined);
    }
    return out;
  }
}
