// teb-consistent where it matters. A program that writes X18 breaks x18-untouched at that instruction; whether the
// wrong X18 also reaches Windows is teb-consistent's question: kernel32 and ntdll find the TEB through X18
// (GetCurrentThreadId, GetLastError, TLS, every failing API's SetLastError; the emulated Windows does the same,
// src/recorder/windows/teb-view.ts), so X18 must be the thread's TEB at every call into Windows and every return
// to it. The pass records, per thread, the spans in which a program write left X18 off the TEB (X18Spans); after
// it, every call into Windows inside such a span makes one violation per span, blamed at the write that began it.
// The write that gives X18 its TEB back ends the span and is no violation of its own.

import type { TraceEvent } from '../../trace/schema.ts';
import { tidName } from '../describe.ts';
import type { Trace } from '../trace.ts';
import { rule } from './rules.ts';
import { hex, type Violation } from './violation.ts';

interface WrongX18 {
  readonly tid: number;
  /** The step that wrote the wrong value: X18 is wrong at positions (from, to]. */
  readonly from: number;
  readonly pc: number;
  readonly value: bigint;
  readonly teb: number;
  /** The step (or the emulated Windows' record) that gave X18 its TEB back. */
  to?: number;
  restoredBy?: 'program' | 'windows';
  /** Index in the violations of the x18-untouched report of `from`, to say there how the span ended. */
  reported?: number;
}

/** Calls into Windows and returns to it, where Windows reads the TEB through X18. */
const READS_X18: ReadonlySet<TraceEvent['kind']> = new Set(['api-call', 'handler-returned', 'thread-exited']);

export class X18Spans {
  private readonly spans: WrongX18[] = [];
  private readonly open = new Map<number, WrongX18>();

  /**
   * A program step wrote X18 (`changed`: to a new value). Returns true when it gave the thread its TEB back after
   * an earlier wrong write: the end of the damage, not a violation of its own.
   */
  programWrite(position: number, tid: number, pc: number, after: bigint, changed: boolean, teb: number | undefined): boolean {
    if (!changed || teb === undefined) return false;
    const span = this.open.get(tid);
    if (after === BigInt(teb)) {
      if (!span) return false;
      this.close(span, position, 'program');
      return true;
    }
    if (!span) {
      const s: WrongX18 = { tid, from: position, pc, value: after, teb };
      this.spans.push(s);
      this.open.set(tid, s);
    }
    return false;
  }

  /** The last span `programWrite` opened for `tid`, when it is still open: its x18-untouched report is `index`. */
  reportedAt(tid: number, position: number, index: number): void {
    const s = this.open.get(tid);
    if (s && s.from === position) s.reported = index;
  }

  /** The emulated Windows gave the thread its TEB back in X18 (a handler's entry, a resumed CONTEXT). */
  windowsRestore(position: number, tid: number): void {
    const span = this.open.get(tid);
    if (span) this.close(span, position, 'windows');
  }

  private close(span: WrongX18, position: number, by: 'program' | 'windows'): void {
    span.to = position;
    span.restoredBy = by;
    this.open.delete(span.tid);
  }

  get any(): boolean {
    return this.spans.length > 0;
  }

  /**
   * After the pass: one teb-consistent violation per span that reached Windows (when `wantTeb`), and the end of
   * each span in the x18-untouched report of its write.
   */
  report(trace: Trace, out: Violation[], wantTeb: boolean): void {
    if (this.spans.length === 0) return;
    const sym = (pc: number) => trace.symbols.format(pc);
    const ending = (s: WrongX18) => s.to === undefined
      ? 'X18 never got its TEB back'
      : `X18 got its TEB back at position ${s.to}${s.restoredBy === 'program' ? ` (${sym(trace.stepAt(s.to).pc)}), which is no violation of its own` : ' from the emulated Windows'}`;
    for (const s of this.spans) {
      if (s.reported !== undefined) out[s.reported] = { ...out[s.reported]!, detail: `${out[s.reported]!.detail}; ${ending(s)}` };
    }
    if (!wantTeb) return;
    const reads = new Map<WrongX18, Array<{ position: number; event: TraceEvent }>>();
    const byTid = new Map<number, WrongX18[]>();
    for (const s of this.spans) byTid.set(s.tid, [...(byTid.get(s.tid) ?? []), s]);
    for (const { position, event: e } of trace.events()) {
      if (!READS_X18.has(e.kind) || position <= 0) continue;
      const span = byTid.get(e.tid)?.find((s) => s.from < position && (s.to === undefined || position <= s.to));
      // A thread ended by another thread's ExitProcess never returned to Windows itself.
      if (!span || (e.kind === 'thread-exited' && trace.stepAt(position - 1).tid !== e.tid)) continue;
      reads.set(span, [...(reads.get(span) ?? []), { position, event: e }]);
    }
    for (const [s, at] of reads) {
      const first = at[0]!;
      const more = at.length > 1 ? `; ${at.length - 1} more call${at.length > 2 ? 's' : ''} into Windows before that` : '';
      out.push({
        rule: 'teb-consistent', position: s.from, step: s.from, tid: s.tid, pc: s.pc, symbol: sym(s.pc), instruction: '', subject: 'x18',
        before: hex(s.teb), after: hex(s.value),
        detail: `${whereWindowsReads(first.event, trace)} at position ${first.position} with X18 = ${hex(s.value)}, not thread ` +
          `${tidName(s.tid)}'s TEB ${hex(s.teb)}: Windows found the TEB through X18 there. This instruction put that value in X18${more}; ${ending(s)}`,
        why: rule('teb-consistent')!.why, by: 'program', detectedAt: first.position,
      });
    }
  }
}

function whereWindowsReads(e: TraceEvent, trace: Trace): string {
  switch (e.kind) {
    case 'api-call': return `${e.api} was called`;
    case 'handler-returned': return `the ${e.phase} handler ${trace.symbols.format(Number(e.handler))} returned to the dispatcher`;
    default: return 'the thread returned to Windows';
  }
}
