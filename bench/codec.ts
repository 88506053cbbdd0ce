/**
 * Codec throughput, one JSON line. Ratios measured in this run are what count: these machines are
 * noisy. Target: decoding 1 MiB payloads at ≥ 50% of the CRC-only rate.
 */
import { FrameDecoder, TlvRecord, crc32, decodeRecords, encodeFrame, encodeRecords } from '../src/wire/index';

function timeIt(minMs: number, fn: () => number): number {
  // Warm up, then run for at least minMs; returns units per second.
  for (let i = 0; i < 3; i++) fn();
  let units = 0;
  const start = process.hrtime.bigint();
  let elapsed = 0;
  while (elapsed < minMs) {
    units += fn();
    elapsed = Number(process.hrtime.bigint() - start) / 1e6;
  }
  return units / (elapsed / 1000);
}

const MB = 1024 * 1024;
const result: Record<string, number> = {};
for (const [label, size] of [
  ['64KiB', 64 * 1024],
  ['1MiB', MB],
] as const) {
  const payload = Uint8Array.from({ length: size }, (_, i) => (i * 31) & 0xff);
  const frame = encodeFrame({ flags: 4, batchId: 1n, topicId: 1, recordCount: 1, payload });
  const decoder = new FrameDecoder();
  result[`crcOnlyMBps_${label}`] = timeIt(400, () => (crc32(payload), size)) / MB;
  result[`encodeMBps_${label}`] =
    timeIt(400, () => (encodeFrame({ flags: 4, batchId: 1n, topicId: 1, payload }), size)) / MB;
  result[`decodeMBps_${label}`] = timeIt(400, () => (decoder.push(frame), size)) / MB;
  // The same frame arriving in 64 KiB socket-sized chunks, so it has to be assembled.
  const chunks: Uint8Array[] = [];
  for (let o = 0; o < frame.length; o += 65536) chunks.push(frame.subarray(o, o + 65536));
  result[`decodeChunkedMBps_${label}`] =
    timeIt(400, () => {
      for (const c of chunks) decoder.push(c);
      return size;
    }) / MB;
}
result['decodeToCrcRatio_1MiB'] = result['decodeMBps_1MiB']! / result['crcOnlyMBps_1MiB']!;

const records = Array.from({ length: 10_000 }, (_, i) => TlvRecord.raw(new Uint8Array(100).fill(i & 0xff)));
const encoded = encodeRecords(records);
result['tlvEncodeRecordsPerSec_100B'] = timeIt(400, () => (encodeRecords(records), records.length));
result['tlvDecodeRecordsPerSec_100B'] = timeIt(400, () => decodeRecords(encoded).records.length);

for (const k of Object.keys(result)) result[k] = Math.round(result[k]! * 100) / 100;
console.log(JSON.stringify({ bench: 'codec', ...result, targetDecodeToCrcRatio: 0.5 }));
