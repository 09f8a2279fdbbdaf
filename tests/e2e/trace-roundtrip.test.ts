// The trace is complete: at 1,000 random positions of every fixture, the registers replayed from the file equal
// the emulator's, and the memory the trace's recorded writes produce equals the emulator's memory.
//
// Ground truth comes from a second, untraced run that pauses at the same instruction counts (execution is
// deterministic and pausing does not change it). Positions come in 40 clusters of up to 16,384 steps so the
// test decodes a bounded number of segments however long the trace: at each cluster's start the test takes
// the emulator's memory around SP and at the g pointer (X28), then replays the trace's step and OS writes (and
// fresh mappings, which are zeros) over it; a write the trace missed or got wrong shows up at a later sample.
// Stepping back over the writes with their old bytes must give each sample's memory again. The replayer's memory
// reads are held to the same truth at a subset of the positions.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { REGISTERS } from '../../src/arch/arm64.ts';
import { RecordSession } from '../../src/recorder/session.ts';
import type { WindowsProcess } from '../../src/recorder/windows/process.ts';
import { Replay } from '../../src/replayer/replay.ts';
import { TraceReader } from '../../src/trace/reader.ts';
import type { MemWrite } from '../../src/trace/stream.ts';
import { fixtureExe, fixtureNames } from '../helpers/fixtures.ts';
import { runProgram } from '../helpers/run-program.ts';
import { NaiveMemory } from '../helpers/trace-state.ts';

const SAMPLES = 1000;
const CLUSTERS = 40;
const WINDOW = 16384n;
const SP = 31;

interface Cluster {
  start: bigint;
  samples: bigint[];
}

function rng(seed: number) {
  let x = BigInt(seed) | 1n;
  return (m: bigint) => {
    x = (x * 6364136223846793005n + 1442695040888963407n) & 0xffff_ffff_ffff_ffffn;
    return m === 0n ? 0n : (x >> 11n) % m;
  };
}

/** Non-overlapping clusters of sorted sample positions in [1, total]. */
function clusters(total: bigint, seed: number): Cluster[] {
  const rand = rng(seed);
  const starts = new Set<bigint>();
  // Cluster windows start at multiples of WINDOW and end before the trace does.
  const slots = total > 2n * WINDOW ? total / WINDOW - 1n : 1n;
  const n = Math.min(CLUSTERS, Number(slots));
  while (starts.size < n) starts.add(rand(slots) * WINDOW);
  const sorted = [...starts].sort((a, b) => (a < b ? -1 : 1));
  const span = total < WINDOW ? total : WINDOW;
  const per = Math.floor(SAMPLES / sorted.length);
  return sorted.map((start, i) => {
    const set = new Set<bigint>();
    const want = Math.min(i === sorted.length - 1 ? SAMPLES - per * (sorted.length - 1) : per, Number(span) - 1);
    while (set.size < want) set.add(start + 1n + rand(span - 1n));
    return { start, samples: [...set].sort((a, b) => (a < b ? -1 : 1)) };
  });
}

/** Memory compared within a cluster: 4 KiB below SP to 256 bytes above, and 256 bytes at g (X28). */
function spansAt(regs: readonly bigint[]): Array<[bigint, number]> {
  return [[(regs[SP]! - 4096n) & ~15n, 4352], [regs[28]! & ~15n, 256]];
}

interface Truth {
  regs: bigint[];
  mem: Map<bigint, Uint8Array>;
}

describe('trace round trip', () => {
  for (const name of fixtureNames()) {
    test(`${name}: registers and memory from the trace equal the emulator's at ${SAMPLES} random positions`, () => {
      const dir = mkdtempSync(join(tmpdir(), 'wintrace-rt-'));
      try {
        const file = join(dir, `${name}.mp`);
        const summary = new RecordSession({ program: fixtureExe(name), output: file, args: [], env: {} }).run();
        const cl = clusters(summary.steps, name.length * 7919 + name.charCodeAt(0));
        const stops = cl.flatMap((c) => [c.start, ...c.samples]).filter((p) => p > 0n);

        // Ground truth at every stop; spans are fixed per cluster at its start.
        const truth = new Map<bigint, Truth>();
        let proc: WindowsProcess | undefined;
        let k = 0;
        let spans: Array<[bigint, number]> = [];
        const capture = (p: WindowsProcess): Truth => {
          const regs = p.engine.readRegs(REGISTERS);
          const mem = new Map<bigint, Uint8Array>();
          for (const [a, n] of spans) {
            try {
              mem.set(a, p.engine.read(a, n));
            } catch {
              /* not mapped at this position */
            }
          }
          return { regs, mem };
        };
        const startOf = new Set(cl.map((c) => c.start));
        runProgram(fixtureExe(name), {
          setup: (p) => {
            proc = p;
            if (startOf.has(0n)) {
              spans = spansAt(p.engine.readRegs(REGISTERS));
              truth.set(0n, capture(p));
            }
          },
          checkpoints: {
            next: () => stops[k],
            reached: (executed) => {
              if (startOf.has(executed)) spans = spansAt(proc!.engine.readRegs(REGISTERS));
              truth.set(executed, capture(proc!));
              k++;
            },
          },
        });
        assert.equal(k, stops.length, 'the untraced run reached every sampled position');

        const reader = new TraceReader(file);
        try {
          for (const c of cl) checkCluster(name, reader, c, truth);
        } finally {
          reader.close();
        }
        checkReplayerMemory(name, file, truth);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});

/**
 * The replayer's own memory reads (what `show`, the TUI's stack pane and the checker use: the whole history back
 * to the initial image, filters, the C finder) against the emulator, at every 100th sampled position (a read can
 * search far back: every 25th added 57 s to std-maps alone).
 */
function checkReplayerMemory(name: string, file: string, truth: Map<bigint, Truth>): void {
  const r = Replay.open(file);
  try {
    const positions = [...truth.keys()].sort((a, b) => (a < b ? -1 : 1)).filter((_, i) => i % 100 === 0);
    for (const position of positions) {
      for (const [a, bytes] of truth.get(position)!.mem) {
        const got = r.memory.read(Number(position), Number(a), bytes.length).bytes;
        const i = got.findIndex((b, j) => b !== bytes[j]);
        if (i >= 0) assert.fail(`${name} at position ${position}: the replayer reads 0x${(a + BigInt(i)).toString(16)} as ${got[i]}, the emulator had ${bytes[i]}`);
      }
    }
  } finally {
    r.close();
  }
}

function checkCluster(name: string, reader: TraceReader, c: Cluster, truth: Map<bigint, Truth>): void {
  const base = truth.get(c.start)!;
  const mem = new NaiveMemory();
  for (const [a, bytes] of base.mem) mem.write(a, bytes);
  const segs = reader.trace.segments;
  const last = c.samples[c.samples.length - 1]!;
  let want = 0;
  let position = 0n;
  // Every write applied, so that undoing them with their old bytes (stepping backward) can be held to the start.
  const applied: Array<{ w: MemWrite; at: bigint }> = [];
  let zeroed = false;
  const apply = (w: MemWrite, at: bigint) => {
    mem.write(w.address, w.data);
    applied.push({ w, at });
  };
  for (let i = 0; i < segs.length && want < c.samples.length; i++) {
    const e = segs[i]!;
    if (e.firstStep + BigInt(e.steps) <= c.start) continue;
    if (e.firstStep > last) break;
    const maps = reader.segment(i).events.filter((ev) => ev.kind === 'memory-mapped' || ev.kind === 'memory-unmapped');
    let m = 0;
    const mapsUpTo = (p: bigint) => {
      while (m < maps.length && maps[m]!.step <= p) {
        const ev = maps[m++]!;
        if ((ev.kind === 'memory-mapped' || ev.kind === 'memory-unmapped') && ev.step > c.start) {
          mem.zero(ev.base, ev.size);
          zeroed = true;
        }
      }
    };
    position = e.firstStep;
    // A position's state includes what the emulated Windows did there (an API's results, a dispatch), which the
    // stream records after the step: compare when the next step is about to apply.
    reader.replaySegment(i, (step) => {
      if (step.index >= c.start) for (const w of step.writes) apply(w, step.index + 1n);
      position = step.index + 1n;
    }, (w) => {
      mapsUpTo(position);
      if (position > c.start || (position === c.start && c.start === 0n)) apply(w, position);
    }, (index, regs) => {
      mapsUpTo(index);
      while (want < c.samples.length && c.samples[want] === index) {
        compare(name, index, regs, mem, truth.get(index)!, base);
        want++;
      }
    });
  }
  assert.equal(want, c.samples.length, `${name}: cluster at ${c.start}: ${c.samples.length - want} samples not reached in the trace`);
  // Backward: stepping back over writes with their old bytes (including those a store leaves out because the
  // segment's previous store there wrote them) gives each sample's memory again, down to the cluster's start. A
  // mapping zeroes memory no write's old bytes restore.
  if (zeroed) return;
  let j = applied.length - 1;
  for (const p of [...c.samples].reverse().concat(c.start)) {
    for (; j >= 0 && applied[j]!.at > p; j--) mem.write(applied[j]!.w.address, applied[j]!.w.old);
    for (const [a, bytes] of truth.get(p)!.mem) {
      if (!base.mem.has(a)) continue;
      const got = mem.read(a, bytes.length);
      const i = got.findIndex((b, k) => b !== bytes[k]);
      if (i >= 0) assert.fail(`${name} at position ${p}, stepping backward: memory at 0x${(a + BigInt(i)).toString(16)} is ${got[i]} in the trace, ${bytes[i]} in the emulator`);
    }
  }
}

function compare(name: string, position: bigint, regs: readonly bigint[], mem: NaiveMemory, t: Truth, base: Truth): void {
  for (const r of REGISTERS) {
    if (regs[r.index] !== t.regs[r.index]) {
      assert.fail(`${name} at position ${position}: ${r.name} is 0x${regs[r.index]!.toString(16)} in the trace, 0x${t.regs[r.index]!.toString(16)} in the emulator`);
    }
  }
  for (const [a, bytes] of t.mem) {
    // A span that was not mapped at the cluster's start has no known base to build on.
    if (!base.mem.has(a)) continue;
    const got = mem.read(a, bytes.length);
    const i = got.findIndex((b, j) => b !== bytes[j]);
    if (i >= 0) {
      const at = a + BigInt(i);
      assert.fail(`${name} at position ${position}: memory at 0x${at.toString(16)} is ${got[i]} in the trace, ${bytes[i]} in the emulator`);
    }
  }
}
