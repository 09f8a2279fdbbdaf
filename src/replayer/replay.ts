// The replayer's front door for the CLI, the TUI and tests: a trace with its memory view, code words, episodes
// and the ABI check, each built on first use. Plain library: no UI.

import { type Disassembler, loadDisassembler } from '../arch/disasm.ts';
import { type CheckOptions, type CheckResult, checkAsync } from './abi/check.ts';
import type { Violation } from './abi/violation.ts';
import { x18Writers } from './abi/x18-writers.ts';
import { type Episode, episodes } from './episodes.ts';
import { CodeWords } from './insn.ts';
import { TraceMemory } from './memory.ts';
import type { TraceOpenOptions } from '../trace/reader.ts';
import { Trace } from './trace.ts';

export class Replay {
  readonly memory: TraceMemory;
  readonly code: CodeWords;
  private episodeList: Episode[] | undefined;
  private disasm: Disassembler | undefined;
  private lastCheck: CheckResult | undefined;

  private constructor(readonly trace: Trace) {
    this.memory = new TraceMemory(trace);
    this.code = new CodeWords(trace);
  }

  static open(path: string, options: TraceOpenOptions = {}): Replay {
    return new Replay(Trace.open(path, options));
  }

  close(): void {
    this.trace.close();
  }

  episodes(): Episode[] {
    this.episodeList ??= episodes(this.trace);
    return this.episodeList;
  }

  /** Have the episodes been found (by episodes())? */
  get episodesLoaded(): boolean {
    return this.episodeList !== undefined;
  }

  async disassembler(): Promise<Disassembler> {
    this.disasm ??= await loadDisassembler();
    return this.disasm;
  }

  /** The disassembler once loaded (the TUI loads it at start and then renders synchronously). */
  get loadedDisassembler(): Disassembler | undefined {
    return this.disasm;
  }

  /**
   * The instruction word at pc as memory held it at `position`: what the CPU ran there, also where the program
   * rewrote its code or the emulated Windows placed a stub during the run. Pages the run never wrote answer from
   * the initial code pages without a memory read (a dump asks for every line).
   */
  codeWord(pc: number, position: number): number | undefined {
    if (!this.code.writtenDuringRun(pc)) {
      const w = this.code.word(pc);
      if (w !== undefined) return w;
    }
    const m = this.memory.read(position, pc, 4);
    return m.mapped.every((x) => x === 1) ? new DataView(m.bytes.buffer, m.bytes.byteOffset).getUint32(0, true) : undefined;
  }

  /** `mnemonic operands` of the instruction at pc (as memory held it at `position` when given). */
  instructionText(pc: number, position?: number): string {
    const w = position === undefined ? this.code.word(pc) : this.codeWord(pc, position);
    if (w === undefined || !this.disasm) return w === undefined ? '??' : `.word 0x${w.toString(16).padStart(8, '0')}`;
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, w, true);
    return this.disasm.disassemble(b, BigInt(pc))?.text ?? '??';
  }

  /** Runs the ABI rules over the whole trace; the result of a full run is kept for violation navigation. */
  async check(opts: Omit<CheckOptions, 'x18Writers'> = {}): Promise<CheckResult> {
    const d = await this.disassembler();
    const result = await checkAsync(this.trace, this.memory, this.code, { ...opts, x18Writers: x18Writers(this.code, d) });
    for (const v of result.violations) (v as Violation).instruction = v.step !== undefined ? this.instructionText(v.pc, v.position) : '';
    if (!opts.rules) this.lastCheck = result;
    return result;
  }

  /** Violations of the last full check, if one ran. */
  get violations(): readonly Violation[] | undefined {
    return this.lastCheck?.violations;
  }
}
