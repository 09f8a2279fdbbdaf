// Episodes of Go's CPU profiler on Windows: one per pass of its profileLoop, from the profiler thread's wake-up
// out of WaitForSingleObject on the profile timer to its next wait, with, for each thread it sampled,
// SuspendThread → GetThreadContext (which thread, and the function at the pc its CONTEXT holds) → sigprof →
// ResumeThread. An async preemption suspends and reads a context the same way but then calls SetThreadContext
// (entry-episodes.ts); a sample never does, and that is what tells them apart.

import { CONTEXT } from '../arch/windows-structs.ts';
import { tidName } from './describe.ts';
import { firstEntry, routine } from './entry-episodes.ts';
import type { Episode, EpisodeMark } from './episodes.ts';
import type { GoRuntimeProfile } from './go-runtimes.ts';
import { TraceMemory } from './memory.ts';
import { SP_SLOT, PC_SLOT } from './regfile.ts';
import { threadStep } from './stepping.ts';
import type { EventAt, Trace } from './trace.ts';

type Draft = Omit<Episode, 'index'>;
type ApiCall = Extract<EventAt['event'], { kind: 'api-call' }>;

const api = (e: ApiCall, name: string): boolean => e.api.endsWith(`!${name}`);

interface Sample { suspend: number; context?: { position: number; buffer: number }; resume?: number; setContext: boolean }

/** One episode per profileLoop pass that sampled, or tried to sample, a thread. */
export function profilerSampleEpisodes(trace: Trace, events: readonly EventAt[], runtime: GoRuntimeProfile | undefined): Draft[] {
  if (!runtime || routine(trace, runtime.sigprof) === undefined) return [];
  // Per thread: the samples since its last wait, and where that wait was.
  const passes = new Map<number, { wait: number; samples: Sample[] }>();
  const out: Draft[] = [];
  const memory = new TraceMemory(trace);
  for (const { position, event: e } of events) {
    if (e.kind !== 'api-call') continue;
    const pass = passes.get(e.tid);
    if (api(e, 'WaitForSingleObject')) {
      if (pass && pass.samples.length > 0) {
        const d = profilerPass(trace, memory, runtime, e.tid, pass.wait, pass.samples, position);
        if (d) out.push(d);
      }
      passes.set(e.tid, { wait: position, samples: [] });
    } else if (pass && api(e, 'SuspendThread')) {
      pass.samples.push({ suspend: position, setContext: false });
    } else if (pass) {
      const s = pass.samples.at(-1);
      if (s === undefined || s.resume !== undefined) continue;
      if (api(e, 'GetThreadContext')) s.context = { position, buffer: Number(e.args[1]) };
      else if (api(e, 'SetThreadContext')) s.setContext = true;
      else if (api(e, 'ResumeThread')) s.resume = position;
    }
  }
  return out;
}

/** The episode of one pass, or undefined when it is not the profiler's (a preemption, or no sigprof ran). */
function profilerPass(trace: Trace, memory: TraceMemory, runtime: GoRuntimeProfile, tid: number, wait: number, samples: Sample[], nextWait: number): Draft | undefined {
  const fmt = (a: number) => trace.symbols.format(a);
  const marks: EpisodeMark[] = [];
  const woke = threadStep(trace, wait, tid, 1);
  marks.push({ position: woke, label: `profiler thread ${tidName(tid)} returns from WaitForSingleObject on the profile timer` });
  const sampled: string[] = [];
  for (const s of samples) {
    if (s.setContext || s.resume === undefined) return undefined;
    if (s.context === undefined) {
      // profileLoop suspends every M but reads the context only of one that profiles and is not blocked.
      marks.push({ position: s.suspend, label: 'suspends a thread' }, { position: s.resume, label: 'resumes it unsampled' });
      continue;
    }
    const sigprof = firstEntry(trace, runtime.sigprof, s.context.position, tid);
    if (sigprof === undefined || sigprof > s.resume) return undefined;
    // The context as GetThreadContext left it: read on the caller's next step, after the call wrote it.
    const after = threadStep(trace, s.context.position, tid, 1);
    const pc = memory.u64(after, s.context.buffer + CONTEXT.fields.Pc[0]);
    const sp = memory.u64(after, s.context.buffer + CONTEXT.fields.Sp[0]);
    const target = pc === undefined ? undefined : suspendedThread(trace, after, tid, pc, sp);
    const who = target === undefined ? 'a thread' : `thread ${tidName(target)}`;
    const where = pc === undefined ? 'an unreadable pc' : fmt(Number(pc));
    marks.push({ position: s.suspend, label: `suspends ${who}` });
    const profilem = firstEntry(trace, runtime.profileThread, s.suspend, tid);
    if (profilem !== undefined && profilem < s.context.position) marks.push({ position: profilem, label: `enters ${runtime.profileThread}` });
    marks.push({ position: s.context.position, label: `GetThreadContext: ${who} is at ${where}` });
    marks.push({ position: sigprof, label: `enters ${runtime.sigprof}: the sample is recorded` });
    marks.push({ position: s.resume, label: `resumes ${who}` });
    sampled.push(`${who} at ${where}`);
  }
  if (sampled.length === 0) return undefined;
  const end = Math.min(nextWait, Math.max(samples.at(-1)!.resume!, woke));
  marks.sort((a, b) => a.position - b.position);
  return {
    kind: 'profiler-sample', name: `profiler pass on thread ${tidName(tid)}: ${sampled.length} thread${sampled.length === 1 ? '' : 's'} sampled`, tid,
    start: woke, end, marks, outcome: `sampled ${sampled.join(', ')}`,
  };
}

/** The thread other than the profiler's whose registers are the CONTEXT's pc and SP: the one suspended. */
function suspendedThread(trace: Trace, position: number, profiler: number, pc: bigint, sp: bigint | undefined): number | undefined {
  for (const [tid, regs] of trace.state(position).threads) {
    if (tid !== profiler && regs[PC_SLOT] === pc && (sp === undefined || regs[SP_SLOT] === sp)) return tid;
  }
  return undefined;
}
