// Instructions that write X18 even when the value does not change (`mov x18, x18`): the trace records values,
// so the checker finds such writes statically, once per trace, in the program's executable pages. Only words
// whose encoding class can write X18 are disassembled (a few in a Go binary, which never writes X18; checking
// every word with an 18 in some field meant ~3,000 disassembler calls, 0.3-0.5 s); the disassembler's corrected
// register lists decide.

import type { Disassembler } from '../../arch/disasm.ts';
import type { CodeWords } from '../insn.ts';

export function x18Writers(code: CodeWords, disasm: Disassembler): Set<number> {
  const out = new Set<number>();
  const bytes = new Uint8Array(4);
  const view = new DataView(bytes.buffer);
  for (const [base, b] of code.codePages()) {
    for (let o = 0; o + 4 <= b.length; o += 4) {
      const w = (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;
      if (!mayWriteX18(w)) continue;
      view.setUint32(0, w, true);
      const insn = disasm.disassemble(bytes, BigInt(base + o));
      if (insn && !insn.bad && insn.regsWritten.includes('x18')) out.add(base + o);
    }
  }
  return out;
}

/** Could this word write X18? Over-approximates within each encoding class (A64 top-level op0, bits 28:25). */
export function mayWriteX18(w: number): boolean {
  const op0 = (w >>> 25) & 0xf;
  const rd = w & 31;
  // Data processing (immediate, register), and SIMD & FP moves to a general register: Rd.
  if ((op0 & 0b1110) === 0b1000 || (op0 & 0b0111) === 0b0101 || (op0 & 0b0111) === 0b0111) return rd === 18;
  // Branches, exceptions, system: only MRS and SYSL write a general register (Rt).
  if ((op0 & 0b1110) === 0b1010) return (w & 0xffe00000) >>> 0 === 0xd5200000 && rd === 18;
  // Loads and stores: a loaded Rt/Rt2, a written-back base Rn, a status or compare register Rs.
  if ((op0 & 0b0101) === 0b0100) {
    const load = (w >>> 22) & 1;
    return (load === 1 && (rd === 18 || ((w >>> 10) & 31) === 18)) || ((w >>> 5) & 31) === 18 || ((w >>> 16) & 31) === 18;
  }
  return false;
}
