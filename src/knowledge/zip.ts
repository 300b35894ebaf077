import { inflateRawSync } from 'node:zlib';
import { AppError } from '../core/errors.ts';

/**
 * Reads the files of a ZIP archive (an .xlsx is one): stored or deflated entries, named by their path. `maxBytes`
 * caps the total unpacked size, so a small archive cannot unpack into gigabytes. Throws AppError('invalid_input').
 */
export function readZip(
  data: Uint8Array,
  options: { maxBytes: number; only?: (name: string) => boolean },
): Map<string, Buffer> {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const bad = (why: string) => new AppError('invalid_input', `Not a readable ZIP archive: ${why}`);
  // The end-of-central-directory record sits in the last 64 KiB + 22 bytes (after an optional comment).
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 65_557); i--)
    if (buf.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  if (eocd < 0) throw bad('no end of central directory');
  const count = buf.readUInt16LE(eocd + 10);
  let at = buf.readUInt32LE(eocd + 16);
  const files = new Map<string, Buffer>();
  let total = 0;
  for (let n = 0; n < count; n++) {
    if (at + 46 > buf.length || buf.readUInt32LE(at) !== 0x02014b50) throw bad('broken central directory');
    const method = buf.readUInt16LE(at + 10);
    const size = buf.readUInt32LE(at + 20);
    const unpacked = buf.readUInt32LE(at + 24);
    const nameLength = buf.readUInt16LE(at + 28);
    const extraLength = buf.readUInt16LE(at + 30);
    const commentLength = buf.readUInt16LE(at + 32);
    const local = buf.readUInt32LE(at + 42);
    const name = buf.toString('utf8', at + 46, at + 46 + nameLength);
    at += 46 + nameLength + extraLength + commentLength;
    if (name.endsWith('/') || (options.only && !options.only(name))) continue;
    if (local + 30 > buf.length || buf.readUInt32LE(local) !== 0x04034b50) throw bad(`broken entry ${name}`);
    const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    const packed = buf.subarray(start, start + size);
    total += unpacked;
    if (total > options.maxBytes) throw new AppError('invalid_input', 'The archive unpacks to more than we read');
    if (method === 0) files.set(name, Buffer.from(packed));
    else if (method === 8) {
      try {
        files.set(name, inflateRawSync(packed, { maxOutputLength: Math.max(1, options.maxBytes - total + unpacked) }));
      } catch (err) {
        throw new AppError('invalid_input', `Not a readable ZIP archive: ${name} does not inflate`, { cause: err });
      }
    } else throw bad(`entry ${name} uses compression method ${method}`);
  }
  return files;
}
