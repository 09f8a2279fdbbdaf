// The recording of the hostile-strings fuzz kind: a small trace holding every string a guest or a file controls —
// the program's name, command line and Go version in the header; symbol names; the emulated DLL's name and its
// stubs' names; a LoadLibraryW argument and a GetProcAddress name whose stub exists only in the footer (or, cut
// short, only in the events); an API's name, string arguments and string result; a mapping's protection; the
// fail-fast, exit and end reasons. It is written twice from one shape: with hostile strings, and as its benign
// twin, each distinct string replaced by a plain name, so that what a view prints can be compared line for line.

import { readFileSync, writeFileSync } from 'node:fs';
import type { TraceStub } from '../../src/trace/schema.ts';
import { A64, codeRegion, SyntheticTrace } from '../helpers/synthetic-trace.ts';
import { repairChecksums } from '../helpers/trace-bytes.ts';
import { type HostileText, swapPlaceholders } from './hostile-text.ts';
import type { Rng } from './rng.ts';

export interface TraceStrings {
  program: string;
  commandLine: string;
  goVersion: string | undefined;
  /** The main routine, a thread's routine, the exception handler, and a symbol without a size. */
  symbols: string[];
  dll: string;
  /** Functions of the header's two stubs. */
  stubs: string[];
  /** The function GetProcAddress places late: named in the footer, or only by the events when it is cut. */
  lateFunction: string;
  library: string;
  api: string;
  apiArgs: Array<bigint | string>;
  apiValue: bigint | string;
  prot: string;
  failFast: string;
  exitReason: string;
  endReason: string;
}

/** What the recording holds besides its strings; the same for the hostile trace and its twin. */
export interface TraceShape {
  threads: 1 | 2;
  /** With a footer (a recording that ended), or cut after its last segment. */
  complete: boolean;
  exception: boolean;
  failFast: boolean;
  goVersion: boolean;
  /** The mapping's protection is a hostile string (the reader may refuse it) instead of `rw-`. */
  hostileProt: boolean;
}

const MAIN = 0x1000;
const WORKER = 0x1004;
const CODE = 0x10000n;
const SYMBOL_AT = [CODE, CODE + 0x40n, CODE + 0x80n, CODE + 0xc0n];
const DLL = 0x7ffa_0010_0000n;
const LATE = DLL + 0x40n;
const LIBRARY = 0x7ffa_0020_0000n;
const SP0 = 0x7000_0000n;
const TEB = 0x7ff8_0000_0000n;
const PC = 32;
const SP = 31;
const LR = 30;

export function traceShape(rng: Rng): TraceShape {
  return {
    threads: rng.chance(0.5) ? 2 : 1, complete: rng.chance(0.8), exception: rng.chance(0.8), failFast: rng.chance(0.5),
    goVersion: rng.chance(0.5), hostileProt: rng.chance(0.1),
  };
}

export function hostileStrings(h: HostileText, rng: Rng): TraceStrings {
  const next = () => h.next();
  return {
    program: next(), commandLine: next(), goVersion: next(), symbols: [next(), next(), next(), next()], dll: next(),
    stubs: [next(), next()], lateFunction: next(), library: next(), api: next(),
    apiArgs: Array.from({ length: rng.between(0, 4) }, () => (rng.chance(0.6) ? next() : BigInt(rng.below(0x10000)))),
    apiValue: rng.chance(0.5) ? next() : 0x77n, prot: next(), failFast: next(), exitReason: next(), endReason: next(),
  };
}

/** The strings with each distinct one replaced by a plain name (the empty string stays empty): the benign twin. */
export function benignStrings(s: TraceStrings): TraceStrings {
  const names = new Map<string, string>();
  const plain = (v: string) => {
    if (v === '') return v;
    if (!names.has(v)) names.set(v, `s${names.size}`);
    return names.get(v)!;
  };
  const arg = (v: bigint | string) => (typeof v === 'string' ? plain(v) : v);
  return {
    program: plain(s.program), commandLine: plain(s.commandLine), goVersion: s.goVersion === undefined ? undefined : plain(s.goVersion),
    symbols: s.symbols.map(plain), dll: plain(s.dll), stubs: s.stubs.map(plain), lateFunction: plain(s.lateFunction),
    library: plain(s.library), api: plain(s.api), apiArgs: s.apiArgs.map(arg), apiValue: arg(s.apiValue), prot: plain(s.prot),
    failFast: plain(s.failFast), exitReason: plain(s.exitReason), endReason: plain(s.endReason),
  };
}

/**
 * Writes the recording. With `swaps` (the hostile trace), its frames are stored uncompressed and every
 * placeholder becomes the invalid UTF-8 it stands for, the checksums recomputed.
 */
export function writeTrace(path: string, s: TraceStrings, shape: TraceShape, swaps?: ReadonlyMap<string, Uint8Array>): void {
  const stubs: TraceStub[] = s.stubs.map((f, i) => ({ name: `${s.dll}!${f}`, address: DLL + BigInt(8 * i) }));
  const t = new SyntheticTrace({
    threads: [{ tid: MAIN, teb: TEB, stackBase: SP0 + 0x1000n, stackLimit: SP0 - 0x10000n, regs: { [PC]: CODE, [SP]: SP0, 18: TEB } }],
    symbols: s.symbols.map((name, i) => ({ name, address: SYMBOL_AT[i]!, size: i === 3 ? 0 : 0x40 })),
    stubs,
    regions: [
      codeRegion(CODE, [...new Array<number>(60).fill(A64.nop), A64.ret]),
      codeRegion(DLL, new Array<number>(32).fill(0).map((_, i) => (i % 2 === 0 ? 0xd4000001 : A64.ret))), // SVC #0; RET
      { base: SP0 - 0x10000n, size: 0x11000, prot: 'rw-', pages: [] },
    ],
    storedStreams: swaps !== undefined && swaps.size > 0,
  });
  t.header.program.name = s.program;
  t.header.commandLine = s.commandLine;
  if (shape.goVersion && s.goVersion !== undefined) t.header.program.goVersion = s.goVersion;

  t.step();
  const call = (api: string, args: Array<bigint | string>, value: bigint | string, caller: bigint) => {
    t.event({ kind: 'api-call', tid: MAIN, api, args, caller });
    if (typeof value === 'bigint') t.os({ 0: value });
    t.event({ kind: 'api-return', tid: MAIN, api, value, lastError: typeof value === 'bigint' && value === 0n ? 127 : 0 });
  };
  call('kernel32.dll!LoadLibraryW', [s.library], LIBRARY, CODE + 8n);
  t.step();
  call('kernel32.dll!GetProcAddress', [DLL, s.lateFunction], LATE, CODE + 0xcn);
  // Into a header stub and back, then into the late one, which runs the hostile API.
  t.step({ set: { [LR]: CODE + 0x10n }, next: DLL });
  call(stubs[0]!.name, s.apiArgs, s.apiValue, CODE + 0x10n);
  t.step();
  t.step({ next: CODE + 0x10n });
  t.step({ set: { [LR]: CODE + 0x14n }, next: LATE });
  call(s.api, s.apiArgs, s.apiValue, CODE + 0x14n);
  t.step();
  t.step({ next: CODE + 0x14n });
  if (shape.exception) {
    // A fault in the hostile routine: an episode named after it, its handler another, X18 clobbered a violation.
    const handler = SYMBOL_AT[2]!;
    t.event({ kind: 'exception-raised', tid: MAIN, code: 0xc0000005, address: CODE + 0x14n, information: [0n, 0n], context: SP0 - 0x1000n, regs: t.regFile() });
    t.event({ kind: 'handler-called', tid: MAIN, handler, phase: 'vectored', regs: t.regFile() });
    t.os({ [PC]: handler, [SP]: SP0 - 0x1100n });
    t.step({ set: { 18: 0n } });
    t.step({ set: { 18: TEB, 0: 0xffff_ffffn } });
    t.event({ kind: 'handler-returned', tid: MAIN, handler, phase: 'vectored', result: -1, regs: t.regFile() });
    t.event({ kind: 'context-resumed', tid: MAIN, pc: CODE + 0x18n, sp: SP0, stackLimit: SP0 - 0x10000n, stackBase: SP0 + 0x1000n, regs: t.regFile() });
    t.os({ [PC]: CODE + 0x18n, [SP]: SP0 });
    t.step();
  }
  if (shape.threads === 2) {
    const start = SYMBOL_AT[1]!;
    const teb = TEB + 0x10000n;
    t.event({ kind: 'thread-created', tid: MAIN, newTid: WORKER, start, parameter: 0n, teb, stackBase: 0x6000_0000n, stackLimit: 0x5fff_0000n, regs: t.regFile() });
    t.event({ kind: 'thread-switched', tid: WORKER, from: MAIN });
    t.switchTo(WORKER, {}, { tid: WORKER, teb, stackBase: 0x6000_0000n, stackLimit: 0x5fff_0000n, regs: { [PC]: start, [SP]: 0x6000_0000n, 18: teb } });
    t.event({ kind: 'thread-started', tid: WORKER, pc: start, regs: t.regFile() });
    t.step({ set: { 1: 9n } });
    t.step({ next: SYMBOL_AT[3]! }); // into the routine without a size
    t.step();
    t.event({ kind: 'thread-exited', tid: WORKER, exitCode: 0 });
    t.event({ kind: 'thread-switched', tid: MAIN, from: WORKER });
    t.switchTo(MAIN);
  }
  t.event({ kind: 'memory-mapped', tid: MAIN, base: 0x2000_0000n, size: 0x1000, prot: shape.hostileProt ? s.prot : 'rw-' });
  t.step();
  if (shape.failFast) t.event({ kind: 'fail-fast', tid: MAIN, code: 0xc0000409, reason: s.failFast });
  t.step();
  t.event({ kind: 'process-exit', tid: MAIN, exitCode: 2, reason: s.exitReason });
  t.write(path, shape.complete, { endReason: s.endReason, stubs: [...stubs, { name: `${s.dll}!${s.lateFunction}`, address: LATE }] });
  if (swaps && swaps.size > 0) {
    const file = readFileSync(path);
    if (swapPlaceholders(file, swaps)) {
      repairChecksums(file);
      writeFileSync(path, file);
    }
  }
}
