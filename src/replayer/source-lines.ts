// Go source positions for a trace: finds the program's runtime.moduledata in the trace's initial memory (the
// header holds the image as loaded, pointers relocated) and answers pc -> file:line and file:line -> pcs through
// PclntabLines. Built on first use; a program without Go's tables answers undefined everywhere.

import type { TraceHeader, TraceSymbol } from '../trace/schema.ts';
import { type ImageReader, PclntabLines, type SourceLine } from './pclntab-lines.ts';

export type { SourceLine };

const PAGE = 4096;
/** runtime.moduledata's leading fields (runtime/symtab.go, the same from Go 1.18 to 1.27): byte offsets. */
const MODULEDATA = { pcHeader: 0, funcnametab: 8, cutab: 32, filetab: 56, pctab: 80, pclntable: 104, ftab: 128, text: 176, size: 184 } as const;
const PCLNTAB_MAGICS = [0xfffffff0, 0xfffffff1];
const PCHEADER = { minLC: 6, ptrSize: 7, nfunc: 8, funcnameOffset: 32 } as const;

/** The initial pages of every region in the header, read as the image was at position 0. */
export class InitialMemory implements ImageReader {
  private readonly pages = new Map<number, Uint8Array>();

  constructor(header: TraceHeader) {
    for (const r of header.regions) {
      for (const [off, b] of r.pages) this.pages.set(Math.floor((Number(r.base) + off) / PAGE), b);
    }
  }

  u8(address: number): number {
    return this.pages.get(Math.floor(address / PAGE))?.[address % PAGE] ?? 0;
  }

  u32(address: number): number {
    return (this.u8(address) | (this.u8(address + 1) << 8) | (this.u8(address + 2) << 16)) + this.u8(address + 3) * 2 ** 24;
  }

  u64(address: number): number {
    return this.u32(address) + this.u32(address + 4) * 2 ** 32;
  }

  /** Addresses of the `align`-aligned occurrences of `pattern` (at most 8 bytes, so never across a page). */
  find(pattern: Buffer, align = 8): number[] {
    const out: number[] = [];
    for (const [page, b] of this.pages) {
      const buf = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
      for (let at = buf.indexOf(pattern); at >= 0; at = buf.indexOf(pattern, at + 1)) if (at % align === 0) out.push(page * PAGE + at);
    }
    return out.sort((a, b) => a - b);
  }
}

/** A pc-to-line table for the trace's program, or undefined when it has none (not a Go 1.18+ program). */
export function sourceLinesOf(header: TraceHeader): PclntabLines | undefined {
  const mem = new InitialMemory(header);
  const md = moduledataAddress(mem, header.symbols);
  if (md === undefined) return undefined;
  const slice = (off: number) => ({ address: mem.u64(md + off), length: mem.u64(md + off + 8) });
  const pcHeader = mem.u64(md + MODULEDATA.pcHeader);
  const ftab = slice(MODULEDATA.ftab);
  return new PclntabLines(mem, {
    cutab: slice(MODULEDATA.cutab),
    filetab: slice(MODULEDATA.filetab),
    pctab: slice(MODULEDATA.pctab),
    pclntable: slice(MODULEDATA.pclntable),
    // ftab's length counts the end sentinel.
    nfunc: Math.max(0, ftab.length - 1),
    text: mem.u64(md + MODULEDATA.text),
    minLC: mem.u8(pcHeader + PCHEADER.minLC),
  });
}

/**
 * runtime.firstmoduledata by its COFF name; for a stripped build, the 8-aligned words in memory that point at a
 * pcHeader and at its funcnametab, as the runtime's own moduledata does.
 */
function moduledataAddress(mem: InitialMemory, symbols: readonly TraceSymbol[]): number | undefined {
  const named = symbols.find((s) => s.name === 'runtime.firstmoduledata');
  if (named !== undefined && isModuledata(mem, Number(named.address))) return Number(named.address);
  for (const magic of PCLNTAB_MAGICS) {
    // The magic and its two zero pad bytes: minLC and ptrSize are checked by isModuledata.
    const head = Buffer.alloc(6);
    head.writeUInt32LE(magic, 0);
    for (const h of mem.find(head)) {
      const ptr = Buffer.alloc(8);
      ptr.writeBigUInt64LE(BigInt(h));
      for (const at of mem.find(ptr)) if (isModuledata(mem, at)) return at;
    }
  }
  return undefined;
}

function isModuledata(mem: InitialMemory, at: number): boolean {
  const h = mem.u64(at + MODULEDATA.pcHeader);
  if (h === 0 || !PCLNTAB_MAGICS.includes(mem.u32(h)) || mem.u8(h + PCHEADER.ptrSize) !== 8) return false;
  return mem.u64(at + MODULEDATA.funcnametab) === h + mem.u64(h + PCHEADER.funcnameOffset) && mem.u64(h + PCHEADER.nfunc) > 0;
}

/** `file:line`, with the path cut to its last `keep` components (`main.go:42`, `runtime/proc.go:250`). */
export function formatLine(l: SourceLine, keep = 1): string {
  const parts = l.file.split('/');
  return `${parts.slice(-keep).join('/')}:${l.line}`;
}

/** `main.go:42` for the instruction at pc, or undefined where the tables say nothing. */
export function lineText(lines: PclntabLines | undefined, pc: number): string | undefined {
  const l = lines?.lineAt(pc);
  return l ? formatLine(l) : undefined;
}

/** ` at main.go:42` for a status line, or nothing. */
export function lineSuffix(lines: PclntabLines | undefined, pc: number): string {
  const t = lineText(lines, pc);
  return t ? ` at ${t}` : '';
}
