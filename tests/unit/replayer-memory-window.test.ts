// moveBytes and MemoryWindow against full reads: bytes moved from a nearby position, forward and backward, across
// segment borders, OS writes (exception frames, API outputs) included, equal what TraceMemory.read gives there.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { RecordSession } from '../../src/recorder/session.ts';
import { MemoryWindow, moveBytes } from '../../src/replayer/memory-window.ts';
import { SP_SLOT, slotNumber } from '../../src/replayer/regfile.ts';
import { Replay } from '../../src/replayer/replay.ts';
import { fixtureExe } from '../helpers/fixtures.ts';

let dir: string;
let r: Replay;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'wintrace-memwin-'));
  const file = join(dir, 'pr.mp');
  new RecordSession({ program: fixtureExe('panic-recover'), output: file, args: [], env: {} }).run();
  r = Replay.open(file);
});

after(() => {
  r.close();
  rmSync(dir, { recursive: true, force: true });
});

function rng(seed: number): (n: number) => number {
  let x = seed;
  return (n) => {
    x = (x * 1103515245 + 12345) >>> 0;
    return x % n;
  };
}

test('moveBytes equals a full read at the destination, both ways, around exception dispatches', () => {
  const t = r.trace;
  const rand = rng(7);
  const fault = r.episodes().find((e) => e.kind === 'exception')!.start;
  let moved = 0;
  for (let i = 0; i < 60; i++) {
    const from = i < 30 ? fault - 200 + rand(600) : rand(t.totalSteps);
    const to = Math.max(0, Math.min(t.totalSteps, from + rand(40_000) - 20_000));
    const sp = slotNumber(t.regWords(from).regs, SP_SLOT);
    const at = sp - 256;
    const mem = r.memory.read(from, at, 768);
    const m = moveBytes(t, r.memory, mem, from, to);
    if (!m) continue;
    moved++;
    assert.deepEqual([...m.bytes], [...r.memory.read(to, at, 768).bytes], `stack of ${from} moved to ${to}`);
  }
  assert.ok(moved > 40, `most moves are near enough (${moved})`);
});

test('MemoryWindow reads equal full reads along a walk of steps and jumps', () => {
  const t = r.trace;
  const win = new MemoryWindow(t, r.memory);
  const rand = rng(11);
  let p = r.episodes().find((e) => e.kind === 'exception')!.start - 300;
  for (let i = 0; i < 300; i++) {
    p = Math.max(0, Math.min(t.totalSteps, p + (i % 50 === 49 ? rand(200_000) - 100_000 : rand(7) - 3)));
    const sp = slotNumber(t.regWords(p).regs, SP_SLOT);
    const got = win.read(p, sp - 16, 144);
    const want = r.memory.read(p, sp - 16, 144);
    assert.deepEqual([...got.bytes], [...want.bytes], `at ${p}`);
    assert.deepEqual([...got.mapped], [...want.mapped], `mapped at ${p}`);
  }
});

test('a write visible exactly at the destination stays applied (backward) and is applied (forward)', () => {
  const t = r.trace;
  let checked = 0;
  for (let q = r.episodes().find((e) => e.kind === 'exception')!.start - 2000; checked < 20 && q < t.totalSteps; q++) {
    const w = t.step(q - 1).writes.find((x) => x.old.some((b, i) => b !== x.data[i]));
    if (!w) continue;
    const at = w.address - 64;
    const want = [...r.memory.read(q, at, 256).bytes];
    for (const from of [q + 3, q - 1, q + 1, q - 5]) {
      const m = moveBytes(t, r.memory, r.memory.read(from, at, 256), from, q);
      assert.deepEqual([...m!.bytes], want, `${from} -> ${q}`);
    }
    checked++;
  }
  assert.equal(checked, 20);
});
