// The "trace" fuzz kind: mutated trace files go through what `wintrace check` and the TUI do with a trace —
// open, every event and episode, every segment decoded, state, memory, searches and call stacks at a few
// positions, and the ABI checker — and must end in a clean TraceFormatError or a readable trace.
//
// Seeds: two synthetic traces (every record and event kind, two threads, switches, OS writes, V registers) and a
// real recording window of panic-recover (an exception dispatch) whose header keeps only the code pages it
// runs, all with their frames stored uncompressed (codec byte 0) so byte mutations land in the msgpack and the
// step streams themselves. Half the cases (chosen by a hash of the input) get their frame checksums recomputed first, so the
// mutation reaches msgpack decoding, the shape checks and the stream decoders instead of stopping at the crc.

import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TraceFormatError, WintraceError } from '../../src/errors.ts';
import { RecordSession } from '../../src/recorder/session.ts';
import { check } from '../../src/replayer/abi/check.ts';
import { callStack } from '../../src/replayer/callstack.ts';
import { describeEvent } from '../../src/replayer/describe.ts';
import { episodes } from '../../src/replayer/episodes.ts';
import { Replay } from '../../src/replayer/replay.ts';
import { registerChange, runTo } from '../../src/replayer/search.ts';
import { stepOverBackward, threadAt } from '../../src/replayer/stepping.ts';
import { FRAME, FRAME_HEADER_BYTES } from '../../src/trace/schema.ts';
import { fixtureExe } from '../helpers/fixtures.ts';
import { A64, codeRegion, le64, SyntheticTrace } from '../helpers/synthetic-trace.ts';
import { buildTrace, parseFrames, repairChecksums } from '../helpers/trace-bytes.ts';
import type { CheckResult, FuzzKind, SeedInput } from './kind.ts';
import type { Field, InputMap, Range } from './mutators.ts';
import { alive } from './scratch.ts';

/**
 * One directory for every worker's files, named by process id. The campaign ends workers with SIGKILL, so a
 * worker cannot clean up after itself: each one removes the files of processes that no longer exist.
 */
const WORK = join(tmpdir(), 'wintrace-fuzz-trace');
mkdirSync(WORK, { recursive: true });
for (const f of readdirSync(WORK)) {
  const pid = Number(/-(\d+)\.mp$/.exec(f)?.[1]);
  if (Number.isInteger(pid) && !alive(pid)) rmSync(join(WORK, f), { force: true });
}

/** Frame headers and the trailer as fields; every frame's payload as hot ranges. */
export function traceInputMap(bytes: Uint8Array): InputMap {
  const l = parseFrames(bytes);
  const fields: Field[] = [];
  const hot: Range[] = [];
  l.offsets.forEach((at, i) => {
    const kind = ['?', 'header', 'segment', 'footer'][l.frames[i]!.type] ?? '?';
    fields.push({ name: `${kind}[${i}].length`, offset: at, size: 4 }, { name: `${kind}[${i}].type`, offset: at + 4, size: 1 });
    const length = Buffer.from(bytes.buffer, bytes.byteOffset).readUInt32LE(at);
    // The header's first part (version, counts, symbol table start), every segment and the footer whole.
    hot.push([at + FRAME_HEADER_BYTES, at + FRAME_HEADER_BYTES + (l.frames[i]!.type === FRAME.header ? Math.min(length, 512) : length)]);
  });
  if (l.hasTrailer) fields.push({ name: 'trailer.footerOffset', offset: bytes.length - 16, size: 8 });
  return { fields, hot };
}

function synthetic(threads: number, killed: boolean): Uint8Array {
  const t = new SyntheticTrace({
    threads: [
      { tid: 0x1000, teb: 0x7ff8_0000_0000n, stackBase: 0x7000_1000n, stackLimit: 0x6fff_0000n, regs: { 32: 0x10000n, 31: 0x7000_0000n, 18: 0x7ff8_0000_0000n } },
      ...(threads > 1 ? [{ tid: 0x1004, teb: 0x7ff8_0001_0000n, stackBase: 0x6000_1000n, stackLimit: 0x5fff_0000n, regs: { 32: 0x10040n, 31: 0x6000_0000n, 18: 0x7ff8_0001_0000n } }] : []),
    ],
    symbols: [{ name: 'main.main', address: 0x10000n, size: 0x40 }, { name: 'main.worker', address: 0x10040n, size: 0x40 }],
    stubs: [{ name: 'kernel32.dll!Sleep', address: 0x7ffa_0000_0000n }],
    regions: [codeRegion(0x10000n, [A64.nop, A64.bl(4), A64.nop, A64.nop, A64.nop, A64.stpFpLr, A64.ldpFpLr, A64.ret, ...new Array(24).fill(A64.nop)]),
      { base: 0x6fff_0000n, size: 0x11000, prot: 'rw-', pages: [] }],
    segmentSteps: 3,
    storedStreams: true,
  });
  t.step({ set: { 0: 1n, 40: (1n << 100n) | 5n } });
  t.step({ set: { 30: 0x10008n }, next: 0x10014n });
  t.step({ set: { 31: 0x6fff_fff0n }, write: [{ address: 0x6fff_fff0n, bytes: le64(0n) }, { address: 0x6fff_fff8n, bytes: le64(0x10008n) }] });
  t.event({ kind: 'exception-raised', tid: 0x1000, code: 0xc0000005, address: 0x10018n, information: [0n, 0n], context: 0x6fff_f000n, regs: t.regFile() });
  t.osWrite(0x6fff_f000n, new Uint8Array(64).fill(7));
  t.event({ kind: 'handler-called', tid: 0x1000, handler: 0x10020n, phase: 'vectored', regs: t.regFile() });
  t.os({ 0: 0x6fff_f000n, 32: 0x10020n });
  t.step({ set: { 19: 5n } });
  t.event({ kind: 'handler-returned', tid: 0x1000, handler: 0x10020n, phase: 'vectored', result: -1, regs: t.regFile() });
  t.event({ kind: 'context-resumed', tid: 0x1000, pc: 0x10024n, sp: 0x6fff_fff0n, stackLimit: 0x6fff_0000n, stackBase: 0x7000_1000n, regs: t.regFile() });
  t.os({ 32: 0x10024n });
  t.step({ set: { 31: 0x7000_0000n } });
  if (threads > 1) {
    t.event({ kind: 'thread-switched', tid: 0x1004, from: 0x1000 });
    t.switchTo(0x1004, { 2: 9n });
    t.step({ set: { 1: 3n } });
    t.event({ kind: 'api-call', tid: 0x1004, api: 'kernel32.dll!Sleep', args: [1n, 'x'], caller: 0x10048n });
    t.step({ write: [{ address: 0x6fff_fff0n, bytes: le64(0xabcdn) }] });
    t.os({ 0: 0n });
    t.event({ kind: 'api-return', tid: 0x1004, api: 'kernel32.dll!Sleep', value: 0n, lastError: 0 });
    t.switchTo(0x1000);
  }
  t.step({});
  t.event({ kind: 'process-exit', tid: 0x1000, exitCode: 0, reason: 'exit' });
  const file = join(WORK, `seed-${process.pid}.mp`);
  t.write(file, !killed);
  return new Uint8Array(readFileSync(file));
}

/** A real window: panic-recover's first exception dispatch, self-contained with the code pages the window runs only, streams stored. */
function realWindow(): Uint8Array {
  const file = join(WORK, `real-${process.pid}.mp`);
  new RecordSession({ program: fixtureExe('panic-recover'), output: file, args: [], env: {}, startAt: 'main.readValue', stopAt: 'runtime.sigpanic', selfContained: true }).run();
  const r = Replay.open(file);
  const used = new Set<number>();
  try {
    for (const seg of r.trace.scan()) for (let k = 0; k < seg.steps; k++) used.add(Math.floor(seg.stepPc[k]! / 4096));
  } finally {
    r.close();
  }
  const l = parseFrames(readFileSync(file));
  const header = l.frames[0]!.value as { regions: Array<{ base: bigint; prot: string; pages: Array<[number, Uint8Array]> }> };
  for (const region of header.regions) {
    region.pages = region.prot.includes('x') ? region.pages.filter(([off]) => used.has(Math.floor((Number(region.base) + off) / 4096))) : [];
  }
  return new Uint8Array(buildTrace(l, { stored: true }));
}

function digest(b: Uint8Array): number {
  return createHash('sha1').update(b).digest()[0]!;
}

/** Everything a user's commands do with a trace, bounded to a few positions. */
function exercise(path: string): string {
  const r = Replay.open(path);
  try {
    const t = r.trace;
    for (const { event } of t.events()) describeEvent(event, t.symbols);
    const eps = episodes(t);
    for (let i = 0; i < t.segmentCount; i++) t.decoded(i);
    const positions = [0, Math.floor(t.totalSteps / 2), Math.max(0, t.totalSteps - 1), t.totalSteps];
    for (const p of positions) {
      const s = t.state(p);
      const sp = Number(s.regs[31]! & 0xffff_ffff_ffffn);
      r.memory.read(p, sp - 32, 64);
      r.memory.lastWrite(p, sp, 8);
      registerChange(t, p, threadAt(t, p), 0, -1);
      runTo(t, p, 1, { breakpoints: new Set([Number(s.pc & 0xffff_ffff_ffffn)]), watches: [{ address: sp, size: 8 }], maxSegments: 8 });
      stepOverBackward(t, r.code, p);
      callStack(t, r.memory, r.code, p, { maxFrames: 8, maxSteps: 10_000 });
    }
    const v = check(t, r.memory, r.code, {}).violations.length;
    return `read: ${t.truncated ? 'truncated, ' : ''}${t.segmentCount} segments, ${eps.length} episodes, ${v} violations`;
  } finally {
    r.close();
  }
}

export const traceKind: FuzzKind = {
  name: 'trace',

  seeds(): SeedInput[] {
    const seeds: Array<[string, Uint8Array]> = [
      ['two-threads.mp', synthetic(2, false)],
      ['killed.mp', synthetic(1, true)],
      ['panic-recover-window.mp', realWindow()],
    ];
    return seeds.map(([name, bytes]) => ({ name, bytes, map: traceInputMap(bytes) }));
  },

  check(bytes, name): CheckResult {
    const input = new Uint8Array(bytes);
    if (digest(input) & 1) repairChecksums(input);
    const path = join(WORK, `case-${process.pid}.mp`);
    writeFileSync(path, input);
    try {
      return { outcome: 'loaded', detail: exercise(path) };
    } catch (e) {
      if (e instanceof TraceFormatError || e instanceof WintraceError) {
        if (e.message.includes('\n') || e.message.length === 0) throw new Error(`error message is not one line: ${JSON.stringify(e.message)}`);
        if (!e.message.startsWith(`${path}: `)) throw new Error(`error does not name the file: ${e.message}`);
        return { outcome: 'rejected', message: e.message.replace(path, name) };
      }
      throw e;
    }
  },
};
