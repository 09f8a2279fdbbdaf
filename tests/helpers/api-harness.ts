// Emulated Win32 functions called on a real emulated process (the hello fixture, loaded but not run): directly,
// or from a few instructions of guest code on a thread of its own when the scheduler and the virtual clock are
// part of the behaviour.

import assert from 'node:assert/strict';
import { openProgram } from '../../src/recorder/program.ts';
import type { ApiCall, ApiOutcome } from '../../src/recorder/windows/api.ts';
import { API_TABLE } from '../../src/recorder/windows/dlls/index.ts';
import type { WindowsProcess } from '../../src/recorder/windows/process.ts';
import { PAGE } from '../../src/recorder/windows/virtual-memory.ts';
import { words } from './arm64-code.ts';
import { fixtureExe } from './fixtures.ts';

export interface Harness {
  proc: WindowsProcess;
  /** 64 KiB of committed read-write memory for arguments and results. */
  scratch: bigint;
  call(api: string, ...args: bigint[]): ApiOutcome;
  close(): void;
}

export function harness(): Harness {
  const out: Buffer[] = [];
  const { process: proc, engine } = openProgram(fixtureExe('hello'), {
    args: [], env: {}, stdout: (b) => out.push(Buffer.from(b)), stderr: (b) => out.push(Buffer.from(b)),
  });
  const r = proc.vm.reserve(0n, 0x10000n, PAGE.READWRITE, 'private', 'test scratch');
  proc.vm.commit(r.base, r.size, PAGE.READWRITE);
  const thread = proc.threads[0]!;
  return {
    proc,
    scratch: r.base,
    call(api, ...args) {
      const def = API_TABLE.get(api);
      assert.ok(def, `${api} is not implemented`);
      const c: ApiCall = {
        process: proc, thread, mem: proc.mem, args, caller: proc.image.entryPoint + 4n,
        setLastError: (code) => proc.setLastError(thread, code),
      };
      return def.impl(c);
    },
    close: () => engine.close(),
  };
}

/**
 * Guest code for a thread that calls one API with the six arguments at [X0] and the stub address at [X0+48],
 * then ExitProcess with its result (stub at [X0+56]): the exit code is the API's return value.
 */
const CALL_THEN_EXIT = [
  0xaa0003e9, // mov x9, x0
  0xa9400520, // ldp x0, x1, [x9]
  0xa9410d22, // ldp x2, x3, [x9, #16]
  0xa9421524, // ldp x4, x5, [x9, #32]
  0xf9401930, // ldr x16, [x9, #48]
  0xd63f0200, // blr x16
  0xf9401d30, // ldr x16, [x9, #56]
  0xd63f0200, // blr x16
];

/** Runs `api(args)` on a new thread while the main thread is held suspended; returns the exit code and clock. */
export function runOnThread(h: Harness, api: string, args: bigint[]): { exitCode: number; endNs: bigint; startNs: bigint } {
  const { proc } = h;
  const [dll, name] = api.split('!') as [string, string];
  const code = proc.vm.reserve(0n, 0x10000n, PAGE.EXECUTE_READ, 'private', 'test code');
  proc.vm.commit(code.base, code.size, PAGE.EXECUTE_READ);
  proc.engine.write(code.base, words(CALL_THEN_EXIT));
  const block = h.scratch + 0x8000n;
  const a = [...args, ...Array<bigint>(6).fill(0n)].slice(0, 6);
  a.forEach((v, i) => proc.mem.setU64(block + BigInt(8 * i), v));
  proc.mem.setU64(block + 48n, proc.stubs.api(dll, name, API_TABLE.get(api)));
  proc.mem.setU64(block + 56n, proc.stubs.api('kernel32.dll', 'ExitProcess', API_TABLE.get('kernel32.dll!ExitProcess')));
  proc.threads[0]!.suspendCount = 1; // the Go program itself stays off the CPU
  proc.createThread(code.base, block, 0x10000n, undefined);
  const startNs = proc.clock.now();
  const end = proc.run();
  assert.equal(end.reason, 'exit', JSON.stringify(end, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)));
  return { exitCode: end.exitCode, endNs: proc.clock.now(), startNs };
}
