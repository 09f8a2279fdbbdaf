// "Last write", "next write" and memory reads search segments that are not decoded with the C finder
// (native/decode.c wt_find_write, wt_window_writes), which walks the step stream without building arrays. It must
// answer exactly what the search over decoded segments answers (the reference here: the same queries with every
// segment taken as decoded), on a real recording with several threads, for stack words and for words the
// emulated Windows wrote.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { RecordSession } from '../../src/recorder/session.ts';
import { nativeDecoderAvailable } from '../../src/replayer/native-decode.ts';
import { SP_SLOT, slotNumber } from '../../src/replayer/regfile.ts';
import { Replay } from '../../src/replayer/replay.ts';
import { fixtureExe } from '../helpers/fixtures.ts';

const dir = mkdtempSync(join(tmpdir(), 'wintrace-find-write-'));
const file = join(dir, 'goroutines.mp');
let finder: Replay;
let reference: Replay;

before(() => {
  new RecordSession({ program: fixtureExe('goroutines'), output: file, args: [], env: {} }).run();
  finder = Replay.open(file);
  reference = Replay.open(file);
  // Every segment counts as decoded: the search decodes each candidate and reads its arrays.
  reference.trace.isDecoded = () => true;
});
after(() => {
  finder.close();
  reference.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A fixed-seed sequence of integers in [0, m). */
function xorshift(seed: number): (m: number) => number {
  let x = seed;
  return (m) => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) % m;
  };
}

function* queries(r: Replay, n: number): Generator<{ p: number; address: number; size: number }> {
  const rand = xorshift(0x2545f491);
  const t = r.trace;
  // Words the emulated Windows wrote (exception frames, API results, the TEB, the clock), from the recording itself:
  // random stack positions alone found none once the run's layout moved.
  const osWrites: Array<{ address: number; size: number }> = [];
  for (let i = 0; i < t.segmentCount; i++) {
    const seg = t.decoded(i);
    for (let w = 0; w < seg.wrStep.length; w++) if (seg.wrStep[w] === -1) osWrites.push({ address: seg.wrAddr[w]!, size: Math.min(8, seg.wrSize[w]!) });
  }
  for (let i = 0; i < n; i++) {
    const p = rand(t.totalSteps + 1);
    const sp = slotNumber(t.regWords(p).regs, SP_SLOT);
    yield { p, address: sp + 8 * rand(32) - 64, size: 8 };
    yield { p, address: sp + rand(64), size: 1 + rand(16) };
    if (osWrites.length) yield { p, ...osWrites[rand(osWrites.length)]! };
    // The boundaries: a word the step at p writes is its next write from p, and its last write from p + 1 only.
    const w = p < t.totalSteps ? t.step(p).writes[0] : undefined;
    if (w) {
      yield { p, address: w.address, size: w.data.length };
      yield { p: p + 1, address: w.address, size: w.data.length };
    }
  }
}

test('the C finder and the decoded search give the same last and next writes', { skip: nativeDecoderAvailable() ? false : 'native library not built (scripts/build-native.sh)' }, () => {
  let found = 0;
  let byWindows = 0;
  let asked = 0;
  // Positions and stack pointers come from the reference, so the finder's own cache stays cold and the segment
  // holding the position is searched by the C finder too.
  for (const q of queries(reference, 150)) {
    for (const dir of ['lastWrite', 'nextWrite'] as const) {
      asked++;
      const a = finder.memory[dir](q.p, q.address, q.size);
      const b = reference.memory[dir](q.p, q.address, q.size);
      assert.deepEqual(a, b, `${dir}(${q.p}, 0x${q.address.toString(16)}, ${q.size})`);
      if (a) found++;
      if (a && a.step === undefined) byWindows++;
    }
  }
  // Not a comparison of two empty answers: most queries find a write, some written by the emulated Windows.
  assert.ok(found > asked / 2, `only ${found} of ${asked} queries found a write`);
  assert.ok(byWindows > 0, 'no query found a write of the emulated Windows');
});

test('memory reads through the C finder equal reads from decoded segments', { skip: nativeDecoderAvailable() ? false : 'native library not built (scripts/build-native.sh)' }, () => {
  const rand = xorshift(0x1234567);
  const t = reference.trace;
  for (let i = 0; i < 120; i++) {
    const p = rand(t.totalSteps + 1);
    const sp = slotNumber(t.regWords(p).regs, SP_SLOT);
    // The stack pane's window, and a small unaligned read.
    for (const [address, n] of [[sp - 64, 256], [sp + rand(48) - 16, 1 + rand(24)]] as const) {
      const a = finder.memory.read(p, address, n);
      const b = reference.memory.read(p, address, n);
      assert.deepEqual(a, b, `read(${p}, 0x${address.toString(16)}, ${n})`);
    }
  }
});
