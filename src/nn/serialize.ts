/**
 * Parameter files: a versioned JSON header followed by raw little-endian float32 data.
 *
 *   bytes 0..7   magic "ASCENTP\n"
 *   bytes 8..11  header length H (uint32 LE)
 *   bytes 12..   header JSON (UTF-8), zero-padded to a multiple of 4
 *   then         float32 data of every tensor, in header order
 *   last 4 bytes CRC-32 (uint32 LE) of every byte before it: magic, header and data
 *
 * The header holds each tensor's name, shape and offset and free-form metadata (a checkpoint's
 * learning rate, step count, RNG states). The checksum covers the header too, so a truncated or
 * corrupted file, header included, is refused instead of loaded. Version 1 files checksummed only
 * the data (an altered header loaded silently) and are refused with a message saying so.
 * Browser-safe (Uint8Array).
 */
import { Tensor, shapeStr } from '../tensor/index.ts';
import type { Module } from './module.ts';

export const PARAMS_FORMAT_VERSION = 2;
const MAGIC = 'ASCENTP\n';

export interface ParamsHeader {
  format: 'ascent-params';
  version: number;
  tensors: { name: string; shape: number[]; offset: number }[];
  meta?: Record<string, unknown>;
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 (IEEE 802.3), the checksum of zip and PNG. */
export function crc32(bytes: Uint8Array, crc = 0): number {
  let c = ~crc >>> 0;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

export function serializeParams(named: [string, Tensor][], meta?: Record<string, unknown>): Uint8Array {
  let offset = 0;
  const tensors = named.map(([name, t]) => {
    const entry = { name, shape: t.shape.slice(), offset };
    offset += t.size;
    return entry;
  });
  const data = new Float32Array(offset);
  named.forEach(([, t], i) => data.set(t.data, tensors[i].offset));
  const dataBytes = new Uint8Array(data.buffer);
  const header: ParamsHeader = { format: 'ascent-params', version: PARAMS_FORMAT_VERSION, tensors, meta };
  const json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 4) * 4;
  const end = 12 + padded + dataBytes.length;
  const out = new Uint8Array(end + 4);
  out.set(new TextEncoder().encode(MAGIC), 0);
  const dv = new DataView(out.buffer);
  dv.setUint32(8, padded, true);
  out.set(json, 12);
  out.set(dataBytes, 12 + padded);
  dv.setUint32(end, crc32(out.subarray(0, end)), true);
  return out;
}

export interface LoadedParams {
  header: ParamsHeader;
  tensors: Map<string, Tensor>;
}

export function deserializeParams(bytes: Uint8Array): LoadedParams {
  const fail = (why: string): never => {
    throw new Error(`parameter file: ${why}`);
  };
  if (bytes.length < 12 || new TextDecoder().decode(bytes.subarray(0, 8)) !== MAGIC) {
    fail(`not an Ascent parameter file (expected it to start with ${JSON.stringify(MAGIC)})`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const h = view.getUint32(8, true);
  if (12 + h > bytes.length) fail(`header length ${h} runs past the end of the file (${bytes.length} bytes): truncated?`);
  // The trailer covers everything before it, so it can be checked before the header is trusted.
  const intact = bytes.length >= 16 && view.getUint32(bytes.length - 4, true) === crc32(bytes.subarray(0, bytes.length - 4));
  const mismatch = () =>
    fail(`checksum mismatch (the CRC-32 in the last 4 bytes does not match the ${bytes.length - 4} bytes before it): the file is corrupted or was altered`);
  let header: ParamsHeader;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + h)).replace(/\0+$/, ''));
  } catch (e) {
    return intact ? fail(`header is not valid JSON (${(e as Error).message})`) : mismatch();
  }
  if (header === null || typeof header !== 'object' || header.format !== 'ascent-params') {
    return intact ? fail(`unknown format '${(header as any)?.format}'`) : mismatch();
  }
  if (header.version > PARAMS_FORMAT_VERSION) {
    fail(`format version ${header.version} is newer than this library reads (${PARAMS_FORMAT_VERSION}); upgrade ascent-rl`);
  }
  if (header.version !== PARAMS_FORMAT_VERSION) {
    fail(
      `format version ${header.version} is not read any more: its checksum covered the data but not the header, so an ` +
        `altered header (a learning rate, a step count) would load unnoticed; this library reads version ${PARAMS_FORMAT_VERSION} ` +
        `(load the file with the ascent that wrote it and save it again, or retrain)`,
    );
  }
  const total = header.tensors.reduce((n, t) => n + t.shape.reduce((a, b) => a * b, 1), 0);
  const end = 12 + h + total * 4;
  if (bytes.length !== end + 4) {
    fail(`expected ${end + 4} bytes (header, ${total * 4} of data, a 4-byte checksum), found ${bytes.length}: truncated or corrupted`);
  }
  if (!intact) mismatch();
  // A copy, aligned for Float32Array (Buffer.slice would return a view into Node's shared pool).
  const dataBytes = Uint8Array.prototype.slice.call(bytes, 12 + h, end);
  const data = new Float32Array(dataBytes.buffer);
  const tensors = new Map<string, Tensor>();
  for (const t of header.tensors) {
    const n = t.shape.reduce((a, b) => a * b, 1);
    tensors.set(t.name, new Tensor(data.slice(t.offset, t.offset + n), t.shape));
  }
  return { header, tensors };
}

/** Copy loaded tensors into a module's parameters, checking that names and shapes match exactly. */
export function loadParamsInto(module: Module, bytes: Uint8Array): ParamsHeader {
  const { header, tensors } = deserializeParams(bytes);
  const named = module.namedParameters();
  const missing = named.filter(([n]) => !tensors.has(n)).map(([n]) => n);
  const extra = [...tensors.keys()].filter((n) => !named.some(([m]) => m === n));
  if (missing.length || extra.length) {
    throw new Error(`parameter file does not match the model: missing [${missing.join(', ')}], unexpected [${extra.join(', ')}]`);
  }
  for (const [name, p] of named) {
    const t = tensors.get(name)!;
    if (t.shape.join() !== p.shape.join()) {
      throw new Error(`parameter '${name}': file has shape ${shapeStr(t.shape)}, model has ${shapeStr(p.shape)}`);
    }
    p.data.set(t.data);
  }
  return header;
}
