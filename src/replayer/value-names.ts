// How the text dumps (and so the golden traces and `wintrace diff`) write values. Recordings are deterministic,
// so normalisation is only for what moves without the recorded behaviour changing, and is kept to two rules:
//
// 1. A value the trace's symbol table covers (Go's functions and data, COFF symbols, the emulated DLL stubs) is
//    written `symbol+0xoff`: code and data move whenever the program is relinked, and every stub moves when the
//    emulated Windows places one more API. This applies to register values, 8-byte memory words, write
//    addresses, API arguments and results, and the absolute operands in instruction text (branch targets,
//    ADR/ADRP, literal loads).
// 2. What the emulated Windows writes into KUSER_SHARED_DATA is its clock, a function of the absolute
//    instruction count: it moves with anything that runs before the window, so the dumps say `clock` there.
//
// Everything else stays raw: stacks, the Go heap, TEBs, handles and thread ids are placed deterministically by
// the emulated Windows and the Go runtime, independently of the image layout, and a change to them is a change
// of behaviour for a reviewer to see.

import type { Symbols } from './symbols.ts';

/** The KUSER_SHARED_DATA page: the only thing the emulated Windows writes there is the clock. */
export const KUSER_SHARED_DATA = 0x7ffe0000;
const KUSER_END = KUSER_SHARED_DATA + 0x1000;
const TWO32 = 0x1_0000_0000;
/** No user-mode address lies above 2^47; larger values are never looked up. */
const MAX_ADDRESS = 2 ** 47;

export class ValueNames {
  private readonly insnCache = new Map<string, string>();

  /** `raw`: every value in hex, nothing symbolised (wintrace dump --raw). */
  constructor(protected readonly symbols: Symbols, readonly raw = false) {}

  /** An address or any 64-bit value held as a number (exact below 2^53). */
  number(v: number): string {
    if (!this.raw && v > 0 && v < MAX_ADDRESS) {
      const s = this.symbols.lookup(v);
      if (s) return s.offset === 0 ? s.name : `${s.name}+0x${s.offset.toString(16)}`;
    }
    return `0x${v.toString(16)}`;
  }

  /** A 64-bit value as two 32-bit words. */
  words(lo: number, hi: number): string {
    if (hi < 0x8000) return this.number(hi * TWO32 + lo);
    return `0x${hi.toString(16)}${lo.toString(16).padStart(8, '0')}`;
  }

  bigint(v: bigint): string {
    return v < BigInt(MAX_ADDRESS) && v >= 0n ? this.number(Number(v)) : `0x${v.toString(16)}`;
  }

  /** Capstone's text with its absolute `#0x...` operands symbolised where the symbol table covers them. */
  instruction(text: string): string {
    if (this.raw) return text;
    let out = this.insnCache.get(text);
    if (out === undefined) {
      out = text.replace(/#0x([0-9a-f]+)/g, (whole, h: string) => {
        const v = parseInt(h, 16);
        const named = this.number(v);
        // Only symbols: an immediate that happens to fall in a mapped range is still a constant.
        return named.startsWith('0x') || named.startsWith('<') ? whole : named;
      });
      this.insnCache.set(text, out);
    }
    return out;
  }

  /** Whether the emulated Windows' write at [address, address + size) is the clock in KUSER_SHARED_DATA. */
  isClock(address: number, size: number): boolean {
    return !this.raw && address >= KUSER_SHARED_DATA && address + size <= KUSER_END;
  }
}

/** Ranges of one kind of memory, sorted, for a binary search per value. */
class Ranges {
  private readonly starts: number[] = [];
  private readonly ends: number[] = [];

  constructor(ranges: Array<readonly [number, number]>) {
    const sorted = ranges.filter(([b, e]) => e > b).sort((x, y) => x[0] - y[0]);
    for (const [b, e] of sorted) {
      const last = this.ends.length - 1;
      if (last >= 0 && b <= this.ends[last]!) this.ends[last] = Math.max(this.ends[last]!, e);
      else {
        this.starts.push(b);
        this.ends.push(e);
      }
    }
  }

  has(v: number): boolean {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.starts[mid]! <= v) {
        if (v < this.ends[mid]!) return true;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return false;
  }
}

export interface MemoryLayout {
  /** Executable ranges: a symbol there is code, and its offset is an instruction's place. */
  readonly code: Array<readonly [number, number]>;
  /** Every thread's stack [limit, base). */
  readonly stacks: Array<readonly [number, number]>;
  /** Every range mapped at any time of the run (image, heap arenas, TEBs, ...). */
  readonly mapped: Array<readonly [number, number]>;
}

/**
 * Values as `wintrace diff` compares two *different builds* (another Go, or one relinked program): a key per value
 * that says what it means, not where it is. Display still goes through ValueNames; this only makes the keys the
 * lines are matched by. On top of ValueNames' two rules:
 *
 * 3. An address inside a data symbol is `symbol+?`: the linker packs strings, type descriptors and function
 *    metadata into shared symbols (go.string.*, runtime.types, type:*, go:funcdesc), so one longer string constant
 *    moves every offset after it. What is read through the address (a length, the bytes WriteFile writes) is still
 *    compared. A code address keeps its offset: that is an instruction's place in its function. The key carries
 *    the address in braces, `symbol+?{addr}`, so keysEquivalent learns how far the data moved: code that subtracts
 *    two addresses (memmove's overlap test) gets raw values that differ by exactly that, and only that, much.
 * 4. An address no symbol covers is its region: `<stack>` inside a thread's stack, `<mem>` inside anything mapped
 *    during the run (Go's heap arenas, which each Go version places elsewhere, goroutine stacks, TEBs). A value in
 *    no mapped range (a count, a length, flags, a hash) stays raw and must be equal.
 * 5. An ADRP is `adrp xN, <page>`: its page is whatever symbol starts near the target's page, and the ADD, LDR or
 *    STR right after it that completes the address (Go's linker emits the pair adjacent, through the same register)
 *    has its low 12 bits masked, `#<lo12>`; that instruction's result is the named address and is compared.
 */
export class CanonicalNames extends ValueNames {
  private readonly codeRanges: Ranges;
  private readonly stackRanges: Ranges;
  private readonly mappedRanges: Ranges;
  private readonly valueCache = new Map<number, string>();

  constructor(symbols: Symbols, layout: MemoryLayout) {
    super(symbols, false);
    this.codeRanges = new Ranges(layout.code);
    this.stackRanges = new Ranges(layout.stacks);
    this.mappedRanges = new Ranges(layout.mapped);
  }

  override number(v: number): string {
    let out = this.valueCache.get(v);
    if (out !== undefined) return out;
    out = `0x${v.toString(16)}`;
    if (v > 0 && v < MAX_ADDRESS) {
      const s = this.symbols.lookup(v);
      if (s) {
        // The emulated DLLs' stubs (`kernel32.dll!WriteFile`) are code too, outside the image.
        const code = this.codeRanges.has(s.address) || s.name.includes('!');
        // The address itself rides along in braces for keysEquivalent (what moved, and by how much).
        out = s.offset === 0 ? s.name : code ? `${s.name}+0x${s.offset.toString(16)}` : `${s.name}+?{${v.toString(16)}}`;
      } else if (this.stackRanges.has(v)) out = '<stack>';
      else if (this.mappedRanges.has(v)) out = '<mem>';
    }
    if (this.valueCache.size > 1 << 16) this.valueCache.clear();
    this.valueCache.set(v, out);
    return out;
  }

  /** Any `0x...` left in a text (an event's description) as its key. */
  text(s: string): string {
    return s.replace(/\b0x([0-9a-f]+)\b/g, (whole, h: string) => (h.length > 12 ? whole : this.number(parseInt(h, 16))));
  }

  /**
   * The key of one executed instruction: `insn`, its text with operands through this class, and `effects`, its
   * register and memory changes through it, parted by a tab. `prevWord` is the instruction word before it.
   */
  step(word: number | undefined, prevWord: number | undefined, insn: string, effects: string): string {
    if (word !== undefined && isAdrp(word)) return `adrp x${word & 31}, <page>`;
    if (word !== undefined && prevWord !== undefined && isAdrp(prevWord) && completesAdrp(word, prevWord & 31)) {
      insn = insn.replace(/#(0x[0-9a-f]+|\d+)(?!.*#)/, '#<lo12>');
    }
    // A tab (never in instruction text) parts what ran from what it changed: compareSelections tells a value
    // difference from a control-flow one by it.
    return `${insn}\t${effects}`;
  }
}

function isAdrp(w: number): boolean {
  return (w & 0x9f000000) >>> 0 === 0x90000000;
}

/** ADD (immediate, 64-bit) or LDR/STR (unsigned offset) with base register `rd`: the low half of an ADRP pair. */
function completesAdrp(w: number, rd: number): boolean {
  const rn = (w >>> 5) & 31;
  if (rn !== rd) return false;
  return (w & 0xff000000) >>> 0 === 0x91000000 || (w & 0x3b000000) >>> 0 === 0x39000000;
}

const KEY_TOKEN = /(\{[0-9a-f]+\}|0x[0-9a-f]+)/;
/** Below this a raw value is taken for a count or a length (kept exact), not an offset between two addresses. */
const MIN_ADDRESS_DIFFERENCE = 0x1000;
const MAX_DELTAS = 4096;

/**
 * Whether two line keys (CanonicalNames) say the same: equal, or equal but for (a) the address of a data symbol
 * both name (`symbol+?{addr}`), whose move is then remembered in `deltas`, and (b) raw values of at least 0x1000
 * that differ by a move seen before (arithmetic on a moved address). Small values, and large ones that differ by
 * anything else, must be equal.
 */
export function keysEquivalent(ka: string, kb: string, deltas: Set<number>): boolean {
  if (ka === kb) return true;
  const pa = ka.split(KEY_TOKEN);
  const pb = kb.split(KEY_TOKEN);
  if (pa.length !== pb.length) return false;
  const moves: number[] = [];
  for (let i = 0; i < pa.length; i++) {
    const x = pa[i]!;
    const y = pb[i]!;
    if (x === y) continue;
    if (i % 2 === 0) return false;
    const brace = x.startsWith('{');
    if (brace !== y.startsWith('{')) return false;
    const vx = parseInt(brace ? x.slice(1, -1) : x.slice(2), 16);
    const vy = parseInt(brace ? y.slice(1, -1) : y.slice(2), 16);
    if (!Number.isSafeInteger(vx) || !Number.isSafeInteger(vy)) return false;
    // A braced address follows the same symbol name on both sides (the text before it was equal).
    if (brace) {
      moves.push(vy - vx);
      continue;
    }
    if (Math.min(vx, vy) < MIN_ADDRESS_DIFFERENCE) return false;
    if (!deltas.has(vy - vx) && !deltas.has(vx - vy) && !moves.includes(vy - vx) && !moves.includes(vx - vy)) return false;
  }
  if (deltas.size + moves.length > MAX_DELTAS) deltas.clear();
  for (const d of moves) deltas.add(d);
  return true;
}
