// PE32+ ARM64 image loader: pure parsing (parsePe) and layout (layoutImage). It never touches Unicorn; the
// caller maps LoadedImage.regions and writes API-stub addresses into the IAT slots.
//
// Every defect found in the file is a BadImageError carrying one line that names what is wrong. Every size
// read from the file is checked against the file length or SizeOfImage before anything is allocated or
// looped over, and every loop has a bound derived from a checked size or a fixed limit (LIMITS).
//
// Symbols: Go's linker writes a COFF symbol table (PointerToSymbolTable/NumberOfSymbols, mapped as the
// ".symtab" section) holding every text and data symbol. It has no sizes, names ABI0 assembly functions
// with a ".abi0" suffix (runtime.asmstdcall.abi0) and file-local assembly symbols without a package
// (sigtramp, sigtramp_g0). Go's pclntab (gopclntab.ts) survives -ldflags=-s, has exact function extents
// and the names Go's own tracebacks print; when both exist the function symbols take pclntab's name and
// size and keep the COFF name as an alias, except an ABI0 wrapper, which keeps its COFF name (mergeSymbols).

import { BadImageError } from '../../errors.ts';
import {
  BASE_RELOCATION_BLOCK,
  COFF_FILE_HEADER,
  COFF_SYMBOL,
  DATA_DIRECTORY,
  DIR,
  DOS_HEADER,
  DOS_MAGIC,
  EXPORT_DIRECTORY,
  IMAGE_FILE,
  IMAGE_FILE_MACHINE_ARM64,
  IMAGE_ORDINAL_FLAG64,
  IMAGE_REL_BASED,
  IMAGE_SCN,
  IMAGE_SYM_CLASS,
  IMPORT_DESCRIPTOR,
  LIMITS,
  MACHINE_NAMES,
  MAX_DATA_DIRECTORIES,
  OPTIONAL_HEADER_PE32PLUS,
  PE32_MAGIC,
  PE32PLUS_MAGIC,
  PE_SIGNATURE,
  PE_SIGNATURE_SIZE,
  RELOCATION_TYPE_NAMES,
  ROM_MAGIC,
  SECTION_HEADER,
  SUPPORTED_RELOCATIONS,
  THUNK64_SIZE,
  TLS_DIRECTORY64,
  readStruct,
  type StructDef,
  type StructOf,
} from './pe-structs.ts';
import { readGoVersion } from './gobuildinfo.ts';
import { findPclntabCandidates, parseGoPclntab, readPcHeader, type GoPclntab, type PcHeader } from './gopclntab.ts';

// ---------------------------------------------------------------------------------------------------------
// Public types

export interface Protection {
  read: boolean;
  write: boolean;
  execute: boolean;
}

export interface PeSection {
  /** 1-based, as COFF symbols' SectionNumber and error messages count. */
  number: number;
  name: string;
  rva: number;
  virtualSize: number;
  rawOffset: number;
  rawSize: number;
  characteristics: number;
  protection: Protection;
  /** Virtual size (or raw size when VirtualSize is 0) rounded up to SectionAlignment: what gets mapped. */
  mappedSize: number;
  /** Bytes copied from the file: min(rawSize, mappedSize); the rest of the section is zero-filled. */
  initializedSize: number;
}

export interface ImportedFunction {
  name?: string;
  hint?: number;
  ordinal?: number;
  /** RVA of this function's IAT slot (8 bytes). */
  iatRva: number;
}

export interface ImportedDll {
  /** As spelled in the image (Go writes "kernel32.dll"). */
  dll: string;
  functions: ImportedFunction[];
}

export interface Relocation {
  /** RVA of the patched word. */
  rva: number;
  /** IMAGE_REL_BASED_* (ABSOLUTE padding entries are not listed). */
  type: number;
}

export interface ExportedFunction {
  ordinal: number;
  name?: string;
  /** Code/data RVA; absent for forwarders. */
  rva?: number;
  forwarder?: string;
}

export interface PeExports {
  dll: string;
  ordinalBase: number;
  functions: ExportedFunction[];
}

export interface PeTls {
  /** RVAs (converted from the directory's VAs at the preferred ImageBase); 0 when the VA is 0. */
  rawDataStartRva: number;
  rawDataEndRva: number;
  indexRva: number;
  callbacksRva: number;
  callbackRvas: number[];
  sizeOfZeroFill: number;
  characteristics: number;
}

export interface DataDirectory {
  rva: number;
  size: number;
}

export interface PeSymbol {
  name: string;
  rva: number;
  /** Bytes covered: exact from pclntab; otherwise up to the next symbol in the section (or its end). */
  size: number;
  /** Name of the containing section. */
  section: string;
  kind: 'function' | 'data';
  source: 'coff' | 'pclntab' | 'coff+pclntab';
  /** The COFF name when it differs from pclntab's (e.g. "runtime.asmstdcall.abi0"). */
  coffName?: string;
}

export interface PeImage {
  file: string;
  /** The file's bytes (not copied). */
  bytes: Uint8Array;
  machine: number;
  characteristics: number;
  timeDateStamp: number;
  imageBase: bigint;
  sizeOfImage: number;
  sizeOfHeaders: number;
  entryPointRva: number;
  sectionAlignment: number;
  fileAlignment: number;
  subsystem: number;
  dllCharacteristics: number;
  stackReserve: bigint;
  stackCommit: bigint;
  heapReserve: bigint;
  heapCommit: bigint;
  dataDirectories: DataDirectory[];
  sections: PeSection[];
  imports: ImportedDll[];
  relocations: Relocation[];
  /** True when the image can be loaded at another base (has a base relocation directory, not RELOCS_STRIPPED). */
  relocatable: boolean;
  exports?: PeExports;
  tlsDirectory?: PeTls;
  /** Symbols inside sections, sorted by rva (COFF table merged with pclntab functions). */
  symbols: PeSymbol[];
  /** Records in the COFF symbol table that name a location inside a section (0 when there is no table). */
  coffSymbolCount: number;
  /** Go's pclntab, when the image is a Go 1.18+ binary. */
  goPclntab?: GoPclntab;
  /** The Go toolchain that built it ("go1.27.3"), from its build info; absent before Go 1.18 or for non-Go images. */
  goVersion?: string;
}

export interface MappedRegion {
  /** "headers" or the section name. */
  name: string;
  rva: number;
  address: bigint;
  /** Multiple of the page size (0x1000). */
  size: number;
  protection: Protection;
  /** Exactly `size` bytes: file data, zero-filled, relocated. */
  bytes: Uint8Array;
}

export interface LoadedImport {
  dll: string;
  functions: (ImportedFunction & { iatAddress: bigint })[];
}

export interface LoadedSymbol {
  name: string;
  address: bigint;
  size: number;
  section: string;
  kind: 'function' | 'data';
  aliases?: string[];
}

export interface LoadedTls {
  rawDataStart: bigint;
  rawDataEnd: bigint;
  index: bigint;
  callbacks: bigint[];
  sizeOfZeroFill: number;
}

export interface LoadedImage {
  image: PeImage;
  base: bigint;
  /** SizeOfImage rounded up to SectionAlignment: the span to reserve at `base`. */
  size: number;
  /** base - imageBase (mod 2^64, as a signed value). */
  delta: bigint;
  regions: MappedRegion[];
  entryPoint: bigint;
  imports: LoadedImport[];
  relocationsApplied: number;
  symbols: LoadedSymbol[];
  symbolTable: SymbolTable;
  tls?: LoadedTls;
}

// ---------------------------------------------------------------------------------------------------------
// Helpers

const hex = (n: number | bigint): string => `0x${n.toString(16)}`;
const alignUp = (n: number, a: number): number => Math.ceil(n / a) * a;
const isPow2 = (n: number): boolean => n > 0 && (n & (n - 1)) === 0;
const mib = (n: number): string => `${n / 0x10_0000} MiB`;
const U64 = (1n << 64n) - 1n;
/** Node's native decoders (no TextDecoder: cheaper per call for thousands of short names). */
const utf8 = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('utf8');
const latin1 = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1');

function machineName(m: number): string {
  const n = MACHINE_NAMES.get(m);
  return n === undefined ? hex(m) : `${hex(m)} (${n})`;
}

function relocName(t: number): string {
  return RELOCATION_TYPE_NAMES.get(t) ?? 'unknown';
}

/** Read access to the image by RVA, as the Windows loader would lay it out, without laying it out. */
class ImageReader {
  private readonly dv: DataView;
  private readonly headerSpan: number;

  constructor(
    private readonly file: string,
    private readonly bytes: Uint8Array,
    readonly sizeOfImage: number,
    private readonly sizeOfHeaders: number,
    private readonly sections: readonly PeSection[],
  ) {
    this.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    // Mapped like layoutImage maps it: SizeOfHeaders rounded up to a page (sections start at or above it).
    this.headerSpan = alignUp(sizeOfHeaders, LIMITS.pageSize);
  }

  fail(defect: string): never {
    throw new BadImageError(this.file, defect);
  }

  /** The region (headers or section) holding rva: [start, end) in RVA and bytes of file data behind it. */
  region(rva: number, what: string): { start: number; end: number; fileOffset: number; fileSize: number; label: string } {
    if (rva < 0 || rva >= this.sizeOfImage) {
      this.fail(`${what} at RVA ${hex(rva)} is outside the image (SizeOfImage ${hex(this.sizeOfImage)})`);
    }
    if (rva < this.headerSpan) {
      return { start: 0, end: this.headerSpan, fileOffset: 0, fileSize: Math.min(this.sizeOfHeaders, this.headerSpan), label: 'the headers' };
    }
    const s = findSection(this.sections, rva);
    if (s === undefined) this.fail(`${what} at RVA ${hex(rva)} is not inside any section`);
    return { start: s.rva, end: s.rva + s.mappedSize, fileOffset: s.rawOffset, fileSize: s.initializedSize, label: `section ${s.number} (${s.name})` };
  }

  /** `len` bytes at rva (a view when fully backed by file data, else a zero-padded copy). */
  bytesAt(rva: number, len: number, what: string): Uint8Array {
    const r = this.region(rva, what);
    if (rva + len > r.end) {
      if (rva + len > this.sizeOfImage) this.fail(`${what} at RVA ${hex(rva)}+${hex(len)} runs past the end of the image (SizeOfImage ${hex(this.sizeOfImage)})`);
      this.fail(`${what} at RVA ${hex(rva)}+${hex(len)} runs past the end of ${r.label}`);
    }
    const off = rva - r.start;
    if (off + len <= r.fileSize) return this.bytes.subarray(r.fileOffset + off, r.fileOffset + off + len);
    const out = new Uint8Array(len);
    if (off < r.fileSize) out.set(this.bytes.subarray(r.fileOffset + off, r.fileOffset + r.fileSize));
    return out;
  }

  u16(rva: number, what: string): number {
    const b = this.bytesAt(rva, 2, what);
    return b[0]! | (b[1]! << 8);
  }

  u32(rva: number, what: string): number {
    const b = this.bytesAt(rva, 4, what);
    return new DataView(b.buffer, b.byteOffset, 4).getUint32(0, true);
  }

  u64(rva: number, what: string): bigint {
    const b = this.bytesAt(rva, 8, what);
    return new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0, true);
  }

  struct<S extends StructDef>(rva: number, def: S, what: string): StructOf<S> {
    return readStruct(this.bytesAt(rva, def.size, what), 0, def);
  }

  /** A NUL-terminated string at rva, at most LIMITS.maxNameLength bytes, inside one region. */
  cstring(rva: number, what: string): string {
    const r = this.region(rva, what);
    const off = rva - r.start;
    const limit = Math.min(r.end - r.start, off + LIMITS.maxNameLength + 1);
    const fileLimit = Math.min(limit, r.fileSize);
    if (off < fileLimit) {
      const slice = this.bytes.subarray(r.fileOffset + off, r.fileOffset + fileLimit);
      const nul = slice.indexOf(0);
      if (nul >= 0) return utf8(slice.subarray(0, nul));
      // Ran off the file-backed part: the zero fill that follows terminates it, if there is any.
      if (fileLimit < limit) return utf8(slice);
    } else if (off < limit) {
      return ''; // zero-filled
    }
    if (limit - off > LIMITS.maxNameLength) this.fail(`${what} at RVA ${hex(rva)} is not NUL-terminated within ${LIMITS.maxNameLength} bytes`);
    return this.fail(`${what} at RVA ${hex(rva)} is not NUL-terminated before the end of ${r.label}`);
  }

  /** Whether [rva, rva+len) is inside one mapped region (used for targets that are only checked). */
  check(rva: number, len: number, what: string): void {
    this.bytesAt(rva, len, what);
  }
}

function findSection<T extends { rva: number; mappedSize: number }>(sections: readonly T[], rva: number): T | undefined {
  let lo = 0;
  let hi = sections.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const s = sections[mid]!;
    if (rva < s.rva) hi = mid - 1;
    else if (rva >= s.rva + s.mappedSize) lo = mid + 1;
    else return s;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------
// parsePe

export function parsePe(bytes: Uint8Array, file: string): PeImage {
  const fail = (defect: string): never => {
    throw new BadImageError(file, defect);
  };
  const fileLen = bytes.length;

  // DOS header
  if (fileLen < DOS_HEADER.size) fail(`file is ${fileLen} bytes, too small for the ${DOS_HEADER.size}-byte DOS header`);
  const dos = readStruct(bytes, 0, DOS_HEADER);
  if (dos.e_magic !== DOS_MAGIC) fail(`bad DOS signature ${hex(dos.e_magic)} (expected 0x5a4d "MZ")`);
  const peOff = dos.e_lfanew;
  const coffOff = peOff + PE_SIGNATURE_SIZE;
  const optOff = coffOff + COFF_FILE_HEADER.size;
  if (optOff > fileLen) fail(`e_lfanew ${hex(peOff)} is out of range: the PE signature and COFF header (24 bytes) do not fit in the ${fileLen}-byte file`);

  // PE signature + COFF header
  const sig = new DataView(bytes.buffer, bytes.byteOffset + peOff, 4).getUint32(0, true);
  if (sig !== PE_SIGNATURE) fail(`bad PE signature ${hex(sig)} at ${hex(peOff)} (expected 0x4550 "PE\\0\\0")`);
  const coff = readStruct(bytes, coffOff, COFF_FILE_HEADER);
  if (coff.Machine !== IMAGE_FILE_MACHINE_ARM64) fail(`machine ${machineName(coff.Machine)} is not ARM64 (0xAA64)`);
  if ((coff.Characteristics & IMAGE_FILE.EXECUTABLE_IMAGE) === 0) fail(`COFF Characteristics ${hex(coff.Characteristics)} lack IMAGE_FILE_EXECUTABLE_IMAGE (0x2): an object file, not an image`);

  // Optional header
  const optSize = coff.SizeOfOptionalHeader;
  if (optSize < 2) fail(`SizeOfOptionalHeader ${optSize} leaves no room for the optional header magic`);
  if (optOff + 2 > fileLen) fail(`optional header truncated: the file ends at ${hex(fileLen)}, before the optional header magic at ${hex(optOff)}`);
  const magic = bytes[optOff]! | (bytes[optOff + 1]! << 8);
  if (magic !== PE32PLUS_MAGIC) {
    const what = magic === PE32_MAGIC ? ' (PE32)' : magic === ROM_MAGIC ? ' (ROM)' : '';
    fail(`optional header magic ${hex(magic)}${what} is not PE32+ (0x20b)`);
  }
  if (optSize < OPTIONAL_HEADER_PE32PLUS.size) fail(`SizeOfOptionalHeader ${optSize} is smaller than the ${OPTIONAL_HEADER_PE32PLUS.size}-byte PE32+ optional header`);
  if (optOff + optSize > fileLen) fail(`optional header truncated: SizeOfOptionalHeader ${optSize} at ${hex(optOff)} runs past the end of the ${fileLen}-byte file`);
  const opt = readStruct(bytes, optOff, OPTIONAL_HEADER_PE32PLUS);
  const nDirs = opt.NumberOfRvaAndSizes;
  const dirBytes = optSize - OPTIONAL_HEADER_PE32PLUS.size;
  if (nDirs > MAX_DATA_DIRECTORIES) fail(`NumberOfRvaAndSizes ${nDirs} exceeds the ${MAX_DATA_DIRECTORIES} data directories PE32+ defines`);
  if (nDirs * DATA_DIRECTORY.size > dirBytes) fail(`NumberOfRvaAndSizes ${nDirs} does not fit in SizeOfOptionalHeader ${optSize}`);
  const dataDirectories: DataDirectory[] = [];
  for (let i = 0; i < MAX_DATA_DIRECTORIES; i++) {
    if (i < nDirs) {
      const d = readStruct(bytes, optOff + OPTIONAL_HEADER_PE32PLUS.size + i * DATA_DIRECTORY.size, DATA_DIRECTORY);
      dataDirectories.push({ rva: d.VirtualAddress, size: d.Size });
    } else {
      dataDirectories.push({ rva: 0, size: 0 });
    }
  }

  const sizeOfImage = opt.SizeOfImage;
  const sizeOfHeaders = opt.SizeOfHeaders;
  const sectionAlignment = opt.SectionAlignment;
  const fileAlignment = opt.FileAlignment;
  if (sizeOfImage > LIMITS.maxImageSize) fail(`SizeOfImage ${hex(sizeOfImage)} exceeds the limit of ${hex(LIMITS.maxImageSize)} (${mib(LIMITS.maxImageSize)})`);
  if (opt.SizeOfStackReserve > BigInt(LIMITS.maxStackReserve)) {
    fail(`SizeOfStackReserve ${hex(opt.SizeOfStackReserve)} exceeds the limit of ${hex(LIMITS.maxStackReserve)} (${mib(LIMITS.maxStackReserve)})`);
  }
  if (!isPow2(sectionAlignment)) fail(`SectionAlignment ${hex(sectionAlignment)} is not a power of two`);
  if (sectionAlignment < LIMITS.pageSize) fail(`SectionAlignment ${hex(sectionAlignment)} is below the page size ${hex(LIMITS.pageSize)} (low-alignment images are not supported)`);
  if (!isPow2(fileAlignment)) fail(`FileAlignment ${hex(fileAlignment)} is not a power of two`);
  if (opt.ImageBase % 0x10000n !== 0n) fail(`ImageBase ${hex(opt.ImageBase)} is not a multiple of 64 KiB`);
  if (opt.ImageBase + BigInt(sizeOfImage) > 1n << 64n) fail(`ImageBase ${hex(opt.ImageBase)} + SizeOfImage ${hex(sizeOfImage)} overflows the address space`);

  // Section table
  const nsec = coff.NumberOfSections;
  const secOff = optOff + optSize;
  if (nsec === 0) fail('NumberOfSections is 0: the image has no sections');
  if (nsec > LIMITS.maxSections) fail(`NumberOfSections ${nsec} exceeds the limit of ${LIMITS.maxSections}`);
  const secEnd = secOff + nsec * SECTION_HEADER.size;
  if (secEnd > fileLen) fail(`section table (${nsec} entries at ${hex(secOff)}) runs past the end of the ${fileLen}-byte file`);
  if (sizeOfHeaders < secEnd) fail(`SizeOfHeaders ${hex(sizeOfHeaders)} does not cover the section table, which ends at ${hex(secEnd)}`);
  if (sizeOfHeaders > fileLen) fail(`SizeOfHeaders ${hex(sizeOfHeaders)} runs past the end of the ${fileLen}-byte file`);
  if (sizeOfImage < sizeOfHeaders) fail(`SizeOfImage ${hex(sizeOfImage)} is smaller than SizeOfHeaders ${hex(sizeOfHeaders)}`);

  const strtab = readStringTable(bytes, coff.PointerToSymbolTable, coff.NumberOfSymbols, fail);
  const imageSpan = alignUp(sizeOfImage, sectionAlignment);
  const sections: PeSection[] = [];
  for (let i = 0; i < nsec; i++) {
    const h = readStruct(bytes, secOff + i * SECTION_HEADER.size, SECTION_HEADER);
    const number = i + 1;
    const name = sectionName(bytes, h.Name, number, strtab, fail);
    const label = `section ${number} (${name})`;
    const vsize = h.VirtualSize !== 0 ? h.VirtualSize : h.SizeOfRawData;
    const rva = h.VirtualAddress;
    if (rva % sectionAlignment !== 0) fail(`${label} RVA ${hex(rva)} is not a multiple of SectionAlignment ${hex(sectionAlignment)}`);
    if (rva < sizeOfHeaders) fail(`${label} RVA ${hex(rva)} is inside the headers (SizeOfHeaders ${hex(sizeOfHeaders)})`);
    const mappedSize = alignUp(vsize, sectionAlignment);
    if (rva + vsize > sizeOfImage || rva + mappedSize > imageSpan) {
      fail(`${label} virtual range ${hex(rva)}-${hex(rva + vsize)} is outside SizeOfImage ${hex(sizeOfImage)}`);
    }
    const prev = sections[sections.length - 1];
    if (prev !== undefined) {
      if (rva < prev.rva) fail(`${label} RVA ${hex(rva)} is below section ${prev.number} (${prev.name}) at ${hex(prev.rva)}: sections must be in ascending order`);
      if (rva < prev.rva + prev.mappedSize) {
        fail(`${label} virtual range ${hex(rva)}-${hex(rva + mappedSize)} overlaps section ${prev.number} (${prev.name}) at ${hex(prev.rva)}-${hex(prev.rva + prev.mappedSize)}`);
      }
    }
    if (h.SizeOfRawData > 0 && h.PointerToRawData + h.SizeOfRawData > fileLen) {
      fail(`${label} raw data ${hex(h.PointerToRawData)}-${hex(h.PointerToRawData + h.SizeOfRawData)} runs past the end of the ${fileLen}-byte file`);
    }
    const c = h.Characteristics;
    sections.push({
      number,
      name,
      rva,
      virtualSize: h.VirtualSize,
      rawOffset: h.PointerToRawData,
      rawSize: h.SizeOfRawData,
      characteristics: c,
      protection: {
        read: (c & IMAGE_SCN.MEM_READ) !== 0,
        write: (c & IMAGE_SCN.MEM_WRITE) !== 0,
        execute: (c & IMAGE_SCN.MEM_EXECUTE) !== 0,
      },
      mappedSize,
      initializedSize: Math.min(h.SizeOfRawData, mappedSize),
    });
  }

  const reader = new ImageReader(file, bytes, sizeOfImage, sizeOfHeaders, sections);

  const entryPointRva = opt.AddressOfEntryPoint;
  if (entryPointRva !== 0 || (coff.Characteristics & IMAGE_FILE.DLL) === 0) {
    const s = findSection(sections, entryPointRva);
    if (entryPointRva >= sizeOfImage) fail(`entry point RVA ${hex(entryPointRva)} is outside the image (SizeOfImage ${hex(sizeOfImage)})`);
    if (s === undefined || !s.protection.execute) fail(`entry point RVA ${hex(entryPointRva)} is not inside an executable section`);
  }

  const imports = parseImports(reader, dataDirectories[DIR.IMPORT]!);
  const relocDir = dataDirectories[DIR.BASERELOC]!;
  const relocations = parseRelocations(reader, relocDir, fileLen);
  const relocatable = relocDir.size > 0 && (coff.Characteristics & IMAGE_FILE.RELOCS_STRIPPED) === 0;
  const exports = parseExports(reader, dataDirectories[DIR.EXPORT]!);
  const tlsDirectory = parseTls(reader, dataDirectories[DIR.TLS]!, opt.ImageBase, sizeOfImage);

  const coffSymbols = parseCoffSymbols(bytes, coff.PointerToSymbolTable, coff.NumberOfSymbols, strtab, sections, fail);
  const goPclntab = findGoPclntab(file, bytes, sections, coffSymbols, opt.ImageBase, sizeOfImage);
  const symbols = mergeSymbols(coffSymbols, goPclntab, sections);

  const img: PeImage = {
    file,
    bytes,
    machine: coff.Machine,
    characteristics: coff.Characteristics,
    timeDateStamp: coff.TimeDateStamp,
    imageBase: opt.ImageBase,
    sizeOfImage,
    sizeOfHeaders,
    entryPointRva,
    sectionAlignment,
    fileAlignment,
    subsystem: opt.Subsystem,
    dllCharacteristics: opt.DllCharacteristics,
    stackReserve: opt.SizeOfStackReserve,
    stackCommit: opt.SizeOfStackCommit,
    heapReserve: opt.SizeOfHeapReserve,
    heapCommit: opt.SizeOfHeapCommit,
    dataDirectories,
    sections,
    imports,
    relocations,
    relocatable,
    symbols,
    coffSymbolCount: coffSymbols.length,
  };
  if (exports !== undefined) img.exports = exports;
  if (tlsDirectory !== undefined) img.tlsDirectory = tlsDirectory;
  if (goPclntab !== undefined) img.goPclntab = goPclntab;
  const goVersion = findGoVersion(bytes, sections);
  if (goVersion !== undefined) img.goVersion = goVersion;
  return img;
}

// ---------------------------------------------------------------------------------------------------------
// COFF string table, section names, symbols

interface StringTable {
  /** File offset of the table (its 4-byte size field). */
  offset: number;
  size: number;
}

function readStringTable(bytes: Uint8Array, ptr: number, count: number, fail: (d: string) => never): StringTable | undefined {
  if (ptr === 0 || count === 0) return undefined;
  if (count > LIMITS.maxSymbols) fail(`NumberOfSymbols ${count} exceeds the limit of ${LIMITS.maxSymbols}`);
  const end = ptr + count * COFF_SYMBOL.size;
  if (end > bytes.length) fail(`COFF symbol table (${count} symbols at ${hex(ptr)}) runs past the end of the ${bytes.length}-byte file`);
  if (end + 4 > bytes.length) return undefined; // no string table: only short names are usable
  const size = new DataView(bytes.buffer, bytes.byteOffset + end, 4).getUint32(0, true);
  if (size < 4) fail(`COFF string table at ${hex(end)} has size ${size} (must be at least 4)`);
  if (end + size > bytes.length) fail(`COFF string table (${hex(size)} bytes at ${hex(end)}) runs past the end of the ${bytes.length}-byte file`);
  return { offset: end, size };
}

function stringTableEntry(bytes: Uint8Array, st: StringTable, off: number, what: string, fail: (d: string) => never): string {
  if (off < 4 || off >= st.size) fail(`${what} refers to offset ${off} outside the COFF string table (size ${st.size})`);
  const slice = bytes.subarray(st.offset + off, st.offset + Math.min(st.size, off + LIMITS.maxNameLength + 1));
  const nul = slice.indexOf(0);
  if (nul < 0) fail(`${what} at COFF string table offset ${off} is not NUL-terminated`);
  return utf8(slice.subarray(0, nul));
}

function shortName(raw: Uint8Array): string {
  const nul = raw.indexOf(0);
  return latin1(nul < 0 ? raw : raw.subarray(0, nul));
}

function sectionName(bytes: Uint8Array, raw: Uint8Array, number: number, st: StringTable | undefined, fail: (d: string) => never): string {
  const short = shortName(raw);
  const m = /^\/(\d{1,7})$/.exec(short);
  if (m === null) return short;
  // Without a COFF string table (e.g. stripped) keep "/4" as the name, as dumpbin does: Windows ignores names.
  if (st === undefined) return short;
  return stringTableEntry(bytes, st, Number(m[1]), `section ${number} name "${short}"`, fail);
}

interface CoffSymbol {
  name: string;
  rva: number;
  section: PeSection;
  storageClass: number;
}

function parseCoffSymbols(
  bytes: Uint8Array,
  ptr: number,
  count: number,
  st: StringTable | undefined,
  sections: readonly PeSection[],
  fail: (d: string) => never,
): CoffSymbol[] {
  if (ptr === 0 || count === 0) return [];
  // readStringTable already checked count and that the records fit in the file.
  const out: CoffSymbol[] = [];
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < count; i++) {
    // IMAGE_SYMBOL fields (see COFF_SYMBOL), read directly: this loop runs for thousands of records.
    const rec = ptr + i * COFF_SYMBOL.size;
    const value = dv.getUint32(rec + 8, true);
    const sectionNumber = dv.getInt16(rec + 12, true);
    const cls = dv.getUint8(rec + 16);
    const aux = dv.getUint8(rec + 17);
    const index = i;
    i += aux;
    if (sectionNumber < 1) continue; // undefined, absolute or debug
    if (cls !== IMAGE_SYM_CLASS.EXTERNAL && cls !== IMAGE_SYM_CLASS.STATIC && cls !== IMAGE_SYM_CLASS.LABEL && cls !== IMAGE_SYM_CLASS.FUNCTION) continue;
    if (cls === IMAGE_SYM_CLASS.STATIC && aux > 0) continue; // section definition record
    const section = sections[sectionNumber - 1];
    if (section === undefined) fail(`COFF symbol ${index} refers to section ${sectionNumber}, but the image has ${sections.length} sections`);
    if (value >= section.mappedSize) continue; // not inside its section
    let name: string;
    if (dv.getUint32(rec, true) === 0) {
      const off = dv.getUint32(rec + 4, true);
      if (st === undefined) fail(`COFF symbol ${index} has a long name but the image has no COFF string table`);
      name = stringTableEntry(bytes, st, off, `COFF symbol ${index} name`, fail);
    } else {
      name = shortName(bytes.subarray(rec, rec + 8));
    }
    if (name === '') continue;
    out.push({ name, rva: section.rva + value, section, storageClass: cls });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// Go pclntab and symbol merging

/**
 * runtime.moduledata's leading fields (runtime/symtab.go, unchanged from Go 1.18 to 1.27): pcHeader
 * *pcHeader; funcnametab, cutab, filetab, pctab, pclntable, ftab slices; findfunctab, minpc, maxpc uintptr;
 * text, etext uintptr. Pointers are VAs at the preferred ImageBase in the file (base-relocated at load).
 */
const MODULEDATA = { pcHeader: 0, funcnametab: 8, text: 176, size: 184 } as const;

function findGoPclntab(
  file: string,
  bytes: Uint8Array,
  sections: readonly PeSection[],
  coffSymbols: readonly CoffSymbol[],
  imageBase: bigint,
  sizeOfImage: number,
): GoPclntab | undefined {
  const viewAt = (rva: number): Uint8Array | undefined => {
    const s = findSection(sections, rva);
    if (s === undefined) return undefined;
    const off = rva - s.rva;
    if (off >= s.initializedSize) return undefined;
    return bytes.subarray(s.rawOffset + off, s.rawOffset + s.initializedSize);
  };
  const word = (data: Uint8Array, off: number): bigint => new DataView(data.buffer, data.byteOffset + off, 8).getBigUint64(0, true);
  // The moduledata the runtime would use for this pcHeader: the one whose first two words point at the
  // header and at its funcnametab (the runtime's firstmoduledata; a stray copy of one pointer is not enough).
  const findModuledata = (pclnRva: number, h: PcHeader): number | undefined => {
    const va = imageBase + BigInt(pclnRva);
    const pattern = Buffer.alloc(16);
    pattern.writeBigUInt64LE(va & U64, MODULEDATA.pcHeader);
    pattern.writeBigUInt64LE((va + BigInt(h.funcnameOffset)) & U64, MODULEDATA.funcnametab);
    for (const s of sections) {
      if (s.protection.execute || !s.protection.write || s.initializedSize < MODULEDATA.size) continue;
      const data = Buffer.from(bytes.buffer, bytes.byteOffset + s.rawOffset, s.initializedSize);
      for (let at = data.indexOf(pattern); at >= 0; at = data.indexOf(pattern, at + 1)) {
        if (at % 8 === 0 && at + MODULEDATA.size <= data.length) return s.rva + at;
      }
    }
    return undefined;
  };
  const parseWith = (data: Uint8Array, pclnRva: number, mdRva: number): GoPclntab => {
    const md = viewAt(mdRva);
    const where = `Go moduledata at RVA ${hex(mdRva)}`;
    if (md === undefined || md.length < MODULEDATA.size) throw new BadImageError(file, `${where} has fewer than ${MODULEDATA.size} bytes of file data`);
    const pclnVa = imageBase + BigInt(pclnRva);
    const hdr = word(md, MODULEDATA.pcHeader);
    if (hdr !== pclnVa) throw new BadImageError(file, `${where}: pcHeader ${hex(hdr)} is not runtime.pclntab at ${hex(pclnVa)}`);
    const text = word(md, MODULEDATA.text);
    const textRva = text - imageBase;
    const sec = textRva >= 0n && textRva < BigInt(sizeOfImage) ? findSection(sections, Number(textRva)) : undefined;
    if (sec === undefined || !sec.protection.execute) {
      throw new BadImageError(file, `${where}: text ${hex(text)} is not inside an executable section (ImageBase ${hex(imageBase)})`);
    }
    return parseGoPclntab(data, file, pclnRva, { va: text, rva: Number(textRva) }, sizeOfImage);
  };
  // 1. The linker's own symbols, when the COFF table survived.
  const sym = coffSymbols.find((s) => s.name === 'runtime.pclntab');
  if (sym !== undefined) {
    const data = viewAt(sym.rva);
    if (data === undefined) throw new BadImageError(file, `runtime.pclntab at RVA ${hex(sym.rva)} has no file data`);
    const h = readPcHeader(data, file, sym.rva);
    const md = coffSymbols.find((s) => s.name === 'runtime.firstmoduledata')?.rva ?? findModuledata(sym.rva, h);
    if (md === undefined) throw new BadImageError(file, `Go pclntab at RVA ${hex(sym.rva)}: no moduledata points to it, so its functions' text start is unknown`);
    return parseWith(data, sym.rva, md);
  }
  // 2. Stripped (-ldflags=-s): scan read-only data sections for the header, and accept a candidate only if a
  //    moduledata points to it, as the runtime's does.
  for (const s of sections) {
    if (s.protection.execute || s.initializedSize < 72) continue;
    const data = bytes.subarray(s.rawOffset, s.rawOffset + s.initializedSize);
    for (const at of findPclntabCandidates(data, 4)) {
      let h: PcHeader;
      try {
        h = readPcHeader(data.subarray(at), file, s.rva + at);
      } catch (e) {
        if (e instanceof BadImageError) continue; // header-shaped bytes that are not a pclntab
        throw e;
      }
      const md = findModuledata(s.rva + at, h);
      if (md !== undefined) return parseWith(data.subarray(at), s.rva + at, md);
    }
  }
  return undefined;
}

/** The build info's Go version, from the section debug/buildinfo searches: the first plain writable data section. */
function findGoVersion(bytes: Uint8Array, sections: readonly PeSection[]): string | undefined {
  const wanted = (IMAGE_SCN.CNT_INITIALIZED_DATA | IMAGE_SCN.MEM_READ | IMAGE_SCN.MEM_WRITE) >>> 0;
  const align32 = 0x0060_0000; // IMAGE_SCN_ALIGN_32BYTES, the one alignment debug/buildinfo tolerates
  const s = sections.find((x) => x.rawSize !== 0 && (x.characteristics & ~align32) >>> 0 === wanted);
  if (s === undefined || s.initializedSize === 0) return undefined;
  return readGoVersion(bytes.subarray(s.rawOffset, s.rawOffset + s.initializedSize));
}

function mergeSymbols(coff: readonly CoffSymbol[], go: GoPclntab | undefined, sections: readonly PeSection[]): PeSymbol[] {
  interface Work extends PeSymbol {
    rank: number;
    exact: boolean;
  }
  // Pair each pclntab function with the COFF symbol at its entry that names it best: the same name, then
  // the name with Go's ".abi0" suffix, then an external symbol, then anything but a linker marker such as
  // runtime.text (which shares its address with the first function).
  const coffAt = new Map<number, number[]>();
  coff.forEach((c, i) => {
    if (!c.section.protection.execute) return;
    const list = coffAt.get(c.rva);
    if (list === undefined) coffAt.set(c.rva, [i]);
    else list.push(i);
  });
  const paired = new Map<number, GoPclntab['functions'][number]>(); // coff index -> go function
  const goOnly: GoPclntab['functions'] = [];
  const seenEntry = new Set<number>();
  // pclntab names an ABI0 wrapper as the Go function it calls (runtime.exceptionhandler at two entries), so a
  // disassembly read `runtime.exceptionhandler+0x18 bl runtime.exceptionhandler`; the COFF table spells the wrapper
  // `runtime.exceptionhandler.abi0`. Only names pclntab gives twice take it: an assembly function, ABI0 itself and
  // alone with its name, keeps the name Go's tracebacks print (runtime.asmstdcall, not runtime.asmstdcall.abi0).
  const entriesNamed = new Map<string, Set<number>>();
  for (const f of go?.functions ?? []) {
    const set = entriesNamed.get(f.name) ?? new Set<number>();
    set.add(f.entryRva);
    entriesNamed.set(f.name, set);
  }
  for (const f of go?.functions ?? []) {
    if (seenEntry.has(f.entryRva)) continue; // two pclntab records at one entry: keep the first
    seenEntry.add(f.entryRva);
    const cands = coffAt.get(f.entryRva) ?? [];
    const score = (i: number): number => {
      const c = coff[i]!;
      if (c.name === f.name) return 0;
      if (c.name === `${f.name}.abi0`) return 1;
      if (c.storageClass === IMAGE_SYM_CLASS.EXTERNAL) return 2;
      return c.storageClass === IMAGE_SYM_CLASS.STATIC && !c.name.startsWith('runtime.') ? 3 : 4;
    };
    let best: number | undefined;
    for (const i of cands) if (!paired.has(i) && (best === undefined || score(i) < score(best))) best = i;
    if (best === undefined) goOnly.push(f);
    else paired.set(best, f);
  }
  const out: Work[] = [];
  coff.forEach((c, i) => {
    const kind = c.section.protection.execute ? 'function' : 'data';
    const g = paired.get(i);
    if (g !== undefined) {
      const wrapper = c.name === `${g.name}.abi0` && entriesNamed.get(g.name)!.size > 1;
      const w: Work = { name: wrapper ? c.name : g.name, rva: c.rva, size: g.endRva - c.rva, section: c.section.name, kind, source: 'coff+pclntab', rank: 0, exact: true };
      if (w.name !== c.name) w.coffName = c.name;
      out.push(w);
    } else {
      const rank = c.storageClass === IMAGE_SYM_CLASS.EXTERNAL ? 1 : 2;
      out.push({ name: c.name, rva: c.rva, size: 0, section: c.section.name, kind, source: 'coff', rank, exact: false });
    }
  });
  for (const f of goOnly) {
    const s = findSection(sections, f.entryRva);
    if (s === undefined) continue;
    out.push({ name: f.name, rva: f.entryRva, size: f.endRva - f.entryRva, section: s.name, kind: 'function', source: 'pclntab', rank: 0, exact: true });
  }
  out.sort((a, b) => a.rva - b.rva || a.rank - b.rank);
  // Sizes for COFF-only symbols: up to the next symbol at a higher address in the same section, or the
  // section's end. One backward pass keeps this linear however many symbols share an address.
  let nextRva = Infinity;
  for (let i = out.length - 1; i >= 0; i--) {
    const w = out[i]!;
    const later = out[i + 1];
    if (later !== undefined && later.rva > w.rva) nextRva = later.rva;
    if (w.exact) continue;
    const sec = findSection(sections, w.rva)!;
    const end = Math.min(nextRva, sec.rva + Math.max(sec.virtualSize, sec.initializedSize));
    w.size = Math.max(0, end - w.rva);
  }
  return out.map(({ rank: _r, exact: _e, ...s }) => s);
}

// ---------------------------------------------------------------------------------------------------------
// Imports, relocations, exports, TLS

function parseImports(r: ImageReader, dir: DataDirectory): ImportedDll[] {
  if (dir.rva === 0 || dir.size === 0) return [];
  r.check(dir.rva, Math.min(dir.size, IMPORT_DESCRIPTOR.size), 'import directory');
  const out: ImportedDll[] = [];
  let total = 0;
  for (let i = 0; ; i++) {
    if (i >= LIMITS.maxImportDescriptors) r.fail(`import directory is not terminated within ${LIMITS.maxImportDescriptors} descriptors`);
    const d = r.struct(dir.rva + i * IMPORT_DESCRIPTOR.size, IMPORT_DESCRIPTOR, `import descriptor ${i}`);
    if (d.OriginalFirstThunk === 0 && d.Name === 0 && d.FirstThunk === 0 && d.TimeDateStamp === 0 && d.ForwarderChain === 0) break;
    if (d.Name === 0) r.fail(`import descriptor ${i} has no DLL name (Name RVA 0)`);
    const dll = r.cstring(d.Name, `import descriptor ${i} DLL name`);
    if (dll === '') r.fail(`import descriptor ${i} DLL name at RVA ${hex(d.Name)} is empty`);
    // A DLL name is a file name, and Windows file names hold no control characters: no DLL could be found.
    const bad = /[\x00-\x1f\x7f]/.exec(dll);
    if (bad !== null) r.fail(`import descriptor ${i} DLL name at RVA ${hex(d.Name)} holds the control character ${hex(bad[0].charCodeAt(0))}, which no file name can`);
    if (d.FirstThunk === 0) r.fail(`import descriptor ${i} (${dll}) has no import address table (FirstThunk 0)`);
    const lookup = d.OriginalFirstThunk !== 0 ? d.OriginalFirstThunk : d.FirstThunk;
    const functions: ImportedFunction[] = [];
    for (let j = 0; ; j++) {
      if (j >= LIMITS.maxThunksPerDll) r.fail(`import descriptor ${i} (${dll}) thunk table is not terminated within ${LIMITS.maxThunksPerDll} entries`);
      const thunk = r.u64(lookup + j * THUNK64_SIZE, `import descriptor ${i} (${dll}) lookup entry ${j}`);
      if (thunk === 0n) break;
      if (++total > LIMITS.maxImportsTotal) r.fail(`import directory lists more than ${LIMITS.maxImportsTotal} functions`);
      const iatRva = d.FirstThunk + j * THUNK64_SIZE;
      r.check(iatRva, THUNK64_SIZE, `import descriptor ${i} (${dll}) IAT slot ${j}`);
      if ((thunk & IMAGE_ORDINAL_FLAG64) !== 0n) {
        functions.push({ ordinal: Number(thunk & 0xffffn), iatRva });
      } else {
        if (thunk > 0x7fffffffn) r.fail(`import descriptor ${i} (${dll}) entry ${j} hint/name RVA ${hex(thunk)} is outside the image`);
        const hn = Number(thunk);
        const hint = r.u16(hn, `import descriptor ${i} (${dll}) entry ${j} hint/name`);
        const name = r.cstring(hn + 2, `import descriptor ${i} (${dll}) entry ${j} name`);
        functions.push({ name, hint, iatRva });
      }
    }
    out.push({ dll, functions });
  }
  checkFunctionsPerDll(r, out);
  return out;
}

/** Every distinct function bound from one DLL (descriptors for the same DLL share its stubs) needs a stub. */
function checkFunctionsPerDll(r: ImageReader, dlls: readonly ImportedDll[]): void {
  const byDll = new Map<string, Set<string>>();
  for (const d of dlls) {
    const key = d.dll.toLowerCase();
    let names = byDll.get(key);
    if (names === undefined) byDll.set(key, (names = new Set()));
    for (const f of d.functions) names.add(f.name ?? `#${f.ordinal}`);
    if (names.size > LIMITS.maxFunctionsPerDll) {
      r.fail(`import directory binds more than ${LIMITS.maxFunctionsPerDll} distinct functions of ${d.dll}, the most an emulated DLL holds`);
    }
  }
}

function parseRelocations(r: ImageReader, dir: DataDirectory, fileLen: number): Relocation[] {
  if (dir.rva === 0 || dir.size === 0) return [];
  // Relocation blocks are file data: a directory larger than the file would only make bytesAt zero-fill a copy.
  if (dir.size > fileLen) r.fail(`base relocation directory (${hex(dir.size)} bytes) is larger than the ${fileLen}-byte file`);
  const data = r.bytesAt(dir.rva, dir.size, 'base relocation directory');
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const out: Relocation[] = [];
  let spanStart = 0;
  let spanEnd = 0; // the region of the last checked target, to skip the lookup for its neighbours
  let off = 0;
  while (off < data.length) {
    const at = dir.rva + off;
    if (data.length - off < BASE_RELOCATION_BLOCK.size) {
      r.fail(`base relocation block at RVA ${hex(at)} is truncated: ${data.length - off} bytes left in the directory, the header needs 8`);
    }
    const page = dv.getUint32(off, true);
    const blockSize = dv.getUint32(off + 4, true);
    if (blockSize < BASE_RELOCATION_BLOCK.size || blockSize % 2 !== 0) {
      r.fail(`base relocation block at RVA ${hex(at)} has SizeOfBlock ${blockSize} (must be at least 8 and even)`);
    }
    if (blockSize > data.length - off) {
      r.fail(`base relocation block at RVA ${hex(at)} has SizeOfBlock ${hex(blockSize)}, past the end of the directory (${hex(data.length - off)} bytes left)`);
    }
    if (page >= r.sizeOfImage) r.fail(`base relocation block at RVA ${hex(at)} is for page RVA ${hex(page)}, outside the image`);
    for (let e = off + 8; e < off + blockSize; e += 2) {
      const entry = dv.getUint16(e, true);
      const type = entry >> 12;
      if (type === IMAGE_REL_BASED.ABSOLUTE) continue;
      const rva = page + (entry & 0xfff);
      const width = SUPPORTED_RELOCATIONS.get(type);
      if (width === undefined) r.fail(`unsupported base relocation type ${type} (${relocName(type)}) for RVA ${hex(rva)}`);
      if (rva < spanStart || rva + width > spanEnd) {
        const what = `base relocation (${relocName(type)}) target`;
        r.check(rva, width, what);
        ({ start: spanStart, end: spanEnd } = r.region(rva, what));
      }
      out.push({ rva, type });
    }
    off += blockSize;
  }
  return out;
}

function parseExports(r: ImageReader, dir: DataDirectory): PeExports | undefined {
  if (dir.rva === 0 || dir.size === 0) return undefined;
  const d = r.struct(dir.rva, EXPORT_DIRECTORY, 'export directory');
  const dll = d.Name !== 0 ? r.cstring(d.Name, 'export directory DLL name') : '';
  const n = d.NumberOfFunctions;
  const names = d.NumberOfNames;
  if (n > LIMITS.maxExports) r.fail(`export directory NumberOfFunctions ${n} exceeds the limit of ${LIMITS.maxExports}`);
  if (names > n) r.fail(`export directory NumberOfNames ${names} exceeds NumberOfFunctions ${n}`);
  const funcs = n > 0 ? r.bytesAt(d.AddressOfFunctions, n * 4, 'export address table') : new Uint8Array(0);
  const nameRvas = names > 0 ? r.bytesAt(d.AddressOfNames, names * 4, 'export name pointer table') : new Uint8Array(0);
  const ords = names > 0 ? r.bytesAt(d.AddressOfNameOrdinals, names * 2, 'export ordinal table') : new Uint8Array(0);
  const fdv = new DataView(funcs.buffer, funcs.byteOffset, funcs.byteLength);
  const ndv = new DataView(nameRvas.buffer, nameRvas.byteOffset, nameRvas.byteLength);
  const odv = new DataView(ords.buffer, ords.byteOffset, ords.byteLength);
  const nameOf = new Map<number, string>();
  for (let i = 0; i < names; i++) {
    const idx = odv.getUint16(i * 2, true);
    if (idx >= n) r.fail(`export name ${i} has ordinal index ${idx}, past NumberOfFunctions ${n}`);
    if (!nameOf.has(idx)) nameOf.set(idx, r.cstring(ndv.getUint32(i * 4, true), `export name ${i}`));
  }
  const functions: ExportedFunction[] = [];
  for (let i = 0; i < n; i++) {
    const rva = fdv.getUint32(i * 4, true);
    if (rva === 0) continue;
    const f: ExportedFunction = { ordinal: d.Base + i };
    const name = nameOf.get(i);
    if (name !== undefined) f.name = name;
    if (rva >= dir.rva && rva < dir.rva + dir.size) f.forwarder = r.cstring(rva, `export ${name ?? `ordinal ${d.Base + i}`} forwarder`);
    else {
      r.check(rva, 1, `export ${name ?? `ordinal ${d.Base + i}`}`);
      f.rva = rva;
    }
    functions.push(f);
  }
  return { dll, ordinalBase: d.Base, functions };
}

function parseTls(r: ImageReader, dir: DataDirectory, imageBase: bigint, sizeOfImage: number): PeTls | undefined {
  if (dir.rva === 0 || dir.size === 0) return undefined;
  const t = r.struct(dir.rva, TLS_DIRECTORY64, 'TLS directory');
  const toRva = (va: bigint, what: string): number => {
    if (va === 0n) return 0;
    const rva = va - imageBase;
    if (rva < 0n || rva >= BigInt(sizeOfImage)) r.fail(`TLS directory ${what} VA ${hex(va)} is outside the image (ImageBase ${hex(imageBase)}, SizeOfImage ${hex(sizeOfImage)})`);
    return Number(rva);
  };
  const start = toRva(t.StartAddressOfRawData, 'StartAddressOfRawData');
  const end = toRva(t.EndAddressOfRawData, 'EndAddressOfRawData');
  if (end < start) r.fail(`TLS directory EndAddressOfRawData ${hex(t.EndAddressOfRawData)} is below StartAddressOfRawData ${hex(t.StartAddressOfRawData)}`);
  if (end > start) r.check(start, end - start, 'TLS raw data');
  const indexRva = toRva(t.AddressOfIndex, 'AddressOfIndex');
  const callbacksRva = toRva(t.AddressOfCallBacks, 'AddressOfCallBacks');
  const callbackRvas: number[] = [];
  if (callbacksRva !== 0) {
    for (let i = 0; ; i++) {
      if (i >= LIMITS.maxTlsCallbacks) r.fail(`TLS callback array at RVA ${hex(callbacksRva)} is not terminated within ${LIMITS.maxTlsCallbacks} entries`);
      const va = r.u64(callbacksRva + i * 8, `TLS callback ${i}`);
      if (va === 0n) break;
      callbackRvas.push(toRva(va, `callback ${i}`));
    }
  }
  return { rawDataStartRva: start, rawDataEndRva: end, indexRva, callbacksRva, callbackRvas, sizeOfZeroFill: t.SizeOfZeroFill, characteristics: t.Characteristics };
}

// ---------------------------------------------------------------------------------------------------------
// layoutImage

/** Lay the image out at `base` (64 KiB aligned): build page-aligned regions, apply base relocations. */
export function layoutImage(img: PeImage, base: bigint): LoadedImage {
  const page = LIMITS.pageSize;
  if (base <= 0n || base % 0x10000n !== 0n) throw new RangeError(`load base ${hex(base)} is not a non-zero multiple of 64 KiB`);
  // SectionAlignment, not the page: a last section may map up to the next SectionAlignment boundary.
  const size = alignUp(img.sizeOfImage, img.sectionAlignment);
  if (base + BigInt(size) > 1n << 64n) throw new RangeError(`load base ${hex(base)} + size ${hex(size)} overflows the address space`);
  const deltaU = (base - img.imageBase) & U64;
  const delta = base - img.imageBase;
  if (delta !== 0n && !img.relocatable) {
    throw new BadImageError(img.file, `image has no base relocations and cannot be loaded at ${hex(base)} instead of its ImageBase ${hex(img.imageBase)}`);
  }

  const regions: MappedRegion[] = [];
  const hdrSize = alignUp(img.sizeOfHeaders, page);
  const hdr = new Uint8Array(hdrSize);
  hdr.set(img.bytes.subarray(0, img.sizeOfHeaders));
  regions.push({ name: 'headers', rva: 0, address: base, size: hdrSize, protection: { read: true, write: false, execute: false }, bytes: hdr });
  for (const s of img.sections) {
    if (s.mappedSize === 0) continue;
    const rsize = alignUp(s.mappedSize, page);
    const b = new Uint8Array(rsize);
    if (s.initializedSize > 0) b.set(img.bytes.subarray(s.rawOffset, s.rawOffset + s.initializedSize));
    regions.push({ name: s.name, rva: s.rva, address: base + BigInt(s.rva), size: rsize, protection: { ...s.protection }, bytes: b });
  }

  let relocationsApplied = 0;
  if (deltaU !== 0n) {
    const d32 = Number(deltaU & 0xffffffffn);
    const dHi = Number(deltaU >> 32n);
    const lo16 = d32 & 0xffff;
    const hi16 = (d32 >>> 16) & 0xffff;
    let cur = regions[0]!;
    let dv = new DataView(cur.bytes.buffer);
    for (const rel of img.relocations) {
      if (rel.rva < cur.rva || rel.rva >= cur.rva + cur.size) {
        const found = findRegion(regions, rel.rva);
        if (found === undefined) throw new BadImageError(img.file, `base relocation at RVA ${hex(rel.rva)} is not inside a mapped region`);
        cur = found;
        dv = new DataView(cur.bytes.buffer);
      }
      const o = rel.rva - cur.rva;
      switch (rel.type) {
        case IMAGE_REL_BASED.DIR64:
        {
          // 64-bit add as two 32-bit halves with carry (avoids a BigInt per relocation).
          const lo = dv.getUint32(o, true) + d32;
          dv.setUint32(o, lo >>> 0, true);
          dv.setUint32(o + 4, (dv.getUint32(o + 4, true) + dHi + (lo > 0xffffffff ? 1 : 0)) >>> 0, true);
          break;
        }
        case IMAGE_REL_BASED.HIGHLOW:
          dv.setUint32(o, (dv.getUint32(o, true) + d32) >>> 0, true);
          break;
        case IMAGE_REL_BASED.HIGH:
          dv.setUint16(o, (dv.getUint16(o, true) + hi16) & 0xffff, true);
          break;
        case IMAGE_REL_BASED.LOW:
          dv.setUint16(o, (dv.getUint16(o, true) + lo16) & 0xffff, true);
          break;
        default:
          throw new BadImageError(img.file, `unsupported base relocation type ${rel.type} (${relocName(rel.type)}) for RVA ${hex(rel.rva)}`);
      }
      relocationsApplied++;
    }
  }

  const at = (rva: number): bigint => base + BigInt(rva);
  const imports: LoadedImport[] = img.imports.map((d) => ({ dll: d.dll, functions: d.functions.map((f) => ({ ...f, iatAddress: at(f.iatRva) })) }));
  const symbols: LoadedSymbol[] = img.symbols.map((s) => {
    const l: LoadedSymbol = { name: s.name, address: at(s.rva), size: s.size, section: s.section, kind: s.kind };
    if (s.coffName !== undefined) l.aliases = [s.coffName];
    return l;
  });
  const loaded: LoadedImage = {
    image: img,
    base,
    size,
    delta,
    regions,
    entryPoint: at(img.entryPointRva),
    imports,
    relocationsApplied,
    symbols,
    symbolTable: new SymbolTable(symbols),
  };
  if (img.tlsDirectory !== undefined) {
    const t = img.tlsDirectory;
    const va = (rva: number): bigint => (rva === 0 ? 0n : at(rva));
    loaded.tls = {
      rawDataStart: va(t.rawDataStartRva),
      rawDataEnd: va(t.rawDataEndRva),
      index: va(t.indexRva),
      callbacks: t.callbackRvas.map(va),
      sizeOfZeroFill: t.sizeOfZeroFill,
    };
  }
  return loaded;
}

function findRegion(regions: readonly MappedRegion[], rva: number): MappedRegion | undefined {
  let lo = 0;
  let hi = regions.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const r = regions[mid]!;
    if (rva < r.rva) hi = mid - 1;
    else if (rva >= r.rva + r.size) lo = mid + 1;
    else return r;
  }
  return undefined;
}

/** Region holding the address (for patching IAT slots etc. before the caller maps the regions). */
export function regionAt(loaded: LoadedImage, address: bigint): MappedRegion | undefined {
  const rva = address - loaded.base;
  if (rva < 0n || rva >= BigInt(loaded.size)) return undefined;
  return findRegion(loaded.regions, Number(rva));
}

/** Write a little-endian u64 into the laid-out image (e.g. an API stub address into an IAT slot). */
export function writeU64(loaded: LoadedImage, address: bigint, value: bigint): void {
  const r = regionAt(loaded, address);
  const o = r === undefined ? -1 : Number(address - r.address);
  if (r === undefined || o + 8 > r.size) throw new RangeError(`address ${hex(address)} is not inside a mapped region of ${loaded.image.file}`);
  new DataView(r.bytes.buffer, r.bytes.byteOffset).setBigUint64(o, value & U64, true);
}

/** Read a little-endian u64 from the laid-out image. */
export function readU64(loaded: LoadedImage, address: bigint): bigint {
  const r = regionAt(loaded, address);
  const o = r === undefined ? -1 : Number(address - r.address);
  if (r === undefined || o + 8 > r.size) throw new RangeError(`address ${hex(address)} is not inside a mapped region of ${loaded.image.file}`);
  return new DataView(r.bytes.buffer, r.bytes.byteOffset).getBigUint64(o, true);
}

// ---------------------------------------------------------------------------------------------------------
// SymbolTable

export interface SymbolInput {
  name: string;
  address: bigint;
  /** Bytes covered; an address past address+size is not attributed to this symbol. Omitted = up to the next symbol. */
  size?: number;
  aliases?: readonly string[];
}

/**
 * Address → symbol lookup by binary search. Among symbols at the same address the first one given wins
 * (layoutImage passes them in preference order: Go functions, then external, then static COFF symbols).
 * addressOf also accepts aliases (COFF names such as "runtime.asmstdcall.abi0") and, failing an exact
 * match, the name with Go's ".abi0" suffix.
 */
export class SymbolTable {
  private readonly names: string[];
  private readonly starts: bigint[];
  private readonly ends: bigint[];
  private readonly byName = new Map<string, bigint>();

  constructor(symbols: readonly SymbolInput[]) {
    const order = symbols.map((s, i) => ({ s, i }));
    order.sort((a, b) => (a.s.address < b.s.address ? -1 : a.s.address > b.s.address ? 1 : a.i - b.i));
    this.names = new Array(order.length);
    this.starts = new Array(order.length);
    this.ends = new Array(order.length);
    for (let k = 0; k < order.length; k++) {
      const { s } = order[k]!;
      this.names[k] = s.name;
      this.starts[k] = s.address;
      let end: bigint;
      if (s.size !== undefined) end = s.address + BigInt(s.size);
      else {
        let n = k + 1;
        while (n < order.length && order[n]!.s.address === s.address) n++;
        end = n < order.length ? order[n]!.s.address : s.address + 1n;
      }
      this.ends[k] = end;
    }
    for (const { s } of order) {
      if (!this.byName.has(s.name)) this.byName.set(s.name, s.address);
    }
    for (const { s } of order) for (const a of s.aliases ?? []) if (!this.byName.has(a)) this.byName.set(a, s.address);
  }

  get size(): number {
    return this.names.length;
  }

  lookup(addr: bigint): { name: string; offset: bigint; address: bigint } | undefined {
    // Last index with start <= addr.
    let lo = 0;
    let hi = this.starts.length - 1;
    let idx = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.starts[mid]! <= addr) {
        idx = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (idx < 0) return undefined;
    const start = this.starts[idx]!;
    let first = idx;
    while (first > 0 && this.starts[first - 1] === start) first--;
    for (let k = first; k <= idx; k++) {
      if (addr < this.ends[k]!) return { name: this.names[k]!, offset: addr - start, address: start };
    }
    return undefined;
  }

  format(addr: bigint): string {
    const s = this.lookup(addr);
    if (s === undefined) return hex(addr);
    return s.offset === 0n ? s.name : `${s.name}+${hex(s.offset)}`;
  }

  addressOf(name: string): bigint | undefined {
    return this.byName.get(name) ?? this.byName.get(`${name}.abi0`);
  }
}
