// Patched copies of fixture programs: instruction words replaced at symbol+offset, for tests that need the Go
// runtime to take a path it never takes on its own (skip a workaround, trap with another instruction).
//
// The file offset comes from the PE section table (parsePe): the symbol's RVA inside its section, plus the
// section's PointerToRawData. Every patch names the word it expects to replace, so a fixture rebuild that moves
// or changes the code fails loudly here instead of patching the wrong instruction.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { layoutImage, parsePe } from '../../src/recorder/loader/pe.ts';

export interface WordPatch {
  /** Symbol as SymbolTable.addressOf accepts it: `sigtramp_g0`, `runtime.exceptiontramp`, `main.readValue`. */
  symbol: string;
  /** Byte offset from the symbol's start (a multiple of 4). */
  offset: number;
  /** The instruction word that must be there now (as objdump prints it). */
  expect: number;
  /** The word to write instead. */
  replace: number;
}

export interface PatchedProgram {
  /** Path of the patched copy; same file name as the original, so the guest sees the same image path. */
  path: string;
  /** Virtual address of each patched word, in patch order. */
  addresses: bigint[];
  /** Removes the temporary directory. */
  cleanup(): void;
}

const hex32 = (w: number): string => `0x${(w >>> 0).toString(16).padStart(8, '0')}`;

/** File offset and virtual address of symbol+offset in a PE file's bytes. */
export function locateWord(bytes: Uint8Array, file: string, symbol: string, offset: number): { fileOffset: number; address: bigint } {
  if (offset % 4 !== 0) throw new Error(`${symbol}+${offset}: offset is not a multiple of 4`);
  const pe = parsePe(bytes, file);
  const loaded = layoutImage(pe, pe.imageBase);
  const start = loaded.symbolTable.addressOf(symbol);
  if (start === undefined) throw new Error(`${file}: no symbol ${symbol}`);
  const address = start + BigInt(offset);
  const rva = Number(address - pe.imageBase);
  const section = pe.sections.find((s) => rva >= s.rva && rva + 4 <= s.rva + s.initializedSize);
  if (!section) throw new Error(`${file}: ${symbol}+${offset} (rva 0x${rva.toString(16)}) is not backed by file data`);
  return { fileOffset: section.rawOffset + (rva - section.rva), address };
}

/** Copies `exe` to a fresh temporary directory with the given words replaced. */
export function patchProgram(exe: string, patches: readonly WordPatch[]): PatchedProgram {
  const bytes = new Uint8Array(readFileSync(exe));
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const addresses: bigint[] = [];
  for (const p of patches) {
    const { fileOffset, address } = locateWord(bytes, basename(exe), p.symbol, p.offset);
    const old = view.getUint32(fileOffset, true);
    if (old !== p.expect >>> 0) {
      throw new Error(`${basename(exe)}: ${p.symbol}+0x${p.offset.toString(16)} holds ${hex32(old)}, expected ` +
        `${hex32(p.expect)}: the fixture was rebuilt and the code moved; re-check the disassembly`);
    }
    view.setUint32(fileOffset, p.replace >>> 0, true);
    addresses.push(address);
  }
  const dir = mkdtempSync(join(tmpdir(), 'wintrace-patch-'));
  const path = join(dir, basename(exe));
  writeFileSync(path, bytes);
  return { path, addresses, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
