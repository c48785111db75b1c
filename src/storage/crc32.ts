/** CRC-32 (IEEE 802.3, the zlib/PNG polynomial), computed natively by zlib (Node >= 20.15). */
import {crc32 as zlibCrc32} from 'node:zlib'

/**
 * The CRC-32 of bytes[start, end), as an unsigned 32-bit integer
 * (crc32("123456789") = 0xcbf43926). The range saves callers a copy per record.
 */
export function crc32(bytes: Uint8Array, start = 0, end = bytes.length): number {
  return zlibCrc32(start === 0 && end === bytes.length ? bytes : bytes.subarray(start, end))
}
