/**
 * The server's JSON replies (TopicResponse 0x80, ClusterStatusResponse 0x81). Every number is an
 * unsigned integer and some are u64 (`max_bytes` is often u64::MAX), which `JSON.parse` would round,
 * so long integer literals are read as bigint. Keys are sorted as serde_json's BTreeMap emits them
 * (§2.2); we never rely on order when reading.
 */
import { fromUtf8, utf8 } from '../bytes.js';
import { InvalidFrameError } from '../errors.js';

export type JsonValue = null | boolean | number | bigint | string | JsonValue[] | { [key: string]: JsonValue };

const LONG_INT = /([:,[]\s*)(\d{16,})(?=\s*[,\]}])/g;
// A string no server JSON can contain, written with a JSON escape so the text stays valid JSON.
const MARK = '\u0000u64:';
const MARK_ESCAPED = '\\u0000u64:';

export function parseServerJson(payload: Uint8Array): JsonValue {
  const text = fromUtf8(payload);
  try {
    return JSON.parse(text.replace(LONG_INT, `$1"${MARK_ESCAPED}$2"`), (_k, v: unknown) =>
      typeof v === 'string' && v.startsWith(MARK) ? BigInt(v.slice(MARK.length)) : v,
    ) as JsonValue;
  } catch (err) {
    throw new InvalidFrameError(`server sent invalid JSON: ${text.slice(0, 200)}`, { cause: err });
  }
}

/** Serializes like serde_json with sorted keys (objects' keys sorted, bigint as a bare integer). */
export function encodeServerJson(value: JsonValue, sortKeys = true): Uint8Array {
  return utf8(stringify(value, sortKeys));
}

function stringify(v: JsonValue, sortKeys: boolean): string {
  if (typeof v === 'bigint') return v.toString();
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map((x) => stringify(x, sortKeys)).join(',')}]`;
  const keys = Object.keys(v);
  if (sortKeys) keys.sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${stringify(v[k]!, sortKeys)}`).join(',')}}`;
}

export function asObject(v: JsonValue | undefined, what: string): { [key: string]: JsonValue } {
  if (v === null || v === undefined || typeof v !== 'object' || Array.isArray(v)) {
    throw new InvalidFrameError(`${what}: expected a JSON object`);
  }
  return v;
}

export function asU64(v: JsonValue | undefined, what: string): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return BigInt(v);
  throw new InvalidFrameError(`${what}: expected an unsigned integer`);
}

export function asNumber(v: JsonValue | undefined, what: string): number {
  const n = asU64(v, what);
  if (n > BigInt(Number.MAX_SAFE_INTEGER)) throw new InvalidFrameError(`${what}: integer too large`);
  return Number(n);
}

export function asString(v: JsonValue | undefined, what: string): string {
  if (typeof v !== 'string') throw new InvalidFrameError(`${what}: expected a string`);
  return v;
}
