// Stubs the emulated Windows placed after the trace's header (GetProcAddress of one more kernel32 function, every
// function of ntdll.dll, loaded during the run) as the replayer's position-free code sees them: the instruction
// words, the disassembly, the call stack once the stub returned and step-over back across it. Recorded from the demo.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { RecordSession } from '../../src/recorder/session.ts';
import { callStack } from '../../src/replayer/callstack.ts';
import { Replay } from '../../src/replayer/replay.ts';
import { findExecution } from '../../src/replayer/search.ts';
import { stepOverBackward, threadStep } from '../../src/replayer/stepping.ts';
import { disassemblyAround } from '../../src/replayer/view.ts';
import { fixtureExe } from '../helpers/fixtures.ts';

describe('stubs placed during the run', () => {
  let dir: string;
  let r: Replay;
  /** Each late stub the demo runs: its name, address and the position of its first execution. */
  let ran: Array<{ name: string; address: number; position: number }>;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'wintrace-late-stubs-'));
    const path = join(dir, 'demo.mp');
    new RecordSession({ program: fixtureExe('panic-recover'), output: path, args: [], env: {} }).run();
    r = Replay.open(path);
    await r.disassembler();
    const early = new Set((r.trace.header.stubs ?? []).map((s) => s.name));
    ran = [];
    for (const s of r.trace.stubs) {
      if (early.has(s.name)) continue;
      const position = findExecution(r.trace, 0, 1, Number(s.address));
      if (position !== undefined) ran.push({ name: s.name, address: Number(s.address), position });
    }
  });
  after(() => {
    r?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('the demo runs late stubs both in a DLL mapped during the run and in one of the header', () => {
    assert.ok(ran.some((s) => s.name.startsWith('ntdll.dll!')), ran.map((s) => s.name).join(', '));
    assert.ok(ran.some((s) => s.name.startsWith('kernel32.dll!')), ran.map((s) => s.name).join(', '));
  });

  test('their words are SVC #0; RET without a position, and the disassembly says so', () => {
    for (const s of ran) {
      assert.equal(r.code.word(s.address), 0xd4000001, `${s.name}: svc`);
      assert.equal(r.code.word(s.address + 4), 0xd65f03c0, `${s.name}: ret`);
      const lines = disassemblyAround(r, s.address, 0, 1);
      assert.deepEqual(lines.map((l) => [l.location, l.text]), [[s.name, 'svc #0'], [`${s.name}+0x4`, 'ret']]);
    }
  });

  test('once a late stub returned, its caller\'s call is no longer on the call stack, and step-over back lands on it', () => {
    for (const s of ran) {
      const ret = threadStep(r.trace, s.position, r.trace.stepAt(s.position).tid, 1);
      assert.equal(r.trace.stepAt(ret).pc, s.address + 4, `${s.name}: its RET follows the SVC`);
      const back = threadStep(r.trace, ret, r.trace.stepAt(ret).tid, 1);
      const callPc = r.trace.stepAt(back).pc - 4;
      const frames = callStack(r.trace, r.memory, r.code, back, { maxFrames: 8 });
      assert.ok(!frames.slice(1).some((f) => f.pc === callPc), `${s.name}: ${frames.map((f) => f.symbol).join(' <- ')}`);
      assert.equal(r.trace.stepAt(stepOverBackward(r.trace, r.code, back)).pc, callPc, `${s.name}: step-over back`);
    }
  });
});
