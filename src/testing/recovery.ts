/**
 * Crash recovery of an active segment (PROTOCOL.md §2.5, §4.1, §4.2): the real server re-parses every
 * active (unclosed) segment as TLV with `lnc-core` `parse_header` and truncates the file at the first
 * record that does not fit before the end of the file. Type 0xFF is lnc-core's extended header:
 * `0xFF | ext_type u16 | length u32` (7 bytes); every other type byte has the 5-byte header
 * `type u8 | length u32`. Lengths are little-endian.
 */
const EXTENDED = 0xff;

/** Length of the longest prefix of `data` made of whole TLV records. */
export function validTlvPrefix(data: Uint8Array): number {
  let o = 0;
  while (o < data.length) {
    const extended = data[o] === EXTENDED;
    const header = extended ? 7 : 5;
    if (o + header > data.length) break;
    const at = o + (extended ? 3 : 1);
    const length = (data[at]! | (data[at + 1]! << 8) | (data[at + 2]! << 16)) + data[at + 3]! * 0x1000000;
    if (o + header + length > data.length) break;
    o += header + length;
  }
  return o;
}
