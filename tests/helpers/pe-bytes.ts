// Reading and patching the raw bytes of a PE file, for tests that build malformed copies of a fixture: header
// offsets from e_lfanew and SizeOfOptionalHeader, little-endian accessors, and RVA to file offset.

import type { PeImage } from '../../src/recorder/loader/pe.ts';

export const dv = (b: Uint8Array): DataView => new DataView(b.buffer, b.byteOffset, b.byteLength);
export const u16 = (b: Uint8Array, o: number): number => dv(b).getUint16(o, true);
export const u32 = (b: Uint8Array, o: number): number => dv(b).getUint32(o, true);
export const u64 = (b: Uint8Array, o: number): bigint => dv(b).getBigUint64(o, true);
export const set16 = (b: Uint8Array, o: number, v: number): void => dv(b).setUint16(o, v, true);
export const set32 = (b: Uint8Array, o: number, v: number): void => dv(b).setUint32(o, v, true);
export const set64 = (b: Uint8Array, o: number, v: bigint): void => dv(b).setBigUint64(o, v, true);

/** File offsets of the PE headers, as the loader finds them. */
export interface PeOffsets {
  /** PE signature. */
  pe: number;
  /** COFF file header. */
  coff: number;
  /** Optional header. */
  opt: number;
  /** Data directories (end of the fixed optional header). */
  dirs: number;
  /** Section table. */
  sec: number;
}

export function peOffsets(b: Uint8Array): PeOffsets {
  const pe = u32(b, 0x3c);
  const coff = pe + 4;
  const opt = coff + 20;
  return { pe, coff, opt, dirs: opt + 112, sec: opt + u16(b, coff + 16) };
}

/** File offset of an RVA inside a section's file data, or undefined when only zero fill is there. */
export function rvaToFileOffset(img: PeImage, rva: number): number | undefined {
  const s = img.sections.find((x) => rva >= x.rva && rva < x.rva + x.initializedSize);
  return s === undefined ? undefined : s.rawOffset + (rva - s.rva);
}

/**
 * Gives the file another ImageBase the way a linker would have written it there: the header field and every
 * DIR64 base-relocation target with file data move by the difference (Go's pclntab textStart up to 1.24 and
 * its moduledata pointers among them), so the image stays self-consistent.
 */
export function rebaseFile(b: Uint8Array, img: PeImage, imageBase: bigint): void {
  const delta = imageBase - img.imageBase;
  set64(b, peOffsets(b).opt + 24, imageBase);
  for (const r of img.relocations) {
    const at = rvaToFileOffset(img, r.rva);
    if (r.type !== 10 || at === undefined) continue; // IMAGE_REL_BASED_DIR64; a zero-filled target moves at load
    set64(b, at, (u64(b, at) + delta) & 0xffff_ffff_ffff_ffffn);
  }
}
