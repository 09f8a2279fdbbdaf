// The APIs Windows implements with loads and stores through X18 (teb-view.ts) reach whatever X18 points at, as on
// hardware: a fake TEB answers GetCurrentThreadId and takes SetLastError's store, and an X18 pointing at nothing
// makes the API fault with an access violation at its own pc. Each case runs a few instructions of guest code on
// a thread of its own (the hello fixture's process, loaded, its main thread held suspended) that loads X18 from
// a block, calls one API and ends the process with the result.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openProgram } from '../../src/recorder/program.ts';
import { API_TABLE } from '../../src/recorder/windows/dlls/index.ts';
import { TEB } from '../../src/recorder/windows/structs.ts';
import { PAGE } from '../../src/recorder/windows/virtual-memory.ts';
import { words } from '../helpers/arm64-code.ts';
import { fixtureExe } from '../helpers/fixtures.ts';

/** x0 = block: X18 = [block+64], then [block+48](x0 = [block], x1 = [block+8]), then [block+56](its result). */
const CALL_WITH_X18 = [
  0xaa0003e9, // mov x9, x0
  0xf9402132, // ldr x18, [x9, #64]
  0xa9400520, // ldp x0, x1, [x9]
  0xf9401930, // ldr x16, [x9, #48]
  0xd63f0200, // blr x16
  0xf9401d30, // ldr x16, [x9, #56]
  0xd63f0200, // blr x16
];

interface Run {
  exitCode: number;
  stderr: string;
  /** The fake TEB's LastErrorValue, and the calling thread's own. */
  fakeLastError: number;
  ownLastError: number;
  threadId: number;
}

/** Calls `api(arg)` with X18 = `x18` (FAKE: a committed page whose ClientId.UniqueThread is 0xbad). */
function callWithX18(api: string, x18: bigint | 'FAKE', arg = 0n): Run {
  const err: Buffer[] = [];
  const { process: proc, engine } = openProgram(fixtureExe('hello'), { args: [], env: {}, stdout: () => {}, stderr: (b) => err.push(Buffer.from(b)) });
  try {
    const code = proc.vm.reserve(0n, 0x10000n, PAGE.EXECUTE_READ, 'private', 'test code');
    proc.vm.commit(code.base, code.size, PAGE.EXECUTE_READ);
    proc.engine.write(code.base, words(CALL_WITH_X18));
    const data = proc.vm.reserve(0n, 0x10000n, PAGE.READWRITE, 'private', 'test data');
    proc.vm.commit(data.base, data.size, PAGE.READWRITE);
    const fake = data.base + 0x8000n;
    proc.mem.setU64(fake + BigInt(TEB.fields.ClientIdThread[0]), 0xbadn);
    const [dll, name] = api.split('!') as [string, string];
    proc.mem.setU64(data.base, arg);
    proc.mem.setU64(data.base + 48n, proc.stubs.api(dll, name, API_TABLE.get(api)));
    proc.mem.setU64(data.base + 56n, proc.stubs.api('kernel32.dll', 'ExitProcess', API_TABLE.get('kernel32.dll!ExitProcess')));
    proc.mem.setU64(data.base + 64n, x18 === 'FAKE' ? fake : x18);
    proc.threads[0]!.suspendCount = 1;
    const t = proc.createThread(code.base, data.base, 0x10000n, undefined);
    const end = proc.run();
    const lastError = (teb: bigint) => proc.mem.u32(teb + BigInt(TEB.fields.LastErrorValue[0]));
    return {
      exitCode: end.exitCode, stderr: Buffer.concat(err).toString('utf8'),
      fakeLastError: lastError(fake), ownLastError: lastError(t.teb), threadId: t.id,
    };
  } finally {
    engine.close();
  }
}

test('GetCurrentThreadId reads ClientId through X18: a fake TEB gives its id, not the thread\'s', () => {
  const r = callWithX18('kernel32.dll!GetCurrentThreadId', 'FAKE');
  assert.equal(r.exitCode, 0xbad);
  assert.notEqual(r.threadId, 0xbad);
});

test('SetLastError stores through X18: the fake TEB takes the error, the thread\'s own TEB keeps 0', () => {
  const r = callWithX18('kernel32.dll!SetLastError', 'FAKE', 1234n);
  assert.equal(r.fakeLastError, 1234);
  assert.equal(r.ownLastError, 0);
});

test('GetLastError with X18 pointing at nothing faults inside the API, as its load would on hardware', () => {
  const r = callWithX18('kernel32.dll!GetLastError', 0x10n);
  assert.equal(r.exitCode, 0xc0000005, 'no handler is installed: the access violation ends the process');
  assert.match(r.stderr, /^Unhandled exception at 0x[0-9a-f]+ \(kernel32\.dll!GetLastError\) in thread 0x1[0-9a-f]{3}: 0xC0000005: Access violation reading location 0x78\n$/);
});
