// A guest branching where no instruction can start, as Windows answers it: a pc that is not a multiple of 4 is a
// PC alignment fault, which the CPU takes before fetching anything, so Windows raises
// STATUS_DATATYPE_MISALIGNMENT at the target whether the memory there is code, data or unmapped (Unicorn
// reported an undefined instruction or a fetch fault, made 0xC000001D or 0xC0000005); and the emulated
// dispatcher's return stub reached outside any dispatch is an instruction like any stray SVC (it was an internal
// error, exit 70 with a stack trace). Found by the wild-branch fuzz kind.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ROLE } from '../../src/arch/arm64.ts';
import { openProgram } from '../../src/recorder/program.ts';
import type { ExceptionInfo } from '../../src/recorder/windows/exceptions.ts';
import { LAYOUT } from '../../src/recorder/windows/layout.ts';
import type { RunEnd } from '../../src/recorder/windows/process.ts';
import { fixtureExe } from '../helpers/fixtures.ts';

const STATUS_DATATYPE_MISALIGNMENT = 0x80000002;
const STATUS_ILLEGAL_INSTRUCTION = 0xc000001d;

/** hello with its main thread starting at `pc` instead of its entry point, run to its end. */
function startAt(pc: (p: ReturnType<typeof openProgram>) => bigint): { end: RunEnd; first: ExceptionInfo | undefined; stderr: string; target: bigint } {
  const err: Buffer[] = [];
  const p = openProgram(fixtureExe('hello'), { args: [], env: {}, stdout: () => {}, stderr: (b) => err.push(Buffer.from(b)), maxInstructions: 1_000_000n });
  try {
    const main = p.process.threads[0]!;
    const target = pc(p);
    p.engine.restoreContext(main.context!);
    p.engine.writeReg(ROLE.pc, target);
    main.context!.free();
    main.context = p.engine.saveContext();
    let first: ExceptionInfo | undefined;
    p.process.exceptions.observer = { raised: (e) => { first ??= e; } };
    const end = p.process.run();
    return { end, first, stderr: Buffer.concat(err).toString('utf8'), target };
  } finally {
    p.engine.close();
  }
}

describe('a branch to a misaligned pc', () => {
  const places: Array<[string, (p: ReturnType<typeof openProgram>) => bigint]> = [
    ['inside code (.text + 2)', (p) => p.image.entryPoint + 2n],
    ['inside data (the PEB + 1)', (p) => p.process.peb + 1n],
    ['at an unmapped address (0x3)', () => 3n],
    ['inside an emulated DLL stub (+1)', () => LAYOUT.dllBase + 0x10_0001n],
  ];
  for (const [what, pc] of places) {
    test(`${what}: STATUS_DATATYPE_MISALIGNMENT at the target, the process ends with it unhandled`, () => {
      const r = startAt(pc);
      assert.equal(r.first?.code, STATUS_DATATYPE_MISALIGNMENT, `raised 0x${r.first?.code.toString(16)}`);
      assert.equal(r.first?.address, r.target);
      assert.deepEqual(r.first?.information, []);
      assert.deepEqual(r.end, { reason: 'exit', exitCode: STATUS_DATATYPE_MISALIGNMENT });
      assert.match(r.stderr, new RegExp(`^Unhandled exception at 0x${r.target.toString(16)} .*: 0x80000002: Datatype misalignment\\n$`));
    });
  }
});

test("a branch to the dispatcher's return stub outside a dispatch: an illegal instruction there, not an internal error", () => {
  const r = startAt(() => LAYOUT.dllBase); // wintrace!ExceptionHandlerReturn, the first stub
  assert.equal(r.first?.code, STATUS_ILLEGAL_INSTRUCTION);
  assert.equal(r.first?.address, LAYOUT.dllBase);
  assert.deepEqual(r.end, { reason: 'exit', exitCode: STATUS_ILLEGAL_INSTRUCTION });
});

test('a thread that starts at a misaligned pc whose word decodes as an instruction: the fault comes first, nothing runs', () => {
  // Found by the wild-branch fuzz kind (seed 21, case 751). Unicorn has no PC alignment check: it fetched the
  // word at the misaligned pc, ran it (two NOPs here) and faulted 8 bytes further on.
  let program: ReturnType<typeof openProgram> | undefined;
  const r = startAt((p) => {
    program = p;
    const base = p.image.entryPoint + 0x100n;
    p.process.mem.write(base, Uint8Array.of(0x00, 0x00, 0x1f, 0x20, 0x03, 0xd5, 0x1f, 0x20, 0x03, 0xd5, 0x00, 0x00));
    return base + 2n;
  });
  assert.equal(r.first?.code, STATUS_DATATYPE_MISALIGNMENT);
  assert.equal(r.first?.address, r.target);
  // Nothing handles it this early, so the process ends there: every instruction run would have been before it.
  assert.equal(program!.process.threads[0]!.executed, 0n, 'instructions ran before the alignment fault');
  assert.deepEqual(r.end, { reason: 'exit', exitCode: STATUS_DATATYPE_MISALIGNMENT });
});
