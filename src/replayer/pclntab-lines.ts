// File and line of a pc from Go's pclntab, read out of the image as the trace's initial memory holds it. Every
// Go the project supports (1.19-1.27; pcHeader magic 0xFFFFFFF0 for 1.18/1.19, 0xFFFFFFF1 for 1.20+) lays out
// what this reads the same way (runtime/symtab.go, runtime/runtime2.go):
//
//   moduledata: pcHeader *pcHeader; funcnametab, cutab, filetab, pctab, pclntable, ftab []T; ...; text uintptr
//   ftab (pclntable's start): nftab x { entryoff u32 (from text); funcoff u32 (from pclntable) }, then the end
//   _func at pclntable + funcoff: entryoff u32, nameoff i32, args i32, deferreturn u32, pcsp u32, pcfile u32,
//              pcln u32, npcdata u32, cuOffset u32, ... (1.20 inserted startLine after cuOffset, past what is read)
//   pcfile/pcln: offsets into pctab of pc-value streams; a pcfile value indexes the function's CU in cutab
//              (u32 entries, ^0 for none), whose entry is an offset into filetab of a NUL-terminated path.
//
// A pc-value stream is pairs (value delta zig-zag varint, pc delta varint x minLC) starting from value -1 at the
// entry, ended by a 0 value delta; each value holds for the pcs up to its pc. Nothing is read until a pc is
// asked for, and each function's streams are decoded once.

/** Reads little-endian values from the image; bytes it does not hold read as 0. */
export interface ImageReader {
  u8(address: number): number;
  u32(address: number): number;
  u64(address: number): number;
}

export interface PclntabLayout {
  /** Where the runtime's tables are (moduledata's slices, as relocated at load); cutab's length counts u32s. */
  readonly cutab: Span;
  readonly filetab: Span;
  readonly pctab: Span;
  readonly pclntable: Span;
  /** Entries of ftab, the end sentinel not counted. */
  readonly nfunc: number;
  readonly text: number;
  /** pc quantum: 4 on arm64. */
  readonly minLC: number;
}

export interface Span {
  readonly address: number;
  readonly length: number;
}

/** The _func fields read here: the same offsets in every layout from Go 1.18 to 1.27. */
const FUNC = { entryoff: 0, pcfile: 20, pcln: 24, cuOffset: 32, size: 36 } as const;
/** A varint longer than this or a stream with more entries than this is not one the linker wrote. */
const MAX_VARINT_BYTES = 5;
const MAX_STREAM_ENTRIES = 1 << 20;
const MAX_PATH = 4096;

export interface SourceLine {
  readonly file: string;
  readonly line: number;
}

export interface LineRun {
  start: number;
  end: number;
  readonly file: string;
  readonly line: number;
}

/** One function's decoded streams: value k holds for pcs in [ends[k-1] (or entry), ends[k]). */
interface Table {
  readonly ends: Float64Array;
  readonly values: Int32Array;
}

interface FuncLines {
  readonly entry: number;
  readonly end: number;
  readonly cuOffset: number;
  readonly file: Table;
  readonly line: Table;
}

export class PclntabLines {
  private readonly funcs = new Map<number, FuncLines | null>();
  private readonly fileNames = new Map<number, string | undefined>();

  constructor(private readonly mem: ImageReader, private readonly layout: PclntabLayout) {}

  /** File and line of the instruction at pc; undefined outside Go's functions or where the tables say nothing. */
  lineAt(pc: number): SourceLine | undefined {
    const i = this.funcIndex(pc);
    if (i === undefined) return undefined;
    const f = this.func(i);
    if (!f) return undefined;
    const fileno = valueAt(f.file, f.entry, pc);
    const line = valueAt(f.line, f.entry, pc);
    if (fileno === undefined || line === undefined || fileno < 0 || line < 0) return undefined;
    const file = this.fileOf(f.cuOffset, fileno);
    return file === undefined ? undefined : { file, line };
  }

  /** Index in ftab of the function holding pc (binary search over entry offsets, read in place). */
  funcIndex(pc: number): number | undefined {
    const { text, nfunc } = this.layout;
    const off = pc - text;
    if (nfunc === 0 || off < this.entryoff(0) || off >= this.entryoff(nfunc)) return undefined;
    let lo = 0;
    let hi = nfunc - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.entryoff(mid) <= off) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  get functionCount(): number {
    return this.layout.nfunc;
  }

  /**
   * Every maximal [start, end) pc run with one file and line, for the files `matches` accepts, in address order.
   * Only the functions whose CU lists such a file are decoded.
   */
  runsIn(matches: (file: string) => boolean): LineRun[] {
    const cus = this.cusWith(matches);
    const out: LineRun[] = [];
    if (cus.size === 0) return out;
    for (let i = 0; i < this.layout.nfunc; i++) {
      const files = cus.get(this.mem.u32(this.funcAddress(i) + FUNC.cuOffset));
      const f = files && this.func(i);
      if (!files || !f) continue;
      forEachRun(f, (start, end, fileno, line) => {
        const file = files.get(fileno);
        if (file === undefined) return;
        const last = out[out.length - 1];
        if (last && last.end === start && last.file === file && last.line === line) last.end = end;
        else out.push({ start, end, file, line });
      });
    }
    return out;
  }

  /** Every file name the CUs list that `matches` accepts (for a message naming what there is). */
  files(matches: (file: string) => boolean = () => true): string[] {
    const out = new Set<string>();
    for (const files of this.cusWith(matches).values()) for (const n of files.values()) out.add(n);
    return [...out].sort();
  }

  /** CU offset -> (file index in the CU -> name) for the CUs that list a file `matches` accepts. */
  private cusWith(matches: (file: string) => boolean): Map<number, Map<number, string>> {
    const starts = new Set<number>();
    for (let i = 0; i < this.layout.nfunc; i++) starts.add(this.mem.u32(this.funcAddress(i) + FUNC.cuOffset));
    const sorted = [...starts].sort((a, b) => a - b);
    const count = this.layout.cutab.length;
    const out = new Map<number, Map<number, string>>();
    sorted.forEach((cu, k) => {
      const end = Math.min(sorted[k + 1] ?? count, count);
      let files: Map<number, string> | undefined;
      for (let j = 0; cu + j < end; j++) {
        const name = this.fileOf(cu, j);
        if (name !== undefined && matches(name)) (files ??= new Map()).set(j, name);
      }
      if (files) out.set(cu, files);
    });
    return out;
  }

  private entryoff(i: number): number {
    return this.mem.u32(this.layout.pclntable.address + i * 8);
  }

  private funcAddress(i: number): number {
    return this.layout.pclntable.address + this.mem.u32(this.layout.pclntable.address + i * 8 + 4);
  }

  private func(i: number): FuncLines | null {
    let f = this.funcs.get(i);
    if (f !== undefined) return f;
    const { pclntable, text, minLC } = this.layout;
    const at = this.funcAddress(i);
    f = null;
    if (at + FUNC.size <= pclntable.address + pclntable.length) {
      const entry = text + this.mem.u32(at + FUNC.entryoff);
      const end = text + this.entryoff(i + 1);
      const file = this.stream(this.mem.u32(at + FUNC.pcfile), entry, minLC);
      const line = this.stream(this.mem.u32(at + FUNC.pcln), entry, minLC);
      if (file && line) f = { entry, end, cuOffset: this.mem.u32(at + FUNC.cuOffset), file, line };
    }
    this.funcs.set(i, f);
    return f;
  }

  /** Decodes the pc-value stream at pctab + off; undefined when it runs outside pctab or never ends. */
  private stream(off: number, entry: number, quantum: number): Table | undefined {
    const { pctab } = this.layout;
    if (off === 0 || off >= pctab.length) return undefined;
    let p = pctab.address + off;
    const limit = pctab.address + pctab.length;
    const ends: number[] = [];
    const values: number[] = [];
    let pc = entry;
    let val = -1;
    const varint = (): number | undefined => {
      let v = 0;
      for (let shift = 0, n = 0; n < MAX_VARINT_BYTES && p < limit; shift += 7, n++) {
        const b = this.mem.u8(p++);
        v += (b & 0x7f) * 2 ** shift;
        if ((b & 0x80) === 0) return v >>> 0;
      }
      return undefined;
    };
    for (let first = true; ends.length < MAX_STREAM_ENTRIES; first = false) {
      if (p >= limit) return undefined;
      if (this.mem.u8(p) === 0 && !first) return { ends: Float64Array.from(ends), values: Int32Array.from(values) };
      const dv = varint();
      const dpc = dv === undefined ? undefined : varint();
      if (dv === undefined || dpc === undefined) return undefined;
      val = (val + ((dv & 1) !== 0 ? ~(dv >>> 1) : dv >>> 1)) | 0;
      pc += dpc * quantum;
      ends.push(pc);
      values.push(val);
    }
    return undefined;
  }

  private fileOf(cuOffset: number, fileno: number): string | undefined {
    const { cutab, filetab } = this.layout;
    const k = cuOffset + fileno;
    if (k >= cutab.length) return undefined;
    const off = this.mem.u32(cutab.address + k * 4);
    if (this.fileNames.has(off)) return this.fileNames.get(off);
    let name: string | undefined;
    if (off !== 0xffffffff && off < filetab.length) {
      const bytes: number[] = [];
      for (let a = filetab.address + off; a < filetab.address + filetab.length && bytes.length < MAX_PATH; a++) {
        const b = this.mem.u8(a);
        if (b === 0) {
          name = Buffer.from(bytes).toString('utf8');
          break;
        }
        bytes.push(b);
      }
    }
    this.fileNames.set(off, name);
    return name;
  }
}

function valueAt(t: Table, entry: number, pc: number): number | undefined {
  if (pc < entry) return undefined;
  let lo = 0;
  let hi = t.ends.length - 1;
  if (hi < 0 || pc >= t.ends[hi]!) return undefined;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (pc < t.ends[mid]!) hi = mid;
    else lo = mid + 1;
  }
  return t.values[lo];
}

/** Calls `each` for every maximal pc run with one file and one line, in address order. */
function forEachRun(f: FuncLines, each: (start: number, end: number, fileno: number, line: number) => void): void {
  let pc = f.entry;
  let a = 0;
  let b = 0;
  while (a < f.file.ends.length && b < f.line.ends.length) {
    const end = Math.min(f.file.ends[a]!, f.line.ends[b]!);
    if (end > pc) each(pc, end, f.file.values[a]!, f.line.values[b]!);
    pc = end;
    if (f.file.ends[a] === end) a++;
    if (f.line.ends[b] === end) b++;
  }
}
