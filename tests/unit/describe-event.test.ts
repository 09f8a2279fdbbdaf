// Event lines print exit statuses as Windows users read them: an NTSTATUS in hex (what `events` showed as
// "thread 0x1000 exited with 3221225477" is 0xC0000005, an access violation), a program's own code in decimal.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeEvent } from '../../src/replayer/describe.ts';
import { Symbols } from '../../src/replayer/symbols.ts';

const symbols = new Symbols([], []);

test('thread-exited and process-exit: NTSTATUS codes in hex, small codes in decimal', () => {
  assert.equal(describeEvent({ kind: 'thread-exited', step: 5n, tid: 0x1004, exitCode: 0xc0000005 }, symbols), 'thread 0x1004 exited with 0xC0000005');
  assert.equal(describeEvent({ kind: 'thread-exited', step: 5n, tid: 0x1004, exitCode: 0 }, symbols), 'thread 0x1004 exited with 0');
  assert.equal(describeEvent({ kind: 'process-exit', step: 9n, tid: 0x1000, exitCode: 0xc0000409, reason: 'fail-fast' }, symbols), 'process exit 0xC0000409 (fail-fast)');
  assert.equal(describeEvent({ kind: 'process-exit', step: 9n, tid: 0x1000, exitCode: 3, reason: 'exit' }, symbols), 'process exit 3 (exit)');
  // A negative exit code from ExitProcess(-1) is the same 32-bit status.
  assert.equal(describeEvent({ kind: 'process-exit', step: 9n, tid: 0x1000, exitCode: -1, reason: 'exit' }, symbols), 'process exit 0xFFFFFFFF (exit)');
});
