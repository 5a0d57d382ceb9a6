// Just enough of the ZIP format to read the parts of an .xlsx from its file: the central directory, stored and
// deflated entries, CRC-32 checked. An entry is read whole (small parts) or streamed through zlib's inflateRaw (a
// sheet), so the archive is never held in memory. No ZIP64, no encryption, no multi-disk archives (an .xlsx of
// predictions needs none).
import { open, type FileHandle } from "node:fs/promises";
import { createInflateRaw } from "node:zlib";
import { InputError } from "../../common/errors.js";

export interface ZipEntry {
  name: string;
  method: number;
  crc: number;
  compressedSize: number;
  size: number;
  localOffset: number;
}

export class ZipError extends InputError {}

const CRC_TABLE = (() => {
  const table = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c;
  }
  return table;
})();

/** CRC-32 (IEEE 802.3, as ZIP and gzip use it); pass the CRC of the data before to continue it. */
export function crc32(data: Uint8Array, previous = 0): number {
  let c = ~previous;
  for (let i = 0; i < data.length; i++) c = CRC_TABLE[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

const EOCD = 0x06054b50;
const EOCD_SIZE = 22;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const PIECE = 1 << 16;

/** A ZIP archive on disk: its directory, read at open; entries read on demand. Close it when done. */
export class ZipFile {
  private constructor(
    private readonly file: FileHandle,
    private readonly fileSize: number,
    readonly entries: Map<string, ZipEntry>,
  ) {}

  static async open(path: string): Promise<ZipFile> {
    const file = await open(path, "r");
    try {
      const { size } = await file.stat();
      return new ZipFile(file, size, await readDirectory(file, size));
    } catch (err) {
      await file.close();
      throw err;
    }
  }

  close(): Promise<void> {
    return this.file.close();
  }

  /** The uncompressed bytes of a small entry, refused beyond `maxBytes`. */
  async read(entry: ZipEntry, maxBytes: number): Promise<Buffer> {
    if (entry.size > maxBytes) throw new ZipError(`${entry.name} is ${entry.size} bytes uncompressed, over the ${maxBytes}-byte limit`);
    const pieces: Buffer[] = [];
    for await (const piece of this.stream(entry)) pieces.push(piece);
    return Buffer.concat(pieces);
  }

  /** The uncompressed bytes of an entry, in pieces, checked against its size and CRC-32 at the end. */
  async *stream(entry: ZipEntry): AsyncGenerator<Buffer> {
    const header = await this.bytes(entry.localOffset, 30);
    if (header.length < 30 || header.readUInt32LE(0) !== LOCAL) throw new ZipError(`corrupt local header for ${entry.name}`);
    const start = entry.localOffset + 30 + header.readUInt16LE(26) + header.readUInt16LE(28);
    const end = start + entry.compressedSize;
    if (end > this.fileSize) throw new ZipError(`${entry.name} is truncated`);
    if (entry.method !== 0 && entry.method !== 8) throw new ZipError(`${entry.name} uses compression method ${entry.method}; only stored (0) and deflate (8) are supported`);
    let crc = 0;
    let size = 0;
    const check = (piece: Buffer) => {
      size += piece.length;
      if (size > entry.size) throw new ZipError(`${entry.name}: more data than its declared ${entry.size} bytes (the archive is corrupt)`);
      crc = crc32(piece, crc);
    };
    if (entry.method === 0) {
      for (let at = start; at < end; at += PIECE) {
        const piece = await this.bytes(at, Math.min(PIECE, end - at));
        check(piece);
        yield piece;
      }
    } else {
      const inflate = createInflateRaw({ chunkSize: PIECE });
      // A failed read ends the inflater with its error, so the loop below never waits for bytes that will not come.
      const feed = this.feed(inflate, start, end).catch((err: unknown) => void inflate.destroy(err as Error));
      try {
        for await (const piece of inflate as AsyncIterable<Buffer>) {
          check(piece);
          yield piece;
        }
      } catch (err) {
        if (err instanceof ZipError) throw err;
        throw new ZipError(`${entry.name}: cannot inflate (${(err as Error).message})`);
      } finally {
        inflate.destroy();
        await feed;
      }
    }
    if (size !== entry.size) throw new ZipError(`${entry.name}: ${size} bytes, not the declared ${entry.size} (the archive is corrupt)`);
    if (crc !== entry.crc) throw new ZipError(`${entry.name}: CRC mismatch (the archive is corrupt)`);
  }

  /** Writes the compressed bytes [start, end) into the inflater with backpressure; stops when it is destroyed. */
  private async feed(inflate: ReturnType<typeof createInflateRaw>, start: number, end: number): Promise<void> {
    for (let at = start; at < end && !inflate.destroyed; at += PIECE) {
      const piece = await this.bytes(at, Math.min(PIECE, end - at));
      if (!inflate.write(piece) && !inflate.destroyed) await new Promise<void>((resume) => inflate.once("drain", resume).once("close", resume));
    }
    if (!inflate.destroyed) inflate.end();
  }

  private async bytes(position: number, length: number): Promise<Buffer> {
    const buf = Buffer.alloc(length);
    const { bytesRead } = await this.file.read(buf, 0, length, position);
    return bytesRead === length ? buf : buf.subarray(0, bytesRead);
  }
}

async function readDirectory(file: FileHandle, fileSize: number): Promise<Map<string, ZipEntry>> {
  // The end record is in the last 22 bytes plus a comment of at most 64 KiB.
  const tailStart = Math.max(0, fileSize - EOCD_SIZE - 0xffff);
  const tail = Buffer.alloc(fileSize - tailStart);
  await file.read(tail, 0, tail.length, tailStart);
  let eocd = -1;
  for (let i = tail.length - EOCD_SIZE; i >= 0; i--) {
    if (tail.readUInt32LE(i) === EOCD) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new ZipError("not a ZIP archive (no end-of-central-directory record)");
  const count = tail.readUInt16LE(eocd + 10);
  const cdSize = tail.readUInt32LE(eocd + 12);
  const cdOffset = tail.readUInt32LE(eocd + 16);
  if (count === 0xffff || cdOffset === 0xffffffff) throw new ZipError("ZIP64 archives are not supported");
  if (cdOffset + cdSize > fileSize) throw new ZipError("truncated ZIP archive (the central directory is past the end)");
  const cd = Buffer.alloc(cdSize);
  await file.read(cd, 0, cdSize, cdOffset);

  const entries = new Map<string, ZipEntry>();
  let at = 0;
  for (let i = 0; i < count; i++) {
    if (at + 46 > cd.length || cd.readUInt32LE(at) !== CENTRAL) throw new ZipError("corrupt ZIP central directory");
    const flags = cd.readUInt16LE(at + 8);
    const nameLen = cd.readUInt16LE(at + 28);
    const extraLen = cd.readUInt16LE(at + 30);
    const commentLen = cd.readUInt16LE(at + 32);
    const name = cd.toString(flags & 0x800 ? "utf8" : "latin1", at + 46, at + 46 + nameLen);
    if (flags & 0x1) throw new ZipError(`${name} is encrypted`);
    entries.set(name, {
      name,
      method: cd.readUInt16LE(at + 10),
      crc: cd.readUInt32LE(at + 16),
      compressedSize: cd.readUInt32LE(at + 20),
      size: cd.readUInt32LE(at + 24),
      localOffset: cd.readUInt32LE(at + 42),
    });
    at += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}
