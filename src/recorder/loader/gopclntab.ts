// Reader for Go's pclntab (Go 1.18+ layout: header magic 0xFFFFFFF0 for 1.18/1.19, 0xFFFFFFF1 for 1.20+),
// recovering every Go function's name, entry and end.
//
// Why this exists next to the COFF symbol table: Go's linker writes a COFF symbol table into windows
// binaries, and for an unstripped build it is as complete as pclntab (the COFF table holds every text
// symbol plus data symbols). But `-ldflags=-s` removes the COFF table while pclntab always stays
// (the runtime needs it for tracebacks), and only pclntab gives exact function ends (the COFF table has
// no sizes). So pe.ts reads both: pclntab gives names that match Go's own tracebacks and exact sizes;
// COFF adds data symbols and linker markers. Layout (runtime/symtab.go, the same from Go 1.18 to 1.27):
//
//   pcHeader { magic u32; pad1, pad2 u8; minLC u8; ptrSize u8; nfunc int; nfiles uint; textStart uintptr;
//              funcnameOffset, cuOffset, filetabOffset, pctabOffset, pclnOffset uintptr }  (offsets from header)
//   functab at pclnOffset: (nfunc + 1) x { entryoff u32 (from the text start); funcoff u32 (from pclnOffset) };
//              the last entry's entryoff is the end of the last function.
//   _func at pclnOffset + funcoff: { entryoff u32; nameoff i32 (into funcnametab); ... }
//
// The text start the entry offsets count from is moduledata.text, not pcHeader.textStart: Go 1.26's linker
// stopped writing textStart (the field is 0 in the file, "unused"; it needed a base relocation) and the
// runtime reads moduledata.text instead, as debug/gosym takes the start of the text section. Go 1.18-1.24
// runtimes refuse a header whose textStart differs from moduledata.text (moduledataverify1), so the caller
// (pe.ts) finds moduledata and passes its text; this reader checks textStart against it: equal for magic
// 0xFFFFFFF0, equal or 0 for 0xFFFFFFF1.
//
// A broken pclntab is a BadImageError, not a warning: Go's runtime validates the same header at start-up
// (runtime.schedinit -> modulesinit/moduledataverify) and aborts, so such a binary cannot run anyway.
// Every range is checked before it is read; nfunc is checked against the bytes available before any
// allocation. Errors are BadImageError naming the pclntab's RVA.

import { BadImageError } from '../../errors.ts';

export const GO118_PCLNTAB_MAGIC = 0xfffffff0;
export const GO120_PCLNTAB_MAGIC = 0xfffffff1;

const HEADER_SIZE = 8 + 8 * 8; // magic/pad/minLC/ptrSize + 8 pointer-sized fields (ptrSize 8)
const MAX_FUNCTIONS = 1 << 22;
const MAX_NAME = 4096;

export interface GoFunction {
  name: string;
  /** Entry RVA (relative to the image's ImageBase). */
  entryRva: number;
  /** End RVA (exclusive): the next function's entry, or the end of text for the last one. */
  endRva: number;
}

export interface GoPclntab {
  /** '1.18' covers Go 1.18 and 1.19 (magic 0xFFFFFFF0); '1.20' covers Go 1.20+ (magic 0xFFFFFFF1). */
  version: '1.18' | '1.20';
  /** RVA of the pcHeader. */
  rva: number;
  minLC: number;
  /** pcHeader.textStart as written in the file: a VA at the preferred ImageBase up to Go 1.24, 0 from Go 1.26. */
  textStart: bigint;
  /** RVA the function entry offsets count from (moduledata.text). */
  textRva: number;
  /** Sorted by entryRva. */
  functions: GoFunction[];
}

/** The fixed header fields, checked: offsets lie inside `data` and the function table fits. */
export interface PcHeader {
  version: GoPclntab['version'];
  minLC: number;
  nfunc: number;
  textStart: bigint;
  funcnameOffset: number;
  pclnOffset: number;
}

/**
 * Find candidate pcHeader offsets inside `data` (a section's raw bytes): the 8-byte prefix
 * magic, 0, 0, minLC, ptrSize=8 for both 1.18 and 1.20 magics. Returns at most `limit` offsets.
 */
export function findPclntabCandidates(data: Uint8Array, minLC: number, limit = 8): number[] {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const out: number[] = [];
  for (const magicLow of [0xf0, 0xf1]) {
    const pattern = Buffer.from([magicLow, 0xff, 0xff, 0xff, 0, 0, minLC, 8]);
    let at = buf.indexOf(pattern, 0);
    while (at >= 0 && out.length < limit) {
      out.push(at);
      at = buf.indexOf(pattern, at + 1);
    }
  }
  return out.sort((a, b) => a - b);
}

const failer = (file: string, rva: number) => (defect: string): never => {
  throw new BadImageError(file, `Go pclntab at RVA 0x${rva.toString(16)}: ${defect}`);
};

/**
 * Read and check the pcHeader at data[0]. `data` extends at most to the end of the containing section's
 * file data.
 */
export function readPcHeader(data: Uint8Array, file: string, rva: number): PcHeader {
  const fail = failer(file, rva);
  if (data.length < HEADER_SIZE) fail(`header needs ${HEADER_SIZE} bytes but only ${data.length} remain in the section`);
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const magic = dv.getUint32(0, true);
  let version: GoPclntab['version'];
  if (magic === GO118_PCLNTAB_MAGIC) version = '1.18';
  else if (magic === GO120_PCLNTAB_MAGIC) version = '1.20';
  else return fail(`magic 0x${magic.toString(16)} is not a Go 1.18+ pclntab (0xfffffff0 or 0xfffffff1)`);
  const minLC = dv.getUint8(6);
  const ptrSize = dv.getUint8(7);
  if (dv.getUint8(4) !== 0 || dv.getUint8(5) !== 0) fail('header padding bytes are not zero');
  if (ptrSize !== 8) fail(`pointer size ${ptrSize} is not 8`);
  const u64 = (off: number): bigint => dv.getBigUint64(off, true);
  const nfuncBig = u64(8);
  const textStart = u64(24);
  const offsets = {
    funcname: u64(32),
    pcln: u64(64),
  };
  const len = BigInt(data.length);
  for (const [name, off] of Object.entries(offsets)) {
    if (off < BigInt(HEADER_SIZE) || off >= len) fail(`${name}Offset 0x${off.toString(16)} is outside the table (0x${data.length.toString(16)} bytes available)`);
  }
  const funcnameOffset = Number(offsets.funcname);
  const pclnOffset = Number(offsets.pcln);
  if (nfuncBig > BigInt(MAX_FUNCTIONS)) fail(`nfunc ${nfuncBig} exceeds the limit of ${MAX_FUNCTIONS}`);
  const nfunc = Number(nfuncBig);
  const functabEnd = pclnOffset + (nfunc + 1) * 8;
  if (functabEnd > data.length) fail(`function table (${nfunc} entries at offset 0x${pclnOffset.toString(16)}) runs past the available 0x${data.length.toString(16)} bytes`);
  return { version, minLC, nfunc, textStart, funcnameOffset, pclnOffset };
}

/**
 * Parse a pclntab whose pcHeader starts at data[0] (see readPcHeader). `text` is moduledata.text: the VA
 * as written in the file (at the preferred ImageBase) and its RVA, which the caller has checked lies in the
 * image.
 */
export function parseGoPclntab(data: Uint8Array, file: string, rva: number, text: { va: bigint; rva: number }, sizeOfImage: number): GoPclntab {
  const fail = failer(file, rva);
  const h = readPcHeader(data, file, rva);
  const { version, minLC, nfunc, textStart, funcnameOffset, pclnOffset } = h;
  // What each runtime's moduledataverify1 accepts: Go 1.18-1.24 compare textStart with moduledata.text; the
  // 1.26+ linker writes 0 there (with the 1.20 magic) and its runtime no longer looks.
  if (textStart !== text.va && !(version === '1.20' && textStart === 0n)) {
    fail(`textStart 0x${textStart.toString(16)} differs from moduledata.text 0x${text.va.toString(16)}`);
  }
  const textRva = text.rva;
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const decoder = new TextDecoder('utf-8');
  const functions: GoFunction[] = new Array(nfunc);
  let prevEntry = 0;
  for (let i = 0; i < nfunc; i++) {
    const ft = pclnOffset + i * 8;
    const entryoff = dv.getUint32(ft, true);
    const funcoff = dv.getUint32(ft + 4, true);
    const nextEntry = dv.getUint32(ft + 8, true);
    if (entryoff < prevEntry || nextEntry < entryoff) fail(`function table entry ${i} (entry offset 0x${entryoff.toString(16)}) is out of order`);
    prevEntry = entryoff;
    const fo = pclnOffset + funcoff;
    if (fo + 8 > data.length) fail(`function ${i} record at offset 0x${fo.toString(16)} is outside the table`);
    const nameoff = dv.getInt32(fo + 4, true);
    const no = funcnameOffset + nameoff;
    if (nameoff < 0 || no >= data.length) fail(`function ${i} name offset 0x${nameoff.toString(16)} is outside the table`);
    const limit = Math.min(data.length, no + MAX_NAME);
    const rel = data.subarray(no, limit).indexOf(0);
    if (rel < 0) fail(`function ${i} name at offset 0x${no.toString(16)} is not NUL-terminated`);
    const endRva = textRva + nextEntry;
    if (endRva > sizeOfImage) fail(`function ${i} ends at RVA 0x${endRva.toString(16)}, outside the image`);
    functions[i] = { name: decoder.decode(data.subarray(no, no + rel)), entryRva: textRva + entryoff, endRva };
  }
  return { version, rva, minLC, textStart, textRva, functions };
}
