/**
 * CRC-32 (zlib/IEEE polynomial), incremental, as stored per entry in pack index v2. Hand-written
 * because it is ten lines and the runtime has no synchronous CRC API.
 */

const TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** Continues CRC `crc` (0 to start) over `data[start..end)`; returns the new CRC as unsigned. */
export function crc32(data: Uint8Array, crc = 0, start = 0, end = data.length): number {
  let c = ~crc >>> 0;
  for (let i = start; i < end; i++)
    c = (TABLE[(c ^ (data[i] as number)) & 255] as number) ^ (c >>> 8);
  return ~c >>> 0;
}
