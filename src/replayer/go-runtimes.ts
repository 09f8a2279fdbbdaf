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
  /** The exception dispatch path, in the order a handled fault enters it (the episode marks each one it saw). */
  readonly dispatchPath: readonly string[];
  /** Boundary routines of this runtime that others lack: present here, and the episode names them. */
  readonly only: readonly string[];
}

/** What every generation so far shares. */
const COMMON = {
  callbackTable: 'runtime.callbackasm',
  callbackEntrySize: 8,
  scheduler: 'runtime.schedule',
  threadStart: 'runtime.tstart_stdcall',
} as const;

/** 1.21 on: sigtramp's one frame calls sigtrampgo, and the context resumes at the exported runtime.sigresume. */
const SIGTRAMPGO_PATH = ['runtime.exceptiontramp', 'sigtramp', 'runtime.sigtrampgo', 'runtime.exceptionhandler', 'runtime.firstcontinuetramp', 'runtime.firstcontinuehandler', 'runtime.sigresume'];

export const GO_RUNTIMES: readonly GoRuntimeProfile[] = [
  {
    ...COMMON,
    name: 'go1.19-1.20',
    releases: ['1.19', '1.20'],
    stdcall: 'runtime.asmstdcall',
    dispatchPath: ['runtime.exceptiontramp', 'sigtramp', 'sigtramp_g0', 'runtime.exceptionhandler', 'runtime.firstcontinuetramp', 'runtime.firstcontinuehandler', 'sigresume'],
    only: ['sigtramp_g0', 'runtime.badsignal2'],
  },
  { ...COMMON, name: 'go1.21', releases: ['1.21'], stdcall: 'runtime.asmstdcall', dispatchPath: SIGTRAMPGO_PATH, only: ['runtime.usleep2', 'runtime.switchtothread'] },
  { ...COMMON, name: 'go1.22-1.25', releases: ['1.22', '1.23', '1.24', '1.25'], stdcall: 'runtime.asmstdcall', dispatchPath: SIGTRAMPGO_PATH, only: ['runtime.asmstdcall_trampoline'] },
  {
    ...COMMON,
    name: 'go1.26-1.27',
    releases: ['1.26', '1.27'],
    stdcall: 'internal/runtime/syscall/windows.asmstdcall',
    dispatchPath: SIGTRAMPGO_PATH,
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
