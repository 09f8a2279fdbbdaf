// The "wild-branch" fuzz kind: a guest branches to an address it should not (wild-targets.ts: 0, below 64 KiB,
// unmapped holes, reserved-but-uncommitted pages, data, stack and heap pages that are not executable, the middle
// of the emulated DLLs' stub pages, the TEB, PEB and KUSER_SHARED_DATA, above 2^48, misaligned, the thread-return
// stub, the middle of .text). Sites, from the seed: `entry` and `main` run the program changed to branch there by
// BR, BLR or RET or to start a thread there (wild-program.ts), before Go's runtime has its exception handler or
// with it; `host-pc` sets the main thread's pc there; `host-thread` has CreateThread start a thread there, the
// main thread held or running. One case in five of the program sites is recorded and the trace read back.
//
// Every run must end within the instruction bound and the case's time bound, never with an internal error.
// Where the class decides what Windows does, the first exception raised must be it (0xC0000005 executing at the
// target, 0xC000001D, 0x80000002 at a misaligned target), and the process must end as Windows ends it: with that
// code unhandled before Go's runtime has a handler; after, with Go's crash exit code 2 (Go on arm64 leaves an
// illegal instruction outside its code to the next handler, so that one ends unhandled too); on a thread Go did
// not create, either way, or with the access violation of runtime.abort's last fault once that thread's own
// stack is exhausted (its stack only: the other threads' stacks must survive it). A recording must open whole, its steps all there, the same exception among its events.
//
// Slow cases are not hangs: on a thread Go did not create, Go's handler calls runtime.abort, which faults, and the
// nested exceptions recurse until the stack is exhausted (about 4,700 dispatches, 4-12 s). Run with --timeout-ms 60000.

import { createHash } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROLE } from '../../src/arch/arm64.ts';
import { EngineError, WintraceError } from '../../src/errors.ts';
import { UnicornEngine } from '../../src/recorder/engine/unicorn.ts';
import { loadImageBytes } from '../../src/recorder/program.ts';
import { RecordSession } from '../../src/recorder/session.ts';
import type { ApiCall } from '../../src/recorder/windows/api.ts';
import { API_TABLE } from '../../src/recorder/windows/dlls/index.ts';
import { type RunEnd, WindowsProcess } from '../../src/recorder/windows/process.ts';
import { Replay } from '../../src/replayer/replay.ts';
import { fixtureExe } from '../helpers/fixtures.ts';
import type { CheckResult, FuzzKind, SeedInput } from './kind.ts';
import { Rng } from './rng.ts';
import { scratchDir } from './scratch.ts';
import { branchCode, HOWS, type How, patched, type Place, siteAddress } from './wild-program.ts';
import { mapProcess, type ProcessMap, randomTarget, STATUS, type Target, targetName } from './wild-targets.ts';

const WORK = scratchDir('wintrace-fuzz-wild');
const PROGRAM = fixtureExe('hello');
/** Instructions a run may take: hello ends after 0.68M, and Go's crash report takes fewer than 1M more. */
export const BOUND = 3_000_000n;
/** Go's runtime exits with 2 after printing a fatal exception. */
const GO_CRASH = 2;
export const SITES = ['entry', 'main', 'host-pc', 'host-thread'] as const;
export type Site = (typeof SITES)[number];

let map: ProcessMap;
let program: Uint8Array;
let serial = 0;

/** How a run ended, as the checks need it. */
interface Ended {
  end: RunEnd | { reason: 'error'; exitCode: number; message: string };
  executed: bigint;
  first: { code: number; address: bigint; information: readonly bigint[] } | undefined;
  /** The threads that raised any exception. */
  raisers: Set<number>;
  output: string;
}

const hex = (v: bigint | number) => `0x${v.toString(16)}`;

function describe(e: Ended): string {
  if (e.end.reason === 'exit') return `exit ${hex(e.end.exitCode >>> 0)}`;
  return e.end.reason === 'error' ? `error: ${e.end.message.replace(/0x[0-9a-f]+|\d+/g, 'N')}` : e.end.reason;
}

/** A run of the process in this worker, the first exception it raised kept. */
function runInProcess(proc: WindowsProcess, output: () => string): Ended {
  let first: Ended['first'];
  const raisers = new Set<number>();
  proc.exceptions.observer = { raised: (x) => { first ??= x; raisers.add(x.thread.id); } };
  try {
    const end = proc.run();
    return { end, executed: proc.engine.executed, first, raisers, output: output() };
  } catch (e) {
    if (e instanceof EngineError || !(e instanceof WintraceError)) throw e;
    return { end: { reason: 'error', exitCode: e.exitCode, message: e.message }, executed: proc.engine.executed, first, raisers, output: output() };
  }
}

function boot(bytes: Uint8Array): { proc: WindowsProcess; output: () => string } {
  const out: Buffer[] = [];
  const engine = new UnicornEngine();
  const proc = new WindowsProcess(engine, loadImageBytes(bytes, 'hello.exe'), {
    imagePath: 'C:\\wintrace\\hello.exe', args: [], env: {}, maxInstructions: BOUND,
    stdout: (b) => out.push(Buffer.from(b)), stderr: (b) => out.push(Buffer.from(b)),
  });
  return { proc, output: () => Buffer.concat(out).toString('utf8') };
}

/** What the host sites need of the emulated Windows: an API called as the main thread would call it. */
function callApi(proc: WindowsProcess, api: string, args: bigint[]): bigint {
  const thread = proc.threads[0]!;
  const c: ApiCall = { process: proc, thread, mem: proc.mem, args, caller: map.entry, setLastError: (code) => proc.setLastError(thread, code) };
  return API_TABLE.get(api)!.impl(c) as bigint;
}

/** The target as an address, for the host sites (which are the program's main thread, before it ran). */
function hostAddress(proc: WindowsProcess, t: Target): bigint {
  if (t.base === 'address') return t.value;
  if (t.base === 'sp') return BigInt.asUintN(64, (proc.threads[0]!.stack.base & ~15n) + t.value);
  const a = t.alloc!;
  return BigInt.asUintN(64, callApi(proc, 'kernel32.dll!VirtualAlloc', [0n, a.size, BigInt(a.type), BigInt(a.protect)]) + t.value);
}

function hostSite(p: Plan): Ended {
  const { proc, output } = boot(program);
  try {
    const address = hostAddress(proc, p.target);
    if (p.site === 'host-pc') {
      const main = proc.threads[0]!;
      proc.engine.restoreContext(main.context!);
      proc.engine.writeReg(ROLE.pc, address);
      main.context!.free();
      main.context = proc.engine.saveContext();
    } else {
      callApi(proc, 'kernel32.dll!CreateThread', [0n, 0n, address, 0n, 0n, 0n]);
      if (p.how === 'thread, main held') proc.threads[0]!.suspendCount = 1;
    }
    return runInProcess(proc, output);
  } finally {
    proc.engine.close();
  }
}

function programSite(p: Plan): Ended {
  const bytes = patched(program, 'hello.exe', siteAddress(p.site as Place, map), branchCode(p.target, p.how as How, map));
  if (p.record) return recorded(bytes);
  const { proc, output } = boot(bytes);
  try {
    return runInProcess(proc, output);
  } finally {
    proc.engine.close();
  }
}

/** The program site, recorded: the trace must open whole and hold the run's end. */
function recorded(bytes: Uint8Array): Ended {
  const exe = join(WORK, 'hello.exe');
  const out = join(WORK, `wild-${serial++}.mp`);
  writeFileSync(exe, bytes);
  const output: Buffer[] = [];
  let ended: Ended['end'];
  let executed: bigint | undefined;
  try {
    const s = new RecordSession({
      program: exe, output: out, args: [], env: {}, maxInstructions: BOUND,
      stdout: (b) => output.push(Buffer.from(b)), stderr: (b) => output.push(Buffer.from(b)),
    }).run();
    ended = s.end;
    executed = s.instructions;
  } catch (e) {
    if (e instanceof EngineError || !(e instanceof WintraceError)) throw e;
    ended = { reason: 'error', exitCode: e.exitCode, message: e.message };
  }
  const r = Replay.open(out);
  try {
    const t = r.trace;
    if (t.truncated || !t.footer) throw new Error('the recording has no footer');
    const steps = t.entries.reduce((n, e) => n + e.steps, 0);
    if (steps !== t.totalSteps || BigInt(t.totalSteps) !== t.footer.summary.instructions) {
      throw new Error(`the recording holds ${steps} steps in its segments, ${t.totalSteps} in all, of ${t.footer.summary.instructions} instructions`);
    }
    if (executed !== undefined && t.footer.summary.instructions !== executed) throw new Error(`${t.footer.summary.instructions} instructions recorded of ${executed} run`);
    if (t.totalSteps > 0) {
      t.stepAt(t.totalSteps - 1); // the last step decodes
      t.state(t.totalSteps);
    }
    r.episodes();
    const raised = t.events().map((e) => e.event).find((e) => e.kind === 'exception-raised');
    const first = raised?.kind === 'exception-raised' ? { code: raised.code, address: raised.address, information: raised.information } : undefined;
    const raisers = new Set(t.events().map((e) => e.event).filter((e) => e.kind === 'exception-raised').map((e) => e.tid));
    return { end: ended, executed: t.footer.summary.instructions, first, raisers, output: Buffer.concat(output).toString('utf8') };
  } finally {
    r.close();
    rmSync(out, { force: true });
  }
}

/** Throws when the run did not end as it must. */
type Handler = 'none' | 'go' | 'either';

function judge(t: Target, e: Ended, handler: Handler, address: bigint | undefined): void {
  if (e.executed > BOUND) throw new Error(`ran ${e.executed} instructions past the bound of ${BOUND}`);
  if (t.expect === undefined) return;
  const f = e.first;
  const want = `${hex(t.expect)}${address !== undefined ? ` at ${hex(address)}` : ''}`;
  if (!f) throw new Error(`no exception raised where Windows raises ${want}; ${describe(e)}: ${e.output.slice(-300)}`);
  if (f.code !== t.expect || (address !== undefined && f.address !== address)) {
    throw new Error(`exception ${hex(f.code)} at ${hex(f.address)} where Windows raises ${want}`);
  }
  if (e.raisers.size > 1) {
    // One wild branch faults one thread; another thread's exception means the first one's damage reached it
    // (a stack that overflowed into the reservation below it did, before its bottom page was left uncommitted).
    throw new Error(`exceptions raised on threads ${[...e.raisers].map(hex).join(', ')}: ${describe(e)}`);
  }
  if (f.code === STATUS.ACCESS_VIOLATION && (f.information[0] !== 8n || f.information[1] !== f.address)) {
    throw new Error(`access violation [${f.information.map(hex).join(', ')}] where Windows says executing ${hex(f.address)}`);
  }
  const exits = handler === 'none' ? [t.expect]
    : handler === 'go' ? [GO_CRASH, ...(t.expect === STATUS.ILLEGAL_INSTRUCTION ? [t.expect] : [])]
    // On a thread Go did not create, Go's handler calls runtime.abort, which faults until the thread's stack is
    // exhausted and the last frame cannot be pushed: the process then ends with abort's access violation.
    : [t.expect, GO_CRASH, STATUS.ACCESS_VIOLATION];
  if (e.end.reason !== 'exit' || !exits.includes(e.end.exitCode >>> 0)) {
    throw new Error(`${describe(e)} where the process ends with ${exits.map((x) => hex(x)).join(' or ')}: ${e.output.slice(-300)}`);
  }
}

/** Everything a case does, drawn from its bytes before anything runs. */
export interface Plan {
  site: Site;
  target: Target;
  /** BR, BLR, RET or a thread at the program sites; pc or a thread at the host sites. */
  how: How | 'pc' | 'thread' | 'thread, main held';
  record: boolean;
  /** Who handles the exception: nobody yet, Go's runtime, or either (a thread Go did not create). */
  handler: Handler;
}

export function plan(bytes: Uint8Array, site: Site, m: ProcessMap): Plan {
  const rng = new Rng(createHash('sha256').update(bytes).digest().readBigUInt64LE(0));
  const target = randomTarget(rng, m);
  if (site === 'host-pc') return { site, target, how: 'pc', record: false, handler: 'none' };
  if (site === 'host-thread') {
    const held = rng.chance(0.5);
    return { site, target, how: held ? 'thread, main held' : 'thread', record: false, handler: held ? 'none' : 'either' };
  }
  const how = rng.pick(HOWS);
  return { site, target, how, record: rng.chance(0.2), handler: site === 'entry' ? 'none' : how === 'thread' ? 'either' : 'go' };
}

export const wildBranchKind: FuzzKind = {
  name: 'wild-branch',

  seeds(): SeedInput[] {
    map = mapProcess(PROGRAM);
    program = new Uint8Array(readFileSync(PROGRAM));
    // The bytes only seed the generator: the target and the way there derive from their hash.
    const fields = [0, 8, 16, 24].map((offset) => ({ name: `word${offset / 8}`, offset, size: 8 as const }));
    return SITES.map((name, k) => ({ name, bytes: new Uint8Array(32).map((_, i) => i * 29 + k), map: { fields, hot: [[0, 32]] } }));
  },

  check(bytes, name): CheckResult {
    const p = plan(bytes, name as Site, map);
    const ended = p.site === 'host-pc' || p.site === 'host-thread' ? hostSite(p) : programSite(p);
    judge(p.target, ended, p.handler, p.target.base === 'address' ? p.target.value : undefined);
    const what = `${targetName(p.target)}: ${describe(ended)}${p.record ? ' (recorded)' : ''}`;
    return ended.end.reason === 'error' ? { outcome: 'rejected', message: what } : { outcome: 'loaded', detail: what };
  },
};
