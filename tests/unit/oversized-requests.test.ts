// CreateThread and VirtualAlloc with arguments a hostile or buggy program passes: a NULL start routine (the thread must fault at 0
// as on Windows, where CreateThread succeeds and the invalid start ends the process, rather than hang) and a stack
// size no machine can commit (before, 1 TiB spent minutes mapping it in Unicorn, and 2^64-1 threw an internal
// error; Windows returns NULL with ERROR_NOT_ENOUGH_MEMORY).

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { openProgram } from '../../src/recorder/program.ts';
import type { ApiCall, ApiOutcome } from '../../src/recorder/windows/api.ts';
import { API_TABLE } from '../../src/recorder/windows/dlls/index.ts';
import { TEB } from '../../src/recorder/windows/structs.ts';
import { fixtureExe } from '../helpers/fixtures.ts';

const STATUS_ACCESS_VIOLATION = 0xc0000005;
const ERROR_NOT_ENOUGH_MEMORY = 8;

function withProcess(body: (call: (api: string, ...args: bigint[]) => ApiOutcome, p: ReturnType<typeof openProgram>, stderr: () => string) => void): void {
  const err: Buffer[] = [];
  const p = openProgram(fixtureExe('hello'), { args: [], env: {}, stdout: () => {}, stderr: (b) => err.push(Buffer.from(b)) });
  const thread = p.process.threads[0]!;
  const call = (api: string, ...args: bigint[]): ApiOutcome => {
    const c: ApiCall = {
      process: p.process, thread, mem: p.process.mem, args, caller: p.process.image.entryPoint + 4n,
      setLastError: (code) => p.process.setLastError(thread, code),
    };
    return API_TABLE.get(api)!.impl(c);
  };
  try {
    body(call, p, () => Buffer.concat(err).toString('utf8'));
  } finally {
    p.engine.close();
  }
}

describe('CreateThread edge cases', () => {
  test('a NULL start routine: the handle is returned, the thread faults at 0 and the process ends unhandled', () => {
    withProcess((call, { process: proc }, stderr) => {
      const h = call('kernel32.dll!CreateThread', 0n, 0n, 0n, 0n, 0n, 0n) as bigint;
      assert.ok(h > 0n);
      proc.threads[0]!.suspendCount = 1; // hello's own code stays off the CPU
      proc.options.maxInstructions = 1_000_000n;
      const end = proc.run();
      assert.deepEqual(end, { reason: 'exit', exitCode: STATUS_ACCESS_VIOLATION });
      assert.equal(stderr(), `Unhandled exception at 0x0 (0x0) in thread 0x${proc.threads[1]!.id.toString(16)}: 0xC0000005: Access violation executing location 0x0\n`);
    });
  });

  test('a stack of 1 TiB, 2^62 or 2^64-1 bytes: NULL and ERROR_NOT_ENOUGH_MEMORY, nothing left reserved', () => {
    withProcess((call, { process: proc }) => {
      const threads = proc.threads.length;
      const reservations = proc.vm.list().length;
      for (const size of [1n << 40n, 1n << 62n, (1n << 64n) - 1n]) {
        const teb = proc.threads[0]!.teb;
        proc.mem.setU32(teb + BigInt(TEB.fields.LastErrorValue[0]), 0);
        const t0 = performance.now();
        assert.equal(call('kernel32.dll!CreateThread', 0n, size, proc.image.entryPoint, 0n, 0n, 0n), 0n);
        assert.ok(performance.now() - t0 < 1000, 'fails at once');
        assert.equal(proc.mem.u32(teb + BigInt(TEB.fields.LastErrorValue[0])), ERROR_NOT_ENOUGH_MEMORY);
      }
      assert.equal(proc.threads.length, threads);
      assert.equal(proc.vm.list().length, reservations);
      assert.ok((call('kernel32.dll!CreateThread', 0n, 0x10000n, proc.image.entryPoint, 0n, 4n, 0n) as bigint) > 0n, 'a normal size still works');
    });
  });
});

describe('VirtualAlloc beyond the commit limit', () => {
  test('reserve and commit of 1 TiB in one call: NULL, ERROR_COMMITMENT_LIMIT, no reservation left behind', () => {
    withProcess((call, { process: proc }) => {
      const reservations = proc.vm.list().length;
      const MEM_COMMIT_RESERVE = 0x3000n;
      assert.equal(call('kernel32.dll!VirtualAlloc', 0n, 1n << 40n, MEM_COMMIT_RESERVE, 4n), 0n);
      const teb = proc.threads[0]!.teb;
      assert.equal(proc.mem.u32(teb + BigInt(TEB.fields.LastErrorValue[0])), 1455);
      assert.equal(proc.vm.list().length, reservations);
      const reserved = call('kernel32.dll!VirtualAlloc', 0n, 1n << 40n, 0x2000n, 4n) as bigint;
      assert.ok(reserved > 0n, 'reserving a terabyte alone succeeds, as on Windows');
    });
  });
});
