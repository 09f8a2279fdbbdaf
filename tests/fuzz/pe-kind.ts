// The "pe" fuzz kind: mutated copies of the fixture programs go through the same load path as `wintrace run`
// (parse, choose a base, lay out), and optionally boot the emulated Windows and run a few instructions.
//
// The input map names every header field of the seed (DOS, COFF, optional header, data directories, section
// table) and the first records of each structure the loader walks (import descriptors and thunks, relocation
// blocks, COFF symbols and string table, Go's pclntab header and function table), using the struct tables of
// pe-structs.ts, so field mutations hit exactly the values the loader trusts.

import { readFileSync } from 'node:fs';
import { BadImageError, WintraceError } from '../../src/errors.ts';
import { UnicornEngine } from '../../src/recorder/engine/unicorn.ts';
import { parsePe } from '../../src/recorder/loader/pe.ts';
import {
  BASE_RELOCATION_BLOCK, COFF_FILE_HEADER, COFF_SYMBOL, DATA_DIRECTORY, DIR, DOS_HEADER, IMPORT_DESCRIPTOR,
  MAX_DATA_DIRECTORIES, OPTIONAL_HEADER_PE32PLUS, SECTION_HEADER, type StructDef, THUNK64_SIZE,
} from '../../src/recorder/loader/pe-structs.ts';
import { guestPath, loadImageBytes } from '../../src/recorder/program.ts';
import { WindowsProcess } from '../../src/recorder/windows/process.ts';
import { fixtureExe } from '../helpers/fixtures.ts';
import { peOffsets, rvaToFileOffset, u32, u64 } from '../helpers/pe-bytes.ts';
import type { CheckResult, FuzzKind, SeedInput } from './kind.ts';
import type { Field, InputMap, Range } from './mutators.ts';

/** Fixtures mutated: the smallest program, one with threads, one with callbacks and one with exceptions. */
const SEED_PROGRAMS = ['hello', 'goroutines', 'callback', 'panic-recover'];

function structFields(prefix: string, def: StructDef, offset: number): Field[] {
  return def.fields.map((f) => ({ name: `${prefix}.${f.name}`, offset: offset + f.offset, size: f.size }));
}

/** Every header field, and the first records of each structure the loader walks. */
export function peInputMap(bytes: Uint8Array, name: string): InputMap {
  const img = parsePe(bytes, name);
  const { pe, coff, opt, sec } = peOffsets(bytes);
  const fields: Field[] = [
    ...structFields('DOS', DOS_HEADER, 0),
    { name: 'PE.Signature', offset: pe, size: 4 },
    ...structFields('COFF', COFF_FILE_HEADER, coff),
    ...structFields('Optional', OPTIONAL_HEADER_PE32PLUS, opt),
  ];
  for (let i = 0; i < MAX_DATA_DIRECTORIES; i++) {
    fields.push(...structFields(`DataDirectory[${i}]`, DATA_DIRECTORY, opt + OPTIONAL_HEADER_PE32PLUS.size + i * DATA_DIRECTORY.size));
  }
  img.sections.forEach((_, i) => fields.push(...structFields(`Section[${i}]`, SECTION_HEADER, sec + i * SECTION_HEADER.size)));
  const hot: Range[] = [[0, img.sizeOfHeaders], [Math.max(0, bytes.length - 64), bytes.length]];
  const around = (at: number | undefined, len: number): void => {
    if (at !== undefined) hot.push([at, Math.min(bytes.length, at + len)]);
  };

  const imp = rvaToFileOffset(img, img.dataDirectories[DIR.IMPORT]!.rva);
  around(imp, img.dataDirectories[DIR.IMPORT]!.size);
  img.imports.forEach((d, i) => {
    if (imp !== undefined) fields.push(...structFields(`ImportDescriptor[${i}]`, IMPORT_DESCRIPTOR, imp + i * IMPORT_DESCRIPTOR.size));
    d.functions.slice(0, 4).forEach((f, j) => {
      const iat = rvaToFileOffset(img, f.iatRva);
      if (iat !== undefined) fields.push({ name: `Import[${i}].Thunk[${j}]`, offset: iat, size: THUNK64_SIZE });
    });
  });

  const relocDir = img.dataDirectories[DIR.BASERELOC]!;
  const reloc = rvaToFileOffset(img, relocDir.rva);
  around(reloc, 512);
  if (reloc !== undefined) {
    for (let off = 0, i = 0; off + 8 <= relocDir.size && i < 16; i++) {
      fields.push(...structFields(`RelocBlock[${i}]`, BASE_RELOCATION_BLOCK, reloc + off));
      fields.push({ name: `RelocBlock[${i}].Entry[0]`, offset: reloc + off + 8, size: 2 });
      off += u32(bytes, reloc + off + 4) || 8;
    }
  }

  const sym = u32(bytes, coff + 8);
  const nsym = u32(bytes, coff + 12);
  if (sym !== 0 && nsym !== 0) {
    around(sym, 2048);
    for (let i = 0; i < Math.min(nsym, 32); i++) fields.push(...structFields(`COFFSymbol[${i}]`, COFF_SYMBOL, sym + i * COFF_SYMBOL.size));
    const strtab = sym + nsym * COFF_SYMBOL.size;
    fields.push({ name: 'COFFStringTable.Size', offset: strtab, size: 4 });
    around(strtab, 256);
  }

  const pcln = img.goPclntab === undefined ? undefined : rvaToFileOffset(img, img.goPclntab.rva);
  if (pcln !== undefined) {
    around(pcln, 256);
    const header = ['Magic', 'Pad', 'NFunc', 'NFiles', 'TextStart', 'FuncnameOffset', 'CuOffset', 'FiletabOffset', 'PctabOffset', 'PclnOffset'];
    header.forEach((h, i) => fields.push({ name: `Pclntab.${h}`, offset: pcln + (i === 0 ? 0 : i * 8), size: i === 0 ? 4 : 8 }));
    const functab = pcln + Number(u64(bytes, pcln + 64));
    around(functab, 256);
    for (let i = 0; i < 8; i++) fields.push({ name: `Pclntab.Functab[${i}].Entry`, offset: functab + i * 8, size: 4 }, { name: `Pclntab.Functab[${i}].Func`, offset: functab + i * 8 + 4, size: 4 });
  }

  // The moduledata gives pclntab's text start (Go 1.26+ no longer write it in the header).
  const mdSym = img.symbols.find((x) => x.name === 'runtime.firstmoduledata');
  const md = mdSym === undefined ? undefined : rvaToFileOffset(img, mdSym.rva);
  if (md !== undefined) {
    around(md, 192);
    fields.push({ name: 'Moduledata.PcHeader', offset: md, size: 8 }, { name: 'Moduledata.Funcnametab', offset: md + 8, size: 8 }, { name: 'Moduledata.Text', offset: md + 176, size: 8 });
  }
  // The build info blob ("\xff Go buildinf:", flags, then the varint-prefixed version).
  const bi = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).indexOf('\xff Go buildinf:', 0, 'latin1');
  if (bi >= 0) {
    around(bi, 64);
    fields.push({ name: 'BuildInfo.Flags', offset: bi + 15, size: 1 }, { name: 'BuildInfo.VersionLength', offset: bi + 32, size: 1 });
  }
  return { fields, hot };
}

function oneLine(e: WintraceError): CheckResult {
  if (e.message.includes('\n') || e.message.length === 0) throw new Error(`error message is not one line: ${JSON.stringify(e.message)}`);
  return { outcome: 'rejected', message: e.message };
}

export const peKind: FuzzKind = {
  name: 'pe',

  seeds(): SeedInput[] {
    return SEED_PROGRAMS.map((p) => {
      const bytes = new Uint8Array(readFileSync(fixtureExe(p)));
      const name = `${p}.exe`;
      return { name, bytes, map: peInputMap(bytes, name) };
    });
  },

  check(bytes, name, options): CheckResult {
    let image;
    try {
      image = loadImageBytes(bytes, name);
    } catch (e) {
      if (e instanceof BadImageError) return oneLine(e);
      throw e;
    }
    // Booting belongs to loading: the main thread's stack, the image mapping and the import stubs all come
    // from header values, and `wintrace record` boots the same way.
    const engine = new UnicornEngine();
    let phase = 'boot';
    try {
      const proc = new WindowsProcess(engine, image, {
        imagePath: guestPath(name), args: [], env: {}, stdout: () => {}, stderr: () => {},
        maxInstructions: BigInt(Math.max(1, options.runInstructions)),
      });
      if (options.runInstructions <= 0) return { outcome: 'loaded', detail: 'booted' };
      phase = 'run';
      return { outcome: 'loaded', detail: `ran: ${proc.run().reason}` };
    } catch (e) {
      // The image loaded; what the mutated program then does may end the run with any wintrace error.
      if (e instanceof WintraceError) {
        oneLine(e);
        return { outcome: 'loaded', detail: `${phase} stopped: ${e.name}` };
      }
      throw e;
    } finally {
      engine.close();
    }
  },
};
