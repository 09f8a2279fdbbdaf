// msgpack settings shared by writer and reader: 64-bit integers come back as bigint, maps as plain objects.

import { Packr } from 'msgpackr';

export const packr = new Packr({ int64AsType: 'bigint', useRecords: false, mapsAsObjects: true, moreTypes: false });

/** Values the trace stores as 64-bit: always bigint in memory, so they survive a round trip unchanged. */
export function u64(v: bigint | number): bigint {
  return typeof v === 'bigint' ? v : BigInt(v);
}

/** A register file on disk: TRACE_REGS slots of 16 bytes, little-endian (V registers need all 128 bits). */
export function packRegs(regs: readonly bigint[]): Uint8Array {
  const b = new Uint8Array(regs.length * 16);
  const v = new DataView(b.buffer);
  regs.forEach((r, i) => {
    v.setBigUint64(i * 16, r & 0xffff_ffff_ffff_ffffn, true);
    v.setBigUint64(i * 16 + 8, (r >> 64n) & 0xffff_ffff_ffff_ffffn, true);
  });
  return b;
}

export function unpackRegs(b: Uint8Array): bigint[] {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const out: bigint[] = [];
  for (let i = 0; i + 16 <= b.length; i += 16) out.push(v.getBigUint64(i, true) | (v.getBigUint64(i + 8, true) << 64n));
  return out;
}
