// resume-in-stack: a resumed CONTEXT's SP must lie within the thread's stack, as RtlGuardRestoreContext requires.
// The resume itself is the emulated Windows'; the blame goes to the code that chose that SP. That is the last
// write of CONTEXT.Sp, unless the runtime's resume workaround (golang/go#44451; the profile's resumeWorkaround,
// whose job is to replace an SP off the thread's stack) ran after that write without replacing it: then the last
// branch it executed, the decision that went past the rewrite, is what chose to keep the SP.

import { goRuntimeProfile } from '../go-runtimes.ts';
import { type CodeWords, controlKind } from '../insn.ts';
import type { TraceMemory } from '../memory.ts';
import type { Trace } from '../trace.ts';
import { rule } from './rules.ts';
import { hex, type RelatedPosition, type Violation } from './violation.ts';

/** CONTEXT.Sp's offset in the ARM64 CONTEXT (winnt.h). */
const CONTEXT_SP = 0x100;
/** Steps between the write and the resume looked through for the workaround; longer spans blame the write. */
const MAX_LOOK = 1_000_000;

export function resumeChecks(trace: Trace, memory: TraceMemory, code: CodeWords, out: Violation[]): void {
  const runtime = goRuntimeProfile(trace.symbols, trace.header.program.goVersion);
  const workaround = runtime === undefined ? undefined : trace.symbols.range(runtime.resumeWorkaround);
  const lastContext = new Map<number, bigint>();
  for (const { position, event: e } of trace.events()) {
    if (position < 0) continue;
    if (e.kind === 'exception-raised') lastContext.set(e.tid, e.context);
    let sp: bigint | undefined;
    let limit: bigint | undefined;
    let base: bigint | undefined;
    if (e.kind === 'context-resumed') {
      if (e.sp >= e.stackLimit && e.sp < e.stackBase) continue;
      sp = e.sp;
      limit = e.stackLimit;
      base = e.stackBase;
    } else if (e.kind === 'fail-fast' && e.resume) {
      sp = e.resume.sp;
      limit = e.resume.stackLimit;
      base = e.resume.stackBase;
    } else continue;
    const ctx = lastContext.get(e.tid);
    const spField = ctx === undefined ? undefined : Number(ctx) + CONTEXT_SP;
    const w = spField === undefined ? undefined : memory.lastWrite(position, spField, 8);
    const wrote = w?.step;
    const where = `the context resumed with SP ${hex(sp)} outside the stack of thread ${hex(e.tid)} [${hex(limit!)}, ${hex(base!)})`;
    let step = wrote;
    let detail = where + (wrote !== undefined ? '; this instruction wrote that SP into the CONTEXT' : '; the CONTEXT kept the SP of the exception');
    const related: RelatedPosition[] = [];
    const wrotePc = wrote === undefined ? undefined : trace.stepAt(wrote).pc;
    if (wrote !== undefined && workaround && runtime && !(wrotePc! >= workaround[0] && wrotePc! < workaround[1])) {
      const skip = skippedRewrite(trace, code, e.tid, wrote, position, workaround);
      if (skip !== undefined) {
        step = skip;
        detail = `${where}; ${trace.symbols.format(wrotePc!)} wrote that SP into the CONTEXT, then ${runtime.resumeWorkaround}, which replaces ` +
          'such an SP with one on the thread\'s stack (golang/go#44451), ran without doing so: this branch was its last decision before returning';
        related.push({ role: 'wrote', position: wrote, pc: wrotePc!, symbol: trace.symbols.format(wrotePc!) });
      }
    }
    const pc = step !== undefined ? trace.stepAt(step).pc : 0;
    out.push({
      rule: 'resume-in-stack', position: step ?? position, step, tid: e.tid, pc, symbol: step !== undefined ? trace.symbols.format(pc) : 'the emulated Windows',
      instruction: '', subject: spField !== undefined ? `CONTEXT.Sp @ ${hex(spField)}` : 'sp', before: w ? hex(new DataView(w.old.buffer, w.old.byteOffset).getBigUint64(0, true)) : '?', after: hex(sp),
      detail, why: rule('resume-in-stack')!.why, by: step !== undefined ? 'program' : 'windows', detectedAt: position,
      ...(related.length ? { related } : {}),
    });
  }
}

/** The last branch thread `tid` executed inside the workaround routine after `from` and before `to`, if it ran. */
function skippedRewrite(trace: Trace, code: CodeWords, tid: number, from: number, to: number, [lo, hi]: readonly [number, number]): number | undefined {
  let last: number | undefined;
  for (let p = from + 1; p < to && p - from <= MAX_LOOK; p++) {
    const s = trace.stepAt(p);
    if (s.tid !== tid || s.pc < lo || s.pc >= hi) continue;
    const w = code.word(s.pc);
    if (w !== undefined && controlKind(w) === 'branch') last = p;
  }
  return last;
}
