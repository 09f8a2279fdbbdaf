// A thread that exhausts its stack must fault at the bottom of its own reservation, as on Windows (which never
// commits the lowest page of a stack), not write on into the reservation below, which is often another thread's
// stack. Found by the wild-branch fuzz kind (seed 11, case 1): a thread Go did not create faulted, Go's handler
// called runtime.abort, which faulted in turn, and the nested dispatches ran through four other threads' stacks
// until sysmon returned to a garbage LR (0x5e17310141bcfc00) and raised its own exception.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openProgram } from '../../src/recorder/program.ts';
import type { ApiCall, ApiOutcome } from '../../src/recorder/windows/api.ts';
import { API_TABLE } from '../../src/recorder/windows/dlls/index.ts';
import { TEB } from '../../src/recorder/windows/structs.ts';
import { MEM, PAGE } from '../../src/recorder/windows/virtual-memory.ts';
import { wordBytes } from '../fuzz/a64-asm.ts';
import { fixtureExe } from '../helpers/fixtures.ts';

const STATUS_ACCESS_VIOLATION = 0xc0000005;
const STR_XZR_SP_PRE_MINUS_16 = 0xf81f0fff; // str xzr, [sp, #-16]!
const B_MINUS_4 = 0x17ffffff; // b .-4

test('a runaway push faults on the uncommitted bottom page of its own stack; the stack below it is untouched', () => {
  const err: Buffer[] = [];
  const p = openProgram(fixtureExe('hello'), { args: [], env: {}, stdout: () => {}, stderr: (b) => err.push(Buffer.from(b)), maxInstructions: 2_000_000n });
  try {
    const proc = p.process;
    const main = proc.threads[0]!;
    const call = (api: string, ...args: bigint[]): ApiOutcome => {
      const c: ApiCall = { process: proc, thread: main, mem: proc.mem, args, caller: proc.image.entryPoint, setLastError: (code) => proc.setLastError(main, code) };
      return API_TABLE.get(api)!.impl(c);
    };
    const code = call('kernel32.dll!VirtualAlloc', 0n, 0x1000n, BigInt(MEM.COMMIT | MEM.RESERVE), BigInt(PAGE.EXECUTE_READWRITE)) as bigint;
    proc.mem.write(code, wordBytes([STR_XZR_SP_PRE_MINUS_16, B_MINUS_4]));
    // Two threads with 64 KiB stacks: the second's reservation lies right above the first's.
    call('kernel32.dll!CreateThread', 0n, 0x10000n, code, 0n, BigInt(0x4 /* CREATE_SUSPENDED */), 0n);
    call('kernel32.dll!CreateThread', 0n, 0x10000n, code, 0n, 0n, 0n);
    const [below, runaway] = [proc.threads[1]!, proc.threads[2]!];
    assert.equal(runaway.stack.reservation, below.stack.base, 'the test needs adjacent reservations');
    const belowTop = proc.mem.bytes(below.stack.base - 0x100n, 0x100);
    main.suspendCount = 1;

    // The TEB says where the usable stack ends, and VirtualQuery shows the page below it reserved only.
    assert.equal(runaway.stack.limit, runaway.stack.reservation + 0x1000n);
    assert.equal(proc.mem.u64(runaway.teb + BigInt(TEB.fields.StackLimit[0])), runaway.stack.limit);
    assert.equal(proc.mem.u64(runaway.teb + BigInt(TEB.fields.DeallocationStack[0])), runaway.stack.reservation);
    assert.equal(proc.vm.query(runaway.stack.reservation).state, MEM.RESERVE);

    const fails: Array<{ tid: number; code: number; reason: string }> = [];
    proc.exceptions.observer = { failFast: (t, code, reason) => fails.push({ tid: t.id, code, reason }) };
    const end = proc.run();
    // The push at the limit faults; its exception frame cannot be pushed either, so the process ends with it.
    assert.equal(fails.length, 1);
    assert.equal(fails[0]!.tid, runaway.id);
    assert.equal(fails[0]!.code, STATUS_ACCESS_VIOLATION);
    assert.match(fails[0]!.reason, new RegExp(`^exception 0xc0000005 at 0x${code.toString(16)}: its frame cannot be pushed on thread 0x${runaway.id.toString(16)}'s stack below SP 0x${runaway.stack.limit.toString(16)} `));
    assert.deepEqual(end, { reason: 'exit', exitCode: STATUS_ACCESS_VIOLATION });
    assert.deepEqual(proc.mem.bytes(below.stack.base - 0x100n, 0x100), belowTop, "the other thread's stack changed");
  } finally {
    p.engine.close();
  }
});
