// GetThreadContext and SetThreadContext touch only the parts of a CONTEXT that its ContextFlags name (Microsoft
// Learn: "The value of the ContextFlags member of this structure specifies which portions of a thread's context
// are retrieved" / "to set"). Go's profiler (profilem) and preemption (preemptM) pass CONTEXT_CONTROL alone.
// SetThreadPriority, which the profiler thread calls on itself, checks its handle and value.

import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { ThreadObject } from '../../src/recorder/windows/objects.ts';
import { CONTEXT, CONTEXT_FLAGS, CONTEXT_X, TEB } from '../../src/recorder/windows/structs.ts';
import { type Harness, harness } from '../helpers/api-harness.ts';

const START = 0x1_0000_1000n; // never run: the thread only has to exist with its first registers
const PARAMETER = 0x1234_5678n;
const FILL = 0xaa;
const FILLED = 0xaaaa_aaaa_aaaa_aaaan;
const f = CONTEXT.fields;

describe('thread contexts by ContextFlags', () => {
  const h = harness();
  after(() => h.close());
  const target = h.proc.createThread(START, PARAMETER, 0x10000n, undefined);
  const handle = h.proc.handles.add(new ThreadObject(target));
  const ctx = h.scratch; // 16-aligned
  const u64 = (off: number): bigint => h.proc.mem.u64(ctx + BigInt(off));
  const prepare = (flags: number): void => {
    h.proc.mem.write(ctx, new Uint8Array(CONTEXT.size).fill(FILL));
    h.proc.mem.setU32(ctx + BigInt(f.ContextFlags[0]), flags);
  };

  test('GetThreadContext(CONTEXT_CONTROL) fills Pc, Sp, Fp, Lr and Cpsr and leaves X0-X28 and the vectors as they were', () => {
    prepare(CONTEXT_FLAGS.CONTROL);
    assert.equal(h.call('kernel32.dll!GetThreadContext', handle, ctx), true);
    assert.equal(u64(f.Pc[0]), START);
    assert.equal(u64(f.Sp[0]), target.stack.base - 16n, 'the thread starts below its frame record');
    assert.equal(h.proc.mem.u32(ctx + BigInt(f.ContextFlags[0])), CONTEXT_FLAGS.CONTROL, 'ContextFlags is the caller\'s');
    assert.equal(u64(CONTEXT_X(0)), FILLED, 'X0 was not asked for');
    assert.equal(u64(f.V0[0]), FILLED, 'V0 was not asked for');
    assert.equal(u64(f.Bcr[0]), FILLED, 'the debug registers were not asked for');
  });

  test('GetThreadContext(CONTEXT_INTEGER) fills X0-X28 only', () => {
    prepare(CONTEXT_FLAGS.INTEGER);
    assert.equal(h.call('kernel32.dll!GetThreadContext', handle, ctx), true);
    assert.equal(u64(CONTEXT_X(0)), PARAMETER);
    assert.equal(u64(f.Pc[0]), FILLED);
  });

  test('SetThreadContext(CONTEXT_CONTROL) moves Pc and keeps X0, which the buffer holds garbage for', () => {
    prepare(CONTEXT_FLAGS.CONTROL);
    assert.equal(h.call('kernel32.dll!GetThreadContext', handle, ctx), true);
    h.proc.mem.setU64(ctx + BigInt(f.Pc[0]), START + 0x40n);
    assert.equal(h.call('kernel32.dll!SetThreadContext', handle, ctx), true);
    prepare(CONTEXT_FLAGS.FULL);
    assert.equal(h.call('kernel32.dll!GetThreadContext', handle, ctx), true);
    assert.equal(u64(f.Pc[0]), START + 0x40n);
    assert.equal(u64(CONTEXT_X(0)), PARAMETER, 'X0 is the thread\'s, not the buffer\'s 0xaa…');
    assert.equal(u64(CONTEXT_X(18)), target.teb);
  });
});

const lastError = (h: Harness): number => h.proc.mem.u32(h.proc.threads[0]!.teb + BigInt(TEB.fields.LastErrorValue[0]));

describe('SetThreadPriority', () => {
  test('takes the documented values for a thread handle and refuses others', () => {
    const h = harness();
    try {
      const other = h.proc.handles.add(new ThreadObject(h.proc.createThread(START, 0n, 0x10000n, undefined)));
      const THREAD_PRIORITY_HIGHEST = 2n;
      assert.equal(h.call('kernel32.dll!SetThreadPriority', other, THREAD_PRIORITY_HIGHEST), true);
      assert.equal(h.call('kernel32.dll!SetThreadPriority', other, 7n), false, 'not a value of the normal priority class');
      assert.equal(lastError(h), 87);
      assert.equal(h.call('kernel32.dll!SetThreadPriority', other, 0x10000n), false, 'background mode is the caller\'s own');
      assert.equal(h.call('kernel32.dll!SetThreadPriority', 0x7777n, THREAD_PRIORITY_HIGHEST), false);
      assert.equal(lastError(h), 6);
    } finally {
      h.close();
    }
  });
});
