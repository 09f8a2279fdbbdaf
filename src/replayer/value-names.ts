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
  constructor(private readonly symbols: Symbols, readonly raw = false) {}

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
        return named.startsWith('0x') ? whole : named;
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
