// The golden scenarios: which fixture, and how to find the window of full detail in a full recording of it. A
// window is found by structure (an episode, a call) rather than kept as fixed instruction counts, so a change
// that only moves the path in the run (something earlier runs longer) leaves the golden as it is, and a change
// of the path itself is what the golden reports. traces/README.md explains each one; npm run golden:update
// writes the located numbers there.

import { tidName } from '../../src/replayer/describe.ts';
import type { Episode } from '../../src/replayer/episodes.ts';
import type { Replay } from '../../src/replayer/replay.ts';
import { findExecution, findInstruction } from '../../src/replayer/search.ts';
import { stepOverForward, threadStep } from '../../src/replayer/stepping.ts';
import { isCall } from '../../src/replayer/insn.ts';
import type { Trace } from '../../src/replayer/trace.ts';

/** A window in instruction counts, as `wintrace record --start-at start --stop-at stop` takes them. */
export interface GoldenWindow {
  readonly start: number;
  readonly stop: number;
  /** Options of `wintrace dump` for this golden (besides the trace). */
  readonly dumpArgs: readonly string[];
}

export interface Scenario {
  /** File stem in traces/: <name>.mp and <name>.dump. */
  readonly name: string;
  readonly fixture: string;
  /** The Go release whose build of the fixture it records (the reference, 1.19, when absent). */
  readonly go?: string;
  /** Options `record` needs besides the window (a console event, a bound for a program that never ends). */
  readonly recordArgs?: readonly string[];
  /** What the golden shows. */
  readonly shows: string;
  /** How the window is found, for traces/README.md. */
  readonly window: string;
  locate(replay: Replay): GoldenWindow;
}

class LocateError extends Error {}

function need<T>(v: T | undefined, what: string): T {
  if (v === undefined) throw new LocateError(`cannot locate the golden window: ${what}`);
  return v;
}

function symbol(trace: Trace, name: string): number {
  return need(trace.symbols.resolve(name), `no symbol ${name}`);
}

/** Position as an instruction count of the run (a full recording's positions are already counts). */
function count(trace: Trace, position: number): number {
  return Number(trace.header.firstStep) + position;
}

/** The thread's step before `position`. */
function stepBefore(trace: Trace, position: number, tid: number): number {
  const q = threadStep(trace, position, tid, -1);
  return need(q < position && trace.stepAt(q).tid === tid ? q : undefined, `thread ${tidName(tid)} has no step before position ${position}`);
}

/** From the faulting instruction to the first instruction of runtime.gopanic after the resume. */
function firstNilDereference(replay: Replay): GoldenWindow {
  const t = replay.trace;
  const e = need(replay.episodes().find((x) => x.kind === 'exception'), 'the recording has no exception dispatch');
  const panic = need(findExecution(t, e.end, 1, symbol(t, 'runtime.gopanic'), e.tid), 'the thread never reaches runtime.gopanic after the resume');
  return { start: count(t, e.start), stop: count(t, panic + 1), dumpArgs: [] };
}

/** The position after the last step thread `tid` runs from `position` on before another thread runs. */
function endOfRun(trace: Trace, position: number, tid: number): number {
  for (let i = trace.segmentOf(position); i < trace.segmentCount; i++) {
    const seg = trace.decoded(i);
    for (let k = Math.max(0, position - seg.firstStep); k < seg.steps; k++) if (seg.stepTid[k] !== tid) return seg.firstStep + k;
  }
  return trace.totalSteps;
}

/** First calls of the 12-argument SyscallN: asmstdcall's entry with libcall.n > 8 (libcall: fn, n, args, ...). */
function wideAsmstdcall(replay: Replay): { entry: number; tid: number } {
  const t = replay.trace;
  const asmstdcall = symbol(t, 'runtime.asmstdcall');
  for (let p = findExecution(t, -1, 1, asmstdcall); p !== undefined; p = findExecution(t, p, 1, asmstdcall)) {
    const { tid, regs } = t.regWords(p);
    const libcall = regs[0]! + regs[1]! * 0x1_0000_0000;
    const n = new DataView(replay.memory.read(p, libcall + 8, 8).bytes.buffer).getBigUint64(0, true);
    if (n > 8n) return { entry: p, tid };
  }
  throw new LocateError('cannot locate the golden window: no asmstdcall with more than 8 arguments');
}

/** [the call step, the instruction it returns to] of the call that entered the function at `entry`. */
function callWindow(replay: Replay, entry: number, tid: number, dumpArgs: readonly string[]): GoldenWindow {
  const t = replay.trace;
  const call = stepBefore(t, entry, tid);
  const word = replay.code.word(t.stepAt(call).pc);
  need(word !== undefined && isCall(word) ? true : undefined, `the step before position ${entry} is not a call`);
  const back = stepOverForward(t, replay.code, call);
  need(back < t.totalSteps && t.stepAt(back).pc === t.stepAt(call).pc + 4 ? true : undefined, `the call at position ${call} never returns`);
  return { start: count(t, call), stop: count(t, back + 1), dumpArgs };
}

/** The first thread-start episode, for the new thread (see first-thread's `window`). */
function firstThread(replay: Replay): GoldenWindow {
  const t = replay.trace;
  const e = need(replay.episodes().find((x) => x.kind === 'thread-start'), 'the recording starts no thread');
  const created = need(t.events().find((x) => x.event.kind === 'thread-created' && x.event.newTid === e.tid), 'no thread-created event');
  const started = need(t.thread(e.tid)?.startedAt, `thread ${tidName(e.tid)} never runs`);
  // The event follows the stub's SVC: the window begins at that SVC.
  return {
    start: count(t, stepBefore(t, created.position, created.event.tid)),
    // One step of another thread more, so the events of the new thread's last instruction (the wait it
    // blocks in) lie inside the window.
    stop: count(t, endOfRun(t, started, e.tid) + 1),
    dumpArgs: ['--thread', tidName(e.tid)],
  };
}

/** The first episode of `kind`, from its start to its end (both instructions inside the window). */
function firstEpisode(kind: Episode['kind'], dumpArgs: (tid: number) => readonly string[]) {
  return (replay: Replay): GoldenWindow => {
    const t = replay.trace;
    const e = need(replay.episodes().find((x) => x.kind === kind), `the recording has no ${kind} episode`);
    return { start: count(t, e.start), stop: count(t, e.end + 1), dumpArgs: dumpArgs(e.tid) };
  };
}

/**
 * The first exception dispatch, from the faulting instruction to its first mark whose label contains `until`
 * (that instruction included), or to its end.
 */
function firstDispatchUntil(until: string | undefined, dumpArgs: readonly string[]) {
  return (replay: Replay): GoldenWindow => {
    const t = replay.trace;
    const e = need(replay.episodes().find((x) => x.kind === 'exception'), 'the recording has no exception dispatch');
    const stop = until === undefined ? e.end : need(e.marks.find((m) => m.label.includes(until))?.position, `the dispatch has no mark with '${until}'`);
    return { start: count(t, e.start), stop: count(t, stop + 1), dumpArgs };
  };
}

/** A profiler sample, a fault on a thread without g and an exception left to the last continue handler (issue 18). */
function moreEntryPaths(release?: string): Scenario[] {
  const suffix = release ? `-go${release}` : '';
  const on = release ? ` on Go ${release}'s runtime` : '';
  const go = release ? { go: release } : {};
  return [
    {
      name: `profiler-sample${suffix}`,
      fixture: 'cpu-profile',
      ...go,
      shows: `a CPU profiler sample${on}: the profiler thread wakes from its timer, suspends the main thread, reads its context (main.hotLoop), records the sample in runtime.sigprof and resumes it`,
      window: 'the first profiler-sample episode of a full recording; dumped for the profiler thread with --depth 2',
      locate: firstEpisode('profiler-sample', (tid) => ['--thread', tidName(tid), '--depth', '2']),
    },
    {
      name: `fault-no-g${suffix}`,
      fixture: 'fault-no-g',
      ...go,
      shows: release
        ? `a fault on a thread Go did not create${on}: sigtrampgo finds no g and passes it on from every handler, and the process ends with the access violation unhandled`
        : 'a fault on a thread Go did not create: sigtramp finds no g, badsignal2 prints its line and aborts, and the abort faults again (the first of 1,721 nested dispatches)',
      window: release
        ? 'the first exception dispatch, from the faulting instruction to its end (the process exit)'
        : 'the first exception dispatch, from the faulting instruction to its entry into runtime.badsignal2, dumped with --depth 1',
      locate: release ? firstDispatchUntil(undefined, ['--depth', '2']) : firstDispatchUntil('has no g', ['--depth', '1']),
    },
    {
      name: `last-continue${suffix}`,
      fixture: 'last-continue',
      ...go,
      shows: `an exception in code outside the Go image${on}: exceptionhandler and firstcontinuehandler pass it on, lastcontinuetramp takes it and lastcontinuehandler reports it through winthrow`,
      window: 'the first exception dispatch, from the faulting instruction to its entry into the runtime\'s crash report, dumped with --depth 2',
      locate: firstDispatchUntil('Go reports the exception', ['--depth', '2']),
    },
  ];
}

/** A console Ctrl-C and an async preemption, on the reference runtime and on `release`'s (issue 18). */
function entryPaths(release?: string): Scenario[] {
  const suffix = release ? `-go${release}` : '';
  const on = release ? ` on Go ${release}'s runtime` : '';
  return [
    {
      name: `console-ctrl-c${suffix}`,
      fixture: 'signal-notify',
      ...(release ? { go: release } : {}),
      recordArgs: ['--console-event', 'ctrl-c@1000000000'],
      shows: `a console Ctrl-C${on}: Windows creates the control thread in kernelbase!CtrlRoutine, which calls the handler Go registered (a callback entry → callbackasm1 → cgocallback → runtime.ctrlHandler → runtime.sigsend) and gets TRUE back`,
      window: 'the console-event episode of a recording with --console-event ctrl-c@1000000000 (raised once every thread waits); from the control thread\'s creation to the episode\'s last mark; dumped for the control thread only, with --depth 2',
      // The handler runs a whole new M's start-up (needm, minit) inside the callback: calls folded below depth 2.
      locate: firstEpisode('console-event', (tid) => ['--thread', tidName(tid), '--depth', '2']),
    },
    {
      name: `async-preemption${suffix}`,
      fixture: 'spin',
      ...(release ? { go: release } : {}),
      recordArgs: ['--max-instructions', '30000000'],
      shows: `an asynchronous preemption${on}: sysmon's thread suspends the spinning thread, reads and rewrites its context to enter runtime.asyncPreempt, resumes it, and the spinning goroutine yields in asyncPreempt2`,
      window: 'the first async-preemption episode in the first 30M instructions of spin; from the SuspendThread call to the target\'s entry into runtime.asyncPreempt2',
      locate: firstEpisode('async-preemption', () => []),
    },
  ];
}

/** The exception and thread-start goldens of a newer runtime: same windows, located the same way, on its build. */
function newerRuntime(release: string): Scenario[] {
  return [
    {
      name: `recovered-nil-dereference-go${release}`,
      fixture: 'panic-recover',
      go: release,
      shows: `recovered-nil-dereference on Go ${release}'s runtime: exceptiontramp → sigtramp (one frame) → sigtrampgo deciding the g0 switch in Go code → exceptionhandler, firstcontinuetramp, the resume at runtime.sigresume, sigpanic, into gopanic`,
      window: 'as recovered-nil-dereference, on this release\'s build',
      locate: firstNilDereference,
    },
    {
      name: `first-thread-go${release}`,
      fixture: 'goroutines',
      go: release,
      shows: `first-thread on Go ${release}'s runtime: CreateThread, tstart_stdcall → mstart → ... → the new thread's first wait`,
      window: 'as first-thread, on this release\'s build; dumped for the new thread only',
      locate: firstThread,
    },
  ];
}

export const SCENARIOS: readonly Scenario[] = [
  {
    name: 'recovered-nil-dereference',
    fixture: 'panic-recover',
    shows: 'a recovered nil dereference: the fault in main.readValue, the frame the emulated Windows builds, exceptiontramp → sigtramp → sigtramp_g0 → exceptionhandler, firstcontinuetramp, the resume at sigresume on the g0 stack, sigpanic, into gopanic',
    window: 'the first exception dispatch of a full recording; from the faulting instruction to the first instruction of runtime.gopanic after the resume',
    locate: firstNilDereference,
  },
  {
    name: 'unhandled-crash',
    fixture: 'crash',
    shows: 'the nil dereference nobody recovers, over the same Windows path as the recovered one (Go turns every fault in Go code into a panic); the last line records that the run then exited with code 2',
    window: 'as recovered-nil-dereference: the first exception dispatch, from the faulting instruction in main.deref to the first instruction of runtime.gopanic',
    locate: firstNilDereference,
  },
  {
    name: 'first-thread',
    fixture: 'goroutines',
    shows: 'the first thread the runtime creates: the thread-created event (start routine, parameter, TEB, stack), the registers the emulated CreateThread gave the thread, tstart_stdcall → mstart → mstart0 → mstart1 → minit (DuplicateHandle, VirtualQuery of its own stack) → sysmon, up to its first wait',
    window: 'the first thread-start episode; from the creating thread\'s SVC in the CreateThread stub to the new thread\'s last instruction before it first leaves the CPU and one instruction of the thread that runs next; dumped for the new thread only',
    locate: firstThread,
  },
  {
    name: 'callback-12-arguments',
    fixture: 'callback',
    shows: 'a Go callback called from "native" code with 12 arguments: the callbackasm table entry, callbackasm1 saving x0-x7 next to the four stack arguments, cgocallback into the Go function and back to asmstdcall',
    window: 'the first asmstdcall with more than 8 arguments (libcall.n > 8); its BLR into runtime.callbackasm, to the instruction the callback returns to',
    locate(replay) {
      const t = replay.trace;
      const { entry, tid } = wideAsmstdcall(replay);
      const range = need(t.symbols.range('runtime.callbackasm'), 'no symbol runtime.callbackasm');
      const inTable = (pc: number) => pc >= range[0] && pc < range[1];
      const cb = need(findInstruction(t, entry, 1, inTable, tid), 'the wide asmstdcall never enters runtime.callbackasm');
      return callWindow(replay, cb, tid, []);
    },
  },
  {
    name: 'asmstdcall-12-arguments',
    fixture: 'callback',
    shows: 'asmstdcall with 12 arguments: the stack-argument copy loop for arguments 9-12, x0-x7 from libcall.args, the call, and the results stored back; the callback it calls is folded into one line (callback-12-arguments shows it)',
    window: 'the same asmstdcall as callback-12-arguments; from the BL into runtime.asmstdcall to the instruction it returns to; dumped with --depth 1',
    locate(replay) {
      const { entry, tid } = wideAsmstdcall(replay);
      return callWindow(replay, entry, tid, ['--depth', '1']);
    },
  },
  ...newerRuntime('1.24'),
  ...newerRuntime('1.27'),
  ...entryPaths(),
  ...entryPaths('1.27'),
  ...moreEntryPaths(),
  ...moreEntryPaths('1.27'),
];
