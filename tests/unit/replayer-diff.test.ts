// Trace comparison on synthetic traces built from one script with one thing changed: identical traces, a
// register value changed inside a call, a different interleaving of the same per-thread work, a trace that
// stops early, and episode pairing around an extra episode.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { Episode } from '../../src/replayer/episodes.ts';
import { Replay } from '../../src/replayer/replay.ts';
import { compareSelections, diffTraces, pairEpisodes } from '../../src/replayer/trace-diff.ts';
import { wholeTrace } from '../../src/replayer/dump-selection.ts';
import { A64, codeRegion, SyntheticTrace } from '../helpers/synthetic-trace.ts';

const A = 0x1000;
const B = 0x1004;
const SP0 = 0x7000_0000n;
const PC = 32;
const SP = 31;
const LR = 30;

const dir = mkdtempSync(join(tmpdir(), 'wintrace-diff-'));
const open: Replay[] = [];
after(() => {
  for (const r of open) r.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Variant {
  /** x1 written by main.f's second instruction. */
  value?: bigint;
  /** Steps thread A runs before B is switched in. */
  slice?: number;
  /** Steps of A in all. */
  steps?: number;
}

// main.main 0x10000: nop, bl main.f, nop x6 | main.f 0x10020: nop, nop, ret | main.worker 0x10100: nop, nop
async function build(name: string, v: Variant = {}): Promise<Replay> {
  const code = [A64.nop, A64.bl(7), A64.nop, A64.nop, A64.nop, A64.nop, A64.nop, A64.nop, A64.nop, A64.nop, A64.ret];
  const t = new SyntheticTrace({
    threads: [
      { tid: A, teb: 0x7ff8_0000_0000n, stackBase: SP0, stackLimit: SP0 - 0x10000n, regs: { [PC]: 0x10000n, [SP]: SP0 } },
      { tid: B, teb: 0x7ff8_0001_0000n, stackBase: 0x6000_0000n, stackLimit: 0x5fff_0000n, regs: { [PC]: 0x10100n, [SP]: 0x6000_0000n } },
    ],
    symbols: [{ name: 'main.main', address: 0x10000n, size: 0x20 }, { name: 'main.f', address: 0x10020n, size: 0x10 }, { name: 'main.worker', address: 0x10100n, size: 0x10 }],
    regions: [codeRegion(0x10000n, [...code, ...new Array(64 - code.length).fill(A64.nop), A64.nop, A64.nop, A64.nop, A64.nop])],
    segmentSteps: 3,
  });
  // A: nop; bl main.f; main.f: nop, nop (x1 = value), ret; then nops in main.main.
  const script: Array<() => void> = [
    () => t.step({ set: { 0: 1n } }),
    () => t.step({ set: { [LR]: 0x10008n }, next: 0x10020n }),
    () => t.step({ set: { 2: 2n } }),
    () => t.step({ set: { 1: v.value ?? 7n } }),
    () => t.step({ next: 0x10008n }),
    () => t.step({ set: { 3: 3n } }),
    () => t.step({ set: { 4: 4n } }),
  ];
  const slice = v.slice ?? 4;
  const steps = v.steps ?? script.length;
  for (let i = 0; i < steps; i++) {
    if (i === slice) {
      t.event({ kind: 'thread-switched', tid: B, from: A });
      t.switchTo(B);
      t.step({ set: { 5: 5n } });
      t.event({ kind: 'thread-switched', tid: A, from: B });
      t.switchTo(A);
    }
    script[i]!();
  }
  const file = join(dir, `${name}.mp`);
  t.write(file);
  const r = Replay.open(file);
  open.push(r);
  await r.disassembler();
  return r;
}

describe('diffTraces', () => {
  test('two traces of the same run: no divergence', async () => {
    const d = diffTraces(await build('same-a'), await build('same-b'));
    assert.equal(d.same, true);
    assert.equal(d.whole?.divergence, undefined);
    assert.equal(d.whole?.steps, 8);
  });

  test('a value changed inside a call: the divergent line, its context and the calls open', async () => {
    const d = diffTraces(await build('value-a'), await build('value-b', { value: 8n }));
    assert.equal(d.same, false);
    const div = d.whole!.divergence!;
    assert.equal(div.tid, A);
    assert.match(div.a!.text, /^0x1000 main\.f\+0x4\s+nop\s+x1=0x7$/);
    assert.match(div.b!.text, /^0x1000 main\.f\+0x4\s+nop\s+x1=0x8$/);
    assert.equal(div.a!.position, 3);
    assert.deepEqual(div.callPath, ['main.main', 'main.f']);
    // The thread's lines before: its registers, then its first three steps.
    assert.deepEqual(div.context.map((l) => l.kind), ['regs', 'step', 'step', 'step']);
    assert.equal(div.matched, 4);
  });

  test('the same work interleaved differently differs where the thread was switched out', async () => {
    const d = diffTraces(await build('slice-a', { slice: 4 }), await build('slice-b', { slice: 2 }));
    const div = d.whole!.divergence!;
    assert.equal(div.tid, A);
    assert.match(div.a!.text, /^0x1000 main\.f\s+nop\s+x2=0x2$/);
    assert.equal(div.b!.text, '0x1000 * switch to thread 0x1000 from 0x1004');
  });

  test('a trace that stops early: its thread has no more lines', async () => {
    const a = await build('long', { steps: 7 });
    const b = await build('short', { steps: 6 });
    const { divergence } = compareSelections(a, wholeTrace(a.trace), b, wholeTrace(b.trace));
    assert.equal(divergence!.tid, A);
    assert.match(divergence!.a!.text, /^0x1000 main\.main\+0xc\s+nop\s+x4=0x4$/);
    assert.equal(divergence!.b, undefined);
    assert.deepEqual(divergence!.callPath, ['main.main']);
  });
});

describe('pairEpisodes', () => {
  const ep = (index: number, name: string): Episode => ({ index, kind: 'exception', name, tid: A, start: index, end: index, marks: [], outcome: '' });
  test('pairs by name in order; an extra episode on one side pairs the rest', () => {
    const a = [ep(0, 'x'), ep(1, 'y'), ep(2, 'z')];
    const b = [ep(0, 'x'), ep(1, 'extra'), ep(2, 'y'), ep(3, 'z')];
    const pairs = pairEpisodes(a, b).map((p) => `${p.a?.name ?? '-'}/${p.b?.name ?? '-'}`);
    assert.deepEqual(pairs, ['x/x', '-/extra', 'y/y', 'z/z']);
    assert.deepEqual(pairEpisodes(b, a).map((p) => `${p.a?.name ?? '-'}/${p.b?.name ?? '-'}`), ['x/x', 'extra/-', 'y/y', 'z/z']);
  });
});
