// What differs between Go's windows/arm64 runtimes, as data: one profile per runtime generation, naming the
// routines on the boundary with Windows as that runtime's symbol table spells them. The ABI checker, the episodes
// and the diff look routines up here instead of testing versions.
//
// Read off `go tool nm` of one program built by each Debian-packaged toolchain, and each version's
// runtime/sys_windows_arm64.s (see docs/windows-model.md, "Go runtimes"):
//   1.19: sigtramp saves R19-R28 in sigtramp_g0 ($128) on g0 and calls the handler; sigresume is file-local;
//         badsignal2, usleep2, switchtothread exist.
//   1.21: sigtramp is one frame that calls sigtrampgo (Go code decides the g0 switch); runtime.sigresume exported;
//         badsignal2 and sigtramp_g0 gone; usleep2, switchtothread still there.
//   1.22-1.24: usleep2 and switchtothread gone; asmstdcall gains an ABIInternal trampoline.
//   1.26-1.27: asmstdcall moves to internal/runtime/syscall/windows.

import type { Symbols } from './symbols.ts';

export interface GoRuntimeProfile {
  /** "go1.22-1.25": the releases of the generation, as the episodes and the diff print it. */
  readonly name: string;
  /** Releases ("1.19", "1.20") this profile describes; a program's build info picks by these. */
  readonly releases: readonly string[];
  /** The C-ABI caller: its BLR calls out to Windows. */
  readonly stdcall: string;
  /** Callback entries: each is `MOVD $n, R12; B callbackasm1`. */
  readonly callbackTable: string;
  readonly callbackEntrySize: number;
  /** A thread start episode ends when the new thread first calls this. */
  readonly scheduler: string;
  readonly threadStart: string;
  /** The Go function SetConsoleCtrlHandler registers (through a callback entry), and what it hands the signal to. */
  readonly consoleHandler: string;
  readonly signalSend: string;
  /** Where os/signal delivers a queued signal to the program's channels. */
  readonly signalDeliver: string;
  /** The routine a preempting thread's SetThreadContext sends its target to, and the Go code it yields through. */
  readonly asyncPreempt: string;
  readonly asyncPreemptYield: string;
  /**
   * The CPU profiler (profileLoop on an M of its own, which suspends each M in turn): the routine that reads a
   * suspended thread's CONTEXT, and the one that records the sample.
   */
  readonly profileThread: string;
  readonly sigprof: string;
  /**
   * The last vectored continue handler's Go side, which Windows reaches only when nothing before it handled the
   * exception, and the routine it reports the exception through before it exits the process.
   */
  readonly lastContinueHandler: string;
  readonly lastContinueReport: string;
  /**
   * Where a dispatch holds the thread's g in X28 right after sigtramp's load_g (0 on a thread Go did not create),
   * and the routine the runtime sends such a thread to, if it has one (1.19's badsignal2; 1.21+ pass the
   * exception on from sigtrampgo and print nothing).
   */
  readonly gLoadedAt: readonly string[];
  readonly badsignal?: string;
  /**
   * The exception dispatch path, in the order a fault enters it: a handled one stops before the last continue
   * handler (the episode marks each one it saw).
   */
  readonly dispatchPath: readonly string[];
  /**
   * The routine that rewrites a handled exception's CONTEXT to resume on the thread's own stack (the Control Flow
   * Guard workaround, golang/go#44451): a resume outside the stack after it ran is blamed on the last branch it
   * executed, the decision that went past the rewrite.
   */
  readonly resumeWorkaround: string;
  /** Boundary routines of this runtime that others lack: present here, and the episode names them. */
  readonly only: readonly string[];
}

/** What every generation so far shares. */
const COMMON = {
  callbackTable: 'runtime.callbackasm',
  callbackEntrySize: 8,
  consoleHandler: 'runtime.ctrlHandler',
  signalSend: 'runtime.sigsend',
  signalDeliver: 'os/signal.process',
  asyncPreempt: 'runtime.asyncPreempt',
  asyncPreemptYield: 'runtime.asyncPreempt2',
  scheduler: 'runtime.schedule',
  threadStart: 'runtime.tstart_stdcall',
  profileThread: 'runtime.profilem',
  sigprof: 'runtime.sigprof',
  lastContinueHandler: 'runtime.lastcontinuehandler',
  lastContinueReport: 'runtime.winthrow',
} as const;

/**
 * 1.21 on: sigtramp's one frame calls sigtrampgo, which also makes the context resume at the exported
 * runtime.sigresume on the g0 stack.
 */
const SIGTRAMPGO = {
  dispatchPath: ['runtime.exceptiontramp', 'sigtramp', 'runtime.sigtrampgo', 'runtime.exceptionhandler', 'runtime.firstcontinuetramp', 'runtime.firstcontinuehandler',
    'runtime.lastcontinuetramp', 'runtime.lastcontinuehandler', 'runtime.sigresume'],
  resumeWorkaround: 'runtime.sigtrampgo',
  gLoadedAt: ['runtime.sigtrampgo'],
} as const;

export const GO_RUNTIMES: readonly GoRuntimeProfile[] = [
  {
    ...COMMON,
    name: 'go1.19-1.20',
    releases: ['1.19', '1.20'],
    stdcall: 'runtime.asmstdcall',
    dispatchPath: ['runtime.exceptiontramp', 'sigtramp', 'runtime.badsignal2', 'sigtramp_g0', 'runtime.exceptionhandler', 'runtime.firstcontinuetramp',
      'runtime.firstcontinuehandler', 'runtime.lastcontinuetramp', 'runtime.lastcontinuehandler', 'sigresume'],
    resumeWorkaround: 'sigtramp_g0',
    // sigtramp calls badsignal2 when load_g found no g, and goes on to sigtramp_g0 with it otherwise.
    gLoadedAt: ['runtime.badsignal2', 'sigtramp_g0'],
    badsignal: 'runtime.badsignal2',
    only: ['sigtramp_g0', 'runtime.badsignal2'],
  },
  { ...COMMON, ...SIGTRAMPGO, name: 'go1.21', releases: ['1.21'], stdcall: 'runtime.asmstdcall', only: ['runtime.usleep2', 'runtime.switchtothread'] },
  { ...COMMON, ...SIGTRAMPGO, name: 'go1.22-1.25', releases: ['1.22', '1.23', '1.24', '1.25'], stdcall: 'runtime.asmstdcall', only: ['runtime.asmstdcall_trampoline'] },
  {
    ...COMMON,
    name: 'go1.26-1.27',
    releases: ['1.26', '1.27'],
    stdcall: 'internal/runtime/syscall/windows.asmstdcall',
    ...SIGTRAMPGO,
    only: ['internal/runtime/syscall/windows.asmstdcall'],
  },
];

/** "go1.27.3" -> "1.27"; undefined for anything else (devel builds, garbage). */
export function goRelease(version: string | undefined): string | undefined {
  const m = version === undefined ? null : /^go(1\.\d+)(?:\.\d+|rc\d+|beta\d+)?\b/.exec(version);
  return m?.[1];
}

/**
 * The profile of the runtime a program was built with: by its Go version (from the build info) when known and
 * listed, otherwise the newest profile whose distinguishing routines the symbol table has (a stripped or unlisted
 * build). Undefined when the program is not a Go windows/arm64 program this knows.
 */
export function goRuntimeProfile(symbols: Pick<Symbols, 'resolve'>, goVersion?: string): GoRuntimeProfile | undefined {
  const release = goRelease(goVersion);
  const byVersion = release === undefined ? undefined : GO_RUNTIMES.find((p) => p.releases.includes(release));
  if (byVersion !== undefined) return byVersion;
  const has = (n: string) => symbols.resolve(n) !== undefined;
  for (const p of [...GO_RUNTIMES].reverse()) {
    if (has(p.stdcall) && p.dispatchPath.every(has) && p.only.every(has)) return p;
  }
  return GO_RUNTIMES.find((p) => symbols.resolve(p.stdcall) !== undefined);
}

// ---- Goroutines: what differs per release for decoding g (goroutines.ts), beside the boundary profiles above.

/**
 * Byte offsets into runtime.g and runtime.m on arm64. Go keeps g in X28 while Go code runs and, on Windows, also
 * in the TEB: every release's wintls stores TlsAlloc's index * 8 + TEB.TlsSlots (0x1480) in runtime.tls_g, and
 * load_g/save_g (tls_arm64.s, MRS_TPIDR_R0 = MOVD R18_PLATFORM) read and write [X18 + tls_g] — 1.19 through 1.27
 * alike, so that part is code, not profile data.
 */
export interface GoStructLayout {
  readonly g: {
    readonly stackLo: number;
    readonly stackHi: number;
    readonly m: number;
    readonly atomicstatus: number;
    readonly goid: number;
    readonly gopc: number;
    readonly startpc: number;
  };
  readonly m: { readonly g0: number; readonly curg: number; readonly id: number };
  /** g.atomicstatus values by number (runtime2.go's _G* constants), without the _Gscan bit. */
  readonly statuses: readonly string[];
}

// How the numbers were obtained: DWARF of fixtures/bin[/go1.NN]/goroutines.exe (built by each pinned toolchain),
// read with Go's debug/pe + debug/dwarf (member offsets of runtime.g, runtime.m, runtime.stack), then checked by
// hand against that release's runtime2.go (.cache/toolchains/go1.NN/.../src/runtime): g = stack(16),
// stackguard0/1, _panic, _defer, m @48, sched gobuf (7 words; 6 from 1.26, which drops gobuf.ret), syscallsp,
// syscallpc, [syscallbp from 1.23], stktopsp, param, atomicstatus, stackLock, goid. m = g0 @0, morebuf gobuf,
// divmod, procid, gsignal, goSigStack, sigmask, tls[6], mstartfn, curg, caughtsig, [signalSecret 1.26], p, nextp,
// oldp, id. tests/e2e/goroutines.test.ts checks them on recorded traces: m0.g0 = &g0, g0.m = &m0, m0.id = 0 and
// the main goroutine's goid = 1.
const G_1_19 = { stackLo: 0, stackHi: 8, m: 48, atomicstatus: 144, goid: 152 } as const;
const STATUSES = ['idle', 'runnable', 'running', 'syscall', 'waiting', 'moribund', 'dead', 'enqueue', 'copystack', 'preempted'];
/** 1.26 adds _Gleaked (a leaked goroutine the GC caught) and _Gdeadextra (dead, kept for an extra m of cgo callbacks). */
const STATUSES_1_26 = [...STATUSES, 'leaked', 'deadextra'];
/** 1.19: gopc 296, startpc 312 (g has 392 bytes). */
const LAYOUT_1_19: GoStructLayout = { g: { ...G_1_19, gopc: 296, startpc: 312 }, m: { g0: 0, curg: 144, id: 184 }, statuses: STATUSES };
/** 1.21-1.22: the tracer's sysexitticks, traceseq and tracelastp leave g and parentGoid joins: gopc 280, startpc 296. */
const LAYOUT_1_21: GoStructLayout = { g: { ...G_1_19, gopc: 280, startpc: 296 }, m: { g0: 0, curg: 144, id: 184 }, statuses: STATUSES };
/** 1.23-1.24: g.syscallbp pushes atomicstatus to 152, goid to 160, gopc 288, startpc 304. */
const LAYOUT_1_23: GoStructLayout = { g: { stackLo: 0, stackHi: 8, m: 48, atomicstatus: 152, goid: 160, gopc: 288, startpc: 304 }, m: { g0: 0, curg: 144, id: 184 }, statuses: STATUSES };
/** 1.26-1.27: gobuf.ret is gone (g and m.morebuf shrink by 8: goid back to 152, m.curg 136); m.signalSecret keeps m.id at 184. */
const LAYOUT_1_26: GoStructLayout = { g: { ...G_1_19, gopc: 288, startpc: 304 }, m: { g0: 0, curg: 136, id: 184 }, statuses: STATUSES_1_26 };

/** Every release's entries from Windows (exceptiontramp & co. branch to sigtramp; load_g itself sets X28 last). */
const FROM_WINDOWS = ['runtime.exceptiontramp', 'runtime.firstcontinuetramp', 'runtime.lastcontinuetramp', 'sigtramp', 'runtime.callbackasm',
  'runtime.callbackasm1', 'runtime.tstart_stdcall', 'runtime.load_g'];

/** Per release: the g/m layout and the routines where the TLS slot, not X28, holds g. */
export interface GoroutineRuntime {
  readonly layout: GoStructLayout;
  /**
   * Go routines Windows calls into, where X28 still holds Windows' value ("callee-save from Windows, not really
   * g", sys_windows_arm64.s) until load_g reads the TLS slot: there the slot, not X28, says which g runs.
   */
  readonly gFromTls: readonly string[];
}

/**
 * Releases with a verified layout. 1.20 and 1.25 are missing on purpose: no toolchain here to verify one with,
 * and their programs decode no goroutines rather than guessed ones.
 */
export const GOROUTINE_RUNTIMES: Readonly<Partial<Record<string, GoroutineRuntime>>> = {
  // sigtramp_g0 runs with Windows' X28 until it sets g = g0, and again after restoring R19-R28.
  '1.19': { layout: LAYOUT_1_19, gFromTls: [...FROM_WINDOWS, 'sigtramp_g0'] },
  '1.21': { layout: LAYOUT_1_21, gFromTls: FROM_WINDOWS },
  '1.22': { layout: LAYOUT_1_21, gFromTls: FROM_WINDOWS },
  '1.23': { layout: LAYOUT_1_23, gFromTls: FROM_WINDOWS },
  '1.24': { layout: LAYOUT_1_23, gFromTls: FROM_WINDOWS },
  '1.26': { layout: LAYOUT_1_26, gFromTls: FROM_WINDOWS },
  '1.27': { layout: LAYOUT_1_26, gFromTls: FROM_WINDOWS },
};
