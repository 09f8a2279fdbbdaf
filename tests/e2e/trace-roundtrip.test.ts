// The trace is complete: registers and memory rebuilt from the file alone at 1,000 random positions equal what
// the emulator held when it got there (a second, untraced run pauses at the same instruction counts; execution
// is deterministic and pausing does not change it).

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { REGISTERS } from '../../src/arch/arm64.ts';
import { RecordSession } from '../../src/recorder/session.ts';
import { TraceReader } from '../../src/trace/reader.ts';
import { fixtureExe, fixtureNames } from '../helpers/fixtures.ts';
import { runProgram } from '../helpers/run-program.ts';
import { MemoryOracle, registersAt } from '../helpers/trace-state.ts';

const SAMPLES = 1000;
const SP = 31;

/** Deterministic sample positions in [1, total]. */
function positions(total: bigint, n: number, seed: number): bigint[] {
  let x = BigInt(seed) | 1n;
  const set = new Set<bigint>();
  while (set.size < Math.min(n, Number(total))) {
    x = (x * 6364136223846793005n + 1442695040888963407n) & 0xffff_ffff_ffff_ffffn;
    set.add(1n + ((x >> 11n) % total));
  }
  return [...set].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Memory sampled at each position: the stack around SP and 16 bytes at each argument/callee-saved pointer. */
function spans(regs: readonly bigint[]): Array<[bigint, number]> {
  const out: Array<[bigint, number]> = [[regs[SP]! - 64n, 128]];
  for (const r of [0, 1, 2, 3, 19, 20, 21, 22, 28]) out.push([regs[r]! & ~7n, 16]);
  return out;
}

describe('trace round trip', () => {
  for (const name of fixtureNames()) {
    test(`${name}: state rebuilt from the trace at ${SAMPLES} random positions equals the emulator's`, () => {
      const dir = mkdtempSync(join(tmpdir(), 'wintrace-rt-'));
      try {
        const file = join(dir, `${name}.mp`);
        const summary = new RecordSession({ program: fixtureExe(name), output: file, args: [], env: {} }).run();
        const wanted = positions(summary.steps, SAMPLES, name.length * 7919);
        // Ground truth: pause an untraced run at the same counts and read the CPU and memory there.
        const truth: Array<{ regs: bigint[]; mem: Map<bigint, Uint8Array> }> = [];
        let k = 0;
        let engineRef: { readRegs: (r: typeof REGISTERS) => bigint[]; read: (a: bigint, n: number) => Uint8Array } | undefined;
        runProgram(fixtureExe(name), {
          setup: (p) => {
            engineRef = p.engine;
          },
          checkpoints: {
            next: () => wanted[k],
            reached: () => {
              const regs = engineRef!.readRegs(REGISTERS);
              const mem = new Map<bigint, Uint8Array>();
              for (const [a, n] of spans(regs)) {
                try {
                  mem.set(a, engineRef!.read(a, n));
                } catch {
                  /* not mapped: nothing to compare */
                }
              }
              truth.push({ regs, mem });
              k++;
            },
          },
        });
        assert.equal(truth.length, wanted.length, 'the untraced run reached every sampled position');
        const reader = new TraceReader(file);
        try {
          const rebuilt = registersAt(reader, wanted);
          assert.equal(rebuilt.length, wanted.length);
          const oracle = new MemoryOracle(reader);
          for (let i = 0; i < wanted.length; i++) {
            const t = truth[i]!;
            const r = rebuilt[i]!;
            for (const reg of REGISTERS) {
              if (r.regs[reg.index] !== t.regs[reg.index]) {
                assert.fail(`${name} at position ${wanted[i]}: ${reg.name} is 0x${r.regs[reg.index]!.toString(16)} in the trace, 0x${t.regs[reg.index]!.toString(16)} in the emulator`);
              }
            }
            for (const [a, bytes] of t.mem) {
              const got = oracle.read(wanted[i]!, a, bytes.length);
              if (Buffer.compare(Buffer.from(got), Buffer.from(bytes)) !== 0) {
                assert.fail(`${name} at position ${wanted[i]}: memory at 0x${a.toString(16)} is ${Buffer.from(got).toString('hex')} in the trace, ${Buffer.from(bytes).toString('hex')} in the emulator`);
              }
            }
          }
        } finally {
          reader.close();
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
