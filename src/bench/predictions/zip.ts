// Just enough of the ZIP format to read the parts of an .xlsx: the central directory, stored and deflated
// entries, CRC-32 checked. No ZIP64, no encryption, no multi-disk archives (an .xlsx of predictions needs none).
import { inflateRawSync } from "node:zlib";
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

/** CRC-32 (IEEE 802.3, as ZIP and gzip use it). */
export function crc32(data: Uint8Array): number {
  let c = -1;
  for (let i = 0; i < data.length; i++) c = CRC_TABLE[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

/** The entries of a ZIP archive held in memory, by name. */
export function readZipDirectory(buf: Buffer): Map<string, ZipEntry> {
  const EOCD = 0x06054b50;
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 0xffff); i--) {
    if (buf.readUInt32LE(i) === EOCD) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new ZipError("not a ZIP archive (no end-of-central-directory record)");
  const count = buf.readUInt16LE(eocd + 10);
  const cdSize = buf.readUInt32LE(eocd + 12);
  const cdOffset = buf.readUInt32LE(eocd + 16);
  if (count === 0xffff || cdOffset === 0xffffffff) throw new ZipError("ZIP64 archives are not supported");
  if (cdOffset + cdSize > buf.length) throw new ZipError("truncated ZIP archive (the central directory is past the end)");

  const entries = new Map<string, ZipEntry>();
  let at = cdOffset;
  for (let i = 0; i < count; i++) {
    if (at + 46 > buf.length || buf.readUInt32LE(at) !== 0x02014b50) throw new ZipError("corrupt ZIP central directory");
    const flags = buf.readUInt16LE(at + 8);
    const nameLen = buf.readUInt16LE(at + 28);
    const extraLen = buf.readUInt16LE(at + 30);
    const commentLen = buf.readUInt16LE(at + 32);
    const name = buf.toString(flags & 0x800 ? "utf8" : "latin1", at + 46, at + 46 + nameLen);
    if (flags & 0x1) throw new ZipError(`${name} is encrypted`);
    entries.set(name, {
      name,
      method: buf.readUInt16LE(at + 10),
      crc: buf.readUInt32LE(at + 16),
      compressedSize: buf.readUInt32LE(at + 20),
      size: buf.readUInt32LE(at + 24),
      localOffset: buf.readUInt32LE(at + 42),
    });
    at += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}

/** The uncompressed bytes of one entry, refused beyond `maxBytes` (a guard against ZIP bombs). */
export function readZipEntry(buf: Buffer, entry: ZipEntry, maxBytes: number): Buffer {
  const at = entry.localOffset;
  if (at + 30 > buf.length || buf.readUInt32LE(at) !== 0x04034b50) throw new ZipError(`corrupt local header for ${entry.name}`);
  const start = at + 30 + buf.readUInt16LE(at + 26) + buf.readUInt16LE(at + 28);
  const end = start + entry.compressedSize;
  if (end > buf.length) throw new ZipError(`${entry.name} is truncated`);
  if (entry.size > maxBytes) throw new ZipError(`${entry.name} is ${entry.size} bytes uncompressed, over the ${maxBytes}-byte limit`);
  const raw = buf.subarray(start, end);
  let data: Buffer;
  if (entry.method === 0) data = Buffer.from(raw);
  else if (entry.method === 8) {
    try {
      data = inflateRawSync(raw, { maxOutputLength: Math.max(1, maxBytes) });
    } catch (err) {
      throw new ZipError(`${entry.name}: cannot inflate (${(err as Error).message})`);
    }
  } else throw new ZipError(`${entry.name} uses compression method ${entry.method}; only stored (0) and deflate (8) are supported`);
  if (crc32(data) !== entry.crc) throw new ZipError(`${entry.name}: CRC mismatch (the archive is corrupt)`);
  return data;
}
