/**
 * CRC-32/IEEE (the zlib polynomial), which is what the Lance server really computes — its
 * `crc32c` function is a misnomer over `crc32fast` (PROTOCOL.md §1.3). Never CRC-32C.
 */
import nodeRsCrc32 from '@node-rs/crc32';

export function crc32(data: Uint8Array): number {
  // The native binding takes any Uint8Array view without copying.
  return data.length === 0 ? 0 : nodeRsCrc32.crc32(data as Buffer) >>> 0;
}
