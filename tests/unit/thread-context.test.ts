// GetThreadContext and SetThreadContext touch only the parts of a CONTEXT that its ContextFlags name (Microsoft
// Learn: "The value of the ContextFlags member of this structure specifies which portions of a thread's context
// are retrieved" / "to set"). Go's profiler (profilem) and preemption (preemptM) pass CONTEXT_CONTROL alone.

import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { ThreadObject } from '../../src/recorder/windows/objects.ts';
import { CONTEXT, CONTEXT_FLAGS, CONTEXT_X } from '../../src/recorder/windows/structs.ts';
import { harness } from '../helpers/api-harness.ts';

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
