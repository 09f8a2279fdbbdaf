// PE/COFF structures as data tables (field name, byte offset, byte size), per the Microsoft PE format spec
// ("PE Format", learn.microsoft.com/windows/win32/debug/pe-format). Only what a PE32+ ARM64 loader needs.
// `readStruct` turns a table into a typed record: 8-byte fields are bigint, 1/2/4-byte fields are number,
// `bytes` fields (fixed-size names) are Uint8Array views. All multi-byte fields are little-endian.
// Bounds are the caller's job (pe.ts checks every range before reading a struct).

export interface FieldDef {
  readonly name: string;
  readonly offset: number;
  readonly size: 1 | 2 | 4 | 8;
  /** 'bytes' = raw byte array (e.g. a section's 8-byte name); otherwise an unsigned integer. */
  readonly kind?: 'bytes' | 'int16';
}

export interface StructDef {
  readonly name: string;
  readonly size: number;
  readonly fields: readonly FieldDef[];
}

type FieldValue<F extends FieldDef> = F extends { kind: 'bytes' } ? Uint8Array : F extends { size: 8 } ? bigint : number;

export type StructOf<S extends StructDef> = { readonly [F in S['fields'][number] as F['name']]: FieldValue<F> };

export function readStruct<S extends StructDef>(bytes: Uint8Array, offset: number, def: S): StructOf<S> {
  if (offset < 0 || offset + def.size > bytes.length) {
    throw new RangeError(`${def.name} at 0x${offset.toString(16)} is out of bounds`);
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: Record<string, number | bigint | Uint8Array> = {};
  for (const f of def.fields) {
    const o = offset + f.offset;
    if (f.kind === 'bytes') out[f.name] = bytes.subarray(o, o + f.size);
    else if (f.kind === 'int16') out[f.name] = dv.getInt16(o, true);
    else if (f.size === 1) out[f.name] = dv.getUint8(o);
    else if (f.size === 2) out[f.name] = dv.getUint16(o, true);
    else if (f.size === 4) out[f.name] = dv.getUint32(o, true);
    else out[f.name] = dv.getBigUint64(o, true);
  }
  return out as StructOf<S>;
}

// ---------------------------------------------------------------------------------------------------------
// Headers

/** IMAGE_DOS_HEADER: only e_magic and e_lfanew matter to a loader. */
export const DOS_HEADER = {
  name: 'DOS header',
  size: 64,
  fields: [
    { name: 'e_magic', offset: 0, size: 2 },
    { name: 'e_lfanew', offset: 60, size: 4 },
  ],
} as const satisfies StructDef;

export const DOS_MAGIC = 0x5a4d; // "MZ"
export const PE_SIGNATURE = 0x00004550; // "PE\0\0"
export const PE_SIGNATURE_SIZE = 4;

/** IMAGE_FILE_HEADER (COFF file header), follows the 4-byte PE signature. */
export const COFF_FILE_HEADER = {
  name: 'COFF file header',
  size: 20,
  fields: [
    { name: 'Machine', offset: 0, size: 2 },
    { name: 'NumberOfSections', offset: 2, size: 2 },
    { name: 'TimeDateStamp', offset: 4, size: 4 },
    { name: 'PointerToSymbolTable', offset: 8, size: 4 },
    { name: 'NumberOfSymbols', offset: 12, size: 4 },
    { name: 'SizeOfOptionalHeader', offset: 16, size: 2 },
    { name: 'Characteristics', offset: 18, size: 2 },
  ],
} as const satisfies StructDef;

/** IMAGE_OPTIONAL_HEADER64 up to and including NumberOfRvaAndSizes; data directories follow at offset 112. */
export const OPTIONAL_HEADER_PE32PLUS = {
  name: 'PE32+ optional header',
  size: 112,
  fields: [
    { name: 'Magic', offset: 0, size: 2 },
    { name: 'MajorLinkerVersion', offset: 2, size: 1 },
    { name: 'MinorLinkerVersion', offset: 3, size: 1 },
    { name: 'SizeOfCode', offset: 4, size: 4 },
    { name: 'SizeOfInitializedData', offset: 8, size: 4 },
    { name: 'SizeOfUninitializedData', offset: 12, size: 4 },
    { name: 'AddressOfEntryPoint', offset: 16, size: 4 },
    { name: 'BaseOfCode', offset: 20, size: 4 },
    { name: 'ImageBase', offset: 24, size: 8 },
    { name: 'SectionAlignment', offset: 32, size: 4 },
    { name: 'FileAlignment', offset: 36, size: 4 },
    { name: 'MajorOperatingSystemVersion', offset: 40, size: 2 },
    { name: 'MinorOperatingSystemVersion', offset: 42, size: 2 },
    { name: 'MajorImageVersion', offset: 44, size: 2 },
    { name: 'MinorImageVersion', offset: 46, size: 2 },
    { name: 'MajorSubsystemVersion', offset: 48, size: 2 },
    { name: 'MinorSubsystemVersion', offset: 50, size: 2 },
    { name: 'Win32VersionValue', offset: 52, size: 4 },
    { name: 'SizeOfImage', offset: 56, size: 4 },
    { name: 'SizeOfHeaders', offset: 60, size: 4 },
    { name: 'CheckSum', offset: 64, size: 4 },
    { name: 'Subsystem', offset: 68, size: 2 },
    { name: 'DllCharacteristics', offset: 70, size: 2 },
    { name: 'SizeOfStackReserve', offset: 72, size: 8 },
    { name: 'SizeOfStackCommit', offset: 80, size: 8 },
    { name: 'SizeOfHeapReserve', offset: 88, size: 8 },
    { name: 'SizeOfHeapCommit', offset: 96, size: 8 },
    { name: 'LoaderFlags', offset: 104, size: 4 },
    { name: 'NumberOfRvaAndSizes', offset: 108, size: 4 },
  ],
} as const satisfies StructDef;

export const PE32_MAGIC = 0x10b;
export const PE32PLUS_MAGIC = 0x20b;
export const ROM_MAGIC = 0x107;

/** IMAGE_DATA_DIRECTORY; an array of NumberOfRvaAndSizes of these ends the optional header. */
export const DATA_DIRECTORY = {
  name: 'data directory',
  size: 8,
  fields: [
    { name: 'VirtualAddress', offset: 0, size: 4 },
    { name: 'Size', offset: 4, size: 4 },
  ],
} as const satisfies StructDef;

/** Data directory indices. */
export const DIR = {
  EXPORT: 0,
  IMPORT: 1,
  RESOURCE: 2,
  EXCEPTION: 3,
  SECURITY: 4,
  BASERELOC: 5,
  DEBUG: 6,
  ARCHITECTURE: 7,
  GLOBALPTR: 8,
  TLS: 9,
  LOAD_CONFIG: 10,
  BOUND_IMPORT: 11,
  IAT: 12,
  DELAY_IMPORT: 13,
  CLR_RUNTIME: 14,
  RESERVED: 15,
} as const;
export const MAX_DATA_DIRECTORIES = 16;

/** IMAGE_SECTION_HEADER. */
export const SECTION_HEADER = {
  name: 'section header',
  size: 40,
  fields: [
    { name: 'Name', offset: 0, size: 8, kind: 'bytes' },
    { name: 'VirtualSize', offset: 8, size: 4 },
    { name: 'VirtualAddress', offset: 12, size: 4 },
    { name: 'SizeOfRawData', offset: 16, size: 4 },
    { name: 'PointerToRawData', offset: 20, size: 4 },
    { name: 'PointerToRelocations', offset: 24, size: 4 },
    { name: 'PointerToLinenumbers', offset: 28, size: 4 },
    { name: 'NumberOfRelocations', offset: 32, size: 2 },
    { name: 'NumberOfLinenumbers', offset: 34, size: 2 },
    { name: 'Characteristics', offset: 36, size: 4 },
  ],
} as const satisfies StructDef;

/** IMAGE_IMPORT_DESCRIPTOR; the table ends with an all-zero descriptor. */
export const IMPORT_DESCRIPTOR = {
  name: 'import descriptor',
  size: 20,
  fields: [
    { name: 'OriginalFirstThunk', offset: 0, size: 4 }, // RVA of the import lookup table (ILT)
    { name: 'TimeDateStamp', offset: 4, size: 4 },
    { name: 'ForwarderChain', offset: 8, size: 4 },
    { name: 'Name', offset: 12, size: 4 }, // RVA of the DLL name
    { name: 'FirstThunk', offset: 16, size: 4 }, // RVA of the import address table (IAT)
  ],
} as const satisfies StructDef;

/** PE32+ import lookup table entry: 64 bits; bit 63 = import by ordinal (low 16 bits), else bits 0-30 = hint/name RVA. */
export const THUNK64_SIZE = 8;
export const IMAGE_ORDINAL_FLAG64 = 1n << 63n;

/** IMAGE_EXPORT_DIRECTORY. */
export const EXPORT_DIRECTORY = {
  name: 'export directory',
  size: 40,
  fields: [
    { name: 'Characteristics', offset: 0, size: 4 },
    { name: 'TimeDateStamp', offset: 4, size: 4 },
    { name: 'MajorVersion', offset: 8, size: 2 },
    { name: 'MinorVersion', offset: 10, size: 2 },
    { name: 'Name', offset: 12, size: 4 },
    { name: 'Base', offset: 16, size: 4 },
    { name: 'NumberOfFunctions', offset: 20, size: 4 },
    { name: 'NumberOfNames', offset: 24, size: 4 },
    { name: 'AddressOfFunctions', offset: 28, size: 4 },
    { name: 'AddressOfNames', offset: 32, size: 4 },
    { name: 'AddressOfNameOrdinals', offset: 36, size: 4 },
  ],
} as const satisfies StructDef;

/** IMAGE_BASE_RELOCATION block header; followed by (SizeOfBlock - 8) / 2 u16 entries: type << 12 | offset. */
export const BASE_RELOCATION_BLOCK = {
  name: 'base relocation block',
  size: 8,
  fields: [
    { name: 'VirtualAddress', offset: 0, size: 4 },
    { name: 'SizeOfBlock', offset: 4, size: 4 },
  ],
} as const satisfies StructDef;

/** IMAGE_TLS_DIRECTORY64: the address fields are VAs (relocated), not RVAs. */
export const TLS_DIRECTORY64 = {
  name: 'TLS directory',
  size: 40,
  fields: [
    { name: 'StartAddressOfRawData', offset: 0, size: 8 },
    { name: 'EndAddressOfRawData', offset: 8, size: 8 },
    { name: 'AddressOfIndex', offset: 16, size: 8 },
    { name: 'AddressOfCallBacks', offset: 24, size: 8 },
    { name: 'SizeOfZeroFill', offset: 32, size: 4 },
    { name: 'Characteristics', offset: 36, size: 4 },
  ],
} as const satisfies StructDef;

/** IMAGE_SYMBOL (COFF symbol table record); the string table follows the last record. */
export const COFF_SYMBOL = {
  name: 'COFF symbol',
  size: 18,
  fields: [
    { name: 'Name', offset: 0, size: 8, kind: 'bytes' }, // short name, or u32 0 + u32 string-table offset
    { name: 'Value', offset: 8, size: 4 },
    { name: 'SectionNumber', offset: 12, size: 2, kind: 'int16' }, // 1-based; 0 undefined, -1 absolute, -2 debug
    { name: 'Type', offset: 14, size: 2 },
    { name: 'StorageClass', offset: 16, size: 1 },
    { name: 'NumberOfAuxSymbols', offset: 17, size: 1 },
  ],
} as const satisfies StructDef;

// ---------------------------------------------------------------------------------------------------------
// Constants

export const IMAGE_FILE_MACHINE_ARM64 = 0xaa64;

/** Machine names for error messages. */
export const MACHINE_NAMES: ReadonlyMap<number, string> = new Map([
  [0x0, 'unknown'],
  [0x14c, 'i386'],
  [0x166, 'MIPS R4000'],
  [0x1c0, 'ARM'],
  [0x1c2, 'ARM Thumb'],
  [0x1c4, 'ARMv7 Thumb-2'],
  [0x200, 'IA-64'],
  [0x5064, 'RISC-V 64'],
  [0x8664, 'x86-64'],
  [0xa641, 'ARM64EC'],
  [0xa64e, 'ARM64X'],
  [0xaa64, 'ARM64'],
]);

/** COFF file header Characteristics. */
export const IMAGE_FILE = {
  RELOCS_STRIPPED: 0x0001,
  EXECUTABLE_IMAGE: 0x0002,
  LARGE_ADDRESS_AWARE: 0x0020,
  DEBUG_STRIPPED: 0x0200,
  DLL: 0x2000,
} as const;

/** Optional header DllCharacteristics. */
export const IMAGE_DLLCHARACTERISTICS = {
  HIGH_ENTROPY_VA: 0x0020,
  DYNAMIC_BASE: 0x0040,
  FORCE_INTEGRITY: 0x0080,
  NX_COMPAT: 0x0100,
  NO_ISOLATION: 0x0200,
  NO_SEH: 0x0400,
  NO_BIND: 0x0800,
  APPCONTAINER: 0x1000,
  WDM_DRIVER: 0x2000,
  GUARD_CF: 0x4000,
  TERMINAL_SERVER_AWARE: 0x8000,
} as const;

export const IMAGE_SUBSYSTEM = {
  UNKNOWN: 0,
  NATIVE: 1,
  WINDOWS_GUI: 2,
  WINDOWS_CUI: 3,
} as const;

/** Section header Characteristics. */
export const IMAGE_SCN = {
  CNT_CODE: 0x00000020,
  CNT_INITIALIZED_DATA: 0x00000040,
  CNT_UNINITIALIZED_DATA: 0x00000080,
  LNK_INFO: 0x00000200,
  LNK_REMOVE: 0x00000800,
  LNK_COMDAT: 0x00001000,
  ALIGN_MASK: 0x00f00000,
  LNK_NRELOC_OVFL: 0x01000000,
  MEM_DISCARDABLE: 0x02000000,
  MEM_NOT_CACHED: 0x04000000,
  MEM_NOT_PAGED: 0x08000000,
  MEM_SHARED: 0x10000000,
  MEM_EXECUTE: 0x20000000,
  MEM_READ: 0x40000000,
  MEM_WRITE: 0x80000000,
} as const;

/** Base relocation types (high 4 bits of each entry). ARM64 images use only ABSOLUTE (padding) and DIR64. */
export const IMAGE_REL_BASED = {
  ABSOLUTE: 0,
  HIGH: 1,
  LOW: 2,
  HIGHLOW: 3,
  HIGHADJ: 4,
  /** 5 is MIPS_JMPADDR / ARM_MOV32 / RISCV_HIGH20 depending on the machine. */
  ARM_MOV32: 5,
  /** 7 is THUMB_MOV32 / RISCV_LOW12S. */
  THUMB_MOV32: 7,
  MIPS_JMPADDR16: 9,
  DIR64: 10,
} as const;

export const RELOCATION_TYPE_NAMES: ReadonlyMap<number, string> = new Map([
  [0, 'ABSOLUTE'],
  [1, 'HIGH'],
  [2, 'LOW'],
  [3, 'HIGHLOW'],
  [4, 'HIGHADJ'],
  [5, 'ARM_MOV32'],
  [6, 'RESERVED'],
  [7, 'THUMB_MOV32'],
  [8, 'RISCV_LOW12S'],
  [9, 'MIPS_JMPADDR16'],
  [10, 'DIR64'],
]);

/** Relocation types this loader applies, with the width in bytes of the word they patch. */
export const SUPPORTED_RELOCATIONS: ReadonlyMap<number, number> = new Map([
  [IMAGE_REL_BASED.HIGH, 2],
  [IMAGE_REL_BASED.LOW, 2],
  [IMAGE_REL_BASED.HIGHLOW, 4],
  [IMAGE_REL_BASED.DIR64, 8],
]);

/** COFF symbol storage classes seen in linked images. */
export const IMAGE_SYM_CLASS = {
  EXTERNAL: 2,
  STATIC: 3,
  LABEL: 6,
  FUNCTION: 101,
  FILE: 103,
  SECTION: 104,
} as const;

// ---------------------------------------------------------------------------------------------------------
// Loader limits (defensive caps; real images are far below them)

export const LIMITS = {
  /**
   * Cap on SizeOfImage. layoutImage allocates the whole image on the host, so this bounds what a 64-byte header
   * can make wintrace allocate; Go programs are a few MB (a huge zero-filled global would be the exception).
   */
  maxImageSize: 0x1000_0000, // 256 MiB
  /** Cap on SizeOfStackReserve: the main thread's stack is reserved and committed at that size. */
  maxStackReserve: 0x1000_0000, // 256 MiB
  /** Cap on NumberOfSections (the PE spec's loader limit is 96). */
  maxSections: 96,
  /** Longest DLL / function / export name read. */
  maxNameLength: 4096,
  maxImportDescriptors: 4096,
  maxThunksPerDll: 65536,
  /** Distinct functions bound from one DLL: an emulated DLL's stub region holds 8192 (windows/stubs.ts). */
  maxFunctionsPerDll: 8192,
  /** Across all DLLs (bounds the work a hostile import table can cause). */
  maxImportsTotal: 1 << 18,
  maxExports: 1 << 20,
  maxTlsCallbacks: 1024,
  maxSymbols: 1 << 22,
  /** Windows' user-mode page size on ARM64 (and the mapping granularity used for regions). */
  pageSize: 0x1000,
} as const;
