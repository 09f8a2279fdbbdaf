// Instructions that write X18 even when the value does not change (`mov x18, x18`): the trace records values,
// so the checker finds such writes statically, once per trace, in the program's executable pages. Only words
// with 18 in a destination-like field are disassembled; the disassembler's corrected register lists decide.

import type { Disassembler } from '../../arch/disasm.ts';
import type { CodeWords } from '../insn.ts';

export function x18Writers(code: CodeWords, disasm: Disassembler): Set<number> {
  const out = new Set<number>();
  const bytes = new Uint8Array(4);
  const view = new DataView(bytes.buffer);
  for (const [pc, w] of code.allWords()) {
    if ((w & 31) !== 18 && ((w >>> 10) & 31) !== 18 && ((w >>> 5) & 31) !== 18) continue;
    view.setUint32(0, w, true);
    const insn = disasm.disassemble(bytes, BigInt(pc));
    if (insn && !insn.bad && insn.regsWritten.includes('x18')) out.add(pc);
  }
  return out;
}
