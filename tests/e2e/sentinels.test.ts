// Sentinels (docs/windows-model.md, "Sentinels"): every entry from Windows into the program starts with X19-X28 and
// D8-D15 holding values that name the entry and the register, FP at a frame record of the emulated Windows, and
// the matching return records what did not come back. Checked on recordings of real fixtures.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { type RecordOptions, RecordSession } from '../../src/recorder/session.ts';
import { describeEvent } from '../../src/replayer/describe.ts';
import { regFileFromBytes, slotBigint } from '../../src/replayer/regfile.ts';
import { Replay } from '../../src/replayer/replay.ts';
import type { TraceEvent } from '../../src/trace/schema.ts';
import { decodeSentinel, SENTINEL_SLOTS, sentinelValue } from '../../src/trace/sentinels.ts';
import { fixtureExe } from '../helpers/fixtures.ts';

const dir = mkdtempSync(join(tmpdir(), 'wintrace-sentinels-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function record(fixture: string, args: string[] = [], more: Partial<RecordOptions> = {}): Replay {
  const out = join(dir, `${fixture}-${args.join('-')}.mp`);
  new RecordSession({ program: fixtureExe(fixture), output: out, args, env: {}, ...more }).run();
  return Replay.open(out);
}

function events<K extends TraceEvent['kind']>(r: Replay, kind: K): Array<Extract<TraceEvent, { kind: K }>> {
  return r.trace.events().map((e) => e.event).filter((e): e is Extract<TraceEvent, { kind: K }> => e.kind === kind);
}

test('the process entry, each thread start and each handler call start with their own sentinels, and FP at a frame record', () => {
  const r = record('panic-recover');
  try {
    const main = r.trace.header.threads[0]!;
    const regs = regFileFromBytes(main.regs);
    assert.deepEqual(SENTINEL_SLOTS.map((s) => slotBigint(regs, s) & 0xffff_ffff_ffff_ffffn), SENTINEL_SLOTS.map((s) => sentinelValue('process-entry', main.tid, 0, s)));
    assert.equal(slotBigint(regs, 29), slotBigint(regs, 31), 'FP points at the frame record just above... at SP');
    const entries = [...events(r, 'thread-started'), ...events(r, 'handler-called')];
    assert.ok(events(r, 'handler-called').length >= 2, 'the fixture dispatches exceptions');
    const seqs = new Set<number>();
    for (const e of entries) {
      const kind = e.kind === 'thread-started' ? 'thread-start' : e.phase;
      const s = decodeSentinel(e.sentinels![0]![1])!;
      assert.equal(s.kind, kind);
      assert.equal(s.tid, e.tid);
      assert.deepEqual(e.sentinels, SENTINEL_SLOTS.map((slot) => [slot, sentinelValue(kind, e.tid, s.seq, slot)]));
      const at = regFileFromBytes(e.regs);
      for (const [slot, v] of e.sentinels!) assert.equal(slotBigint(at, slot) & 0xffff_ffff_ffff_ffffn, v, `slot ${slot} holds its sentinel`);
      seqs.add(s.seq);
    }
    assert.equal(seqs.size, entries.length, 'no two entries share their values');
    // A correct runtime gives every one back.
    for (const e of events(r, 'handler-returned')) assert.deepEqual(e.sentinelsLost, []);
  } finally {
    r.close();
  }
});

test('a start routine that zeroes X19, X20 and D8: its thread-exited event lists them, and says so', () => {
  const r = record('abi-seeded', ['start-clobber']);
  try {
    const exits = events(r, 'thread-exited').filter((e) => e.sentinelsLost !== undefined);
    assert.equal(exits.length, 1, 'one thread returned from its start routine');
    assert.deepEqual(exits[0]!.sentinelsLost, [[19, 0n], [20, 0n], [42, 0n]]);
    assert.match(describeEvent(exits[0]!, r.trace.symbols), /exited with 7; did not give back x19 \(now 0x0\), x20 \(now 0x0\), d8 \(now 0x0\)$/);
  } finally {
    r.close();
  }
});

test('a thread Windows creates itself (a console control event\'s CtrlRoutine) starts as a thread, not as the process', () => {
  const r = record('signal-notify', [], { consoleEvents: [{ kind: 'ctrl-c', at: 2_000_000n }] });
  try {
    const started = events(r, 'thread-started');
    assert.ok(started.some((e) => r.trace.symbols.format(Number(e.pc)) === 'kernelbase.dll!CtrlRoutine'), 'the event ran CtrlRoutine');
    for (const e of started) assert.equal(decodeSentinel(e.sentinels![0]![1])?.kind, 'thread-start', r.trace.symbols.format(Number(e.pc)));
  } finally {
    r.close();
  }
});
