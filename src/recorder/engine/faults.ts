// Typed failures of a CPU run: an unhandled memory fault or an undecodable instruction. The emulated Windows
// turns these into exceptions (0xC0000005, 0xC000001D); tests of the bare engine assert on them directly.

import { ExitCode, WintraceError } from '../../errors.ts';
import type { Access, FaultKind } from './engine.ts';

export class EngineFault extends WintraceError {
  constructor(
    readonly fault:
      | { type: 'memory'; access: Access; kind: FaultKind; address: bigint; size: number }
      | { type: 'invalid-instruction'; word: number | undefined },
    readonly pc: bigint,
  ) {
    super(EngineFault.describe(fault, pc), ExitCode.emulationFault);
  }

  private static describe(f: EngineFault['fault'], pc: bigint): string {
    const at = `at pc 0x${pc.toString(16)}`;
    if (f.type === 'memory') {
      const what = f.kind === 'unmapped' ? 'unmapped' : 'protected';
      return `${f.access} of ${what} memory at 0x${f.address.toString(16)} (${f.size} bytes) ${at}`;
    }
    const w = f.word === undefined ? '' : ` 0x${f.word.toString(16).padStart(8, '0')}`;
    return `invalid instruction${w} ${at}`;
  }
}
