// Thread start as the Go 1.19 runtime relies on it: newosproc calls CreateThread(nil, 0, tstart_stdcall, mp, 0,
// nil), and tstart_stdcall expects the Windows ARM64 start-routine state: X0 = lpParameter, X18 = the thread's
// own TEB, SP 16-byte aligned at the top of the thread's stack (below the frame record FP points at), LR at a return
// path that ends the thread.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { reg, ROLE } from '../../src/arch/arm64.ts';
import { alignDown } from '../../src/recorder/windows/layout.ts';
import type { WindowsProcess } from '../../src/recorder/windows/process.ts';
import { TEB } from '../../src/recorder/windows/structs.ts';
import type { Thread } from '../../src/recorder/windows/thread.ts';
import { normalizeOutput } from '../../scripts/normalize-output.ts';
import { expectedOutput, fixtureExe } from '../helpers/fixtures.ts';
import { runProgram } from '../helpers/run-program.ts';

interface Entry {
  thread: Thread;
  x0: bigint;
  x18: bigint;
  sp: bigint;
  lr: bigint;
  fp: bigint;
  /** The 16 bytes FP points at: the caller's saved FP and LR. */
  record: [bigint, bigint];
  /** TEB fields as the thread sees them on its first instruction. */
  teb: { self: bigint; stackBase: bigint; stackLimit: bigint; peb: bigint; clientThread: bigint };
}

describe('goroutines: threads started through runtime.tstart_stdcall', () => {
  test('each new thread enters tstart_stdcall with X0 = lpParameter, X18 = its TEB, SP and FP at a frame record at its stack top, LR = thread exit stub', () => {
    const entries: Entry[] = [];
    const createCalls: Array<{ caller: Thread; args: readonly bigint[] }> = [];
    const created = new Map<Thread, { args: readonly bigint[]; creator: Thread }>();
    let pendingCreate: { caller: Thread; args: readonly bigint[] } | undefined;
    let tstart = 0n;
    let threadReturn = 0n;
    let stubName = '';
    let peb = 0n;
    let proc!: WindowsProcess;

    const r = runProgram(fixtureExe('goroutines'), {
      observer: {
        apiCall: (thread, api, args) => {
          if (api.proto.name !== 'CreateThread') return;
          pendingCreate = { caller: thread, args };
          createCalls.push(pendingCreate);
        },
        threadCreated: (thread, creator) => {
          if (creator === undefined) return; // the main thread, made at boot
          assert.ok(pendingCreate, `thread ${thread.id} created outside CreateThread`);
          assert.equal(pendingCreate.caller, creator);
          created.set(thread, { args: pendingCreate.args, creator });
          pendingCreate = undefined;
        },
      },
      setup: (p) => {
        proc = p;
        peb = p.peb;
        tstart = p.symbols.addressOf('runtime.tstart_stdcall')!;
        assert.ok(tstart !== undefined);
        // The ThreadReturn system stub already exists (made at boot); asking again returns the same address.
        threadReturn = p.stubs.system('ThreadReturn');
        stubName = p.stubs.describe(threadReturn);
        const m = p.mem;
        p.engine.hookCode(() => {
          const [x0, x18, sp, lr, fp] = p.engine.readRegs([reg('x0'), ROLE.teb, ROLE.sp, ROLE.lr, ROLE.fp]) as
            [bigint, bigint, bigint, bigint, bigint];
          const f = TEB.fields;
          entries.push({
            thread: p.current!, x0, x18, sp, lr, fp, record: [m.u64(fp), m.u64(fp + 8n)],
            teb: {
              self: m.u64(x18 + BigInt(f.Self[0])),
              stackBase: m.u64(x18 + BigInt(f.StackBase[0])),
              stackLimit: m.u64(x18 + BigInt(f.StackLimit[0])),
              peb: m.u64(x18 + BigInt(f.ProcessEnvironmentBlock[0])),
              clientThread: m.u64(x18 + BigInt(f.ClientIdThread[0])),
            },
          });
        }, { begin: tstart, end: tstart });
      },
    });

    assert.equal(r.end.reason, 'exit');
    assert.equal(normalizeOutput(r.output), expectedOutput('goroutines').text);
    assert.equal(r.exitCode, 0);
    assert.equal(stubName, 'wintrace!ThreadReturn');

    // Every CreateThread made one thread, and every such thread entered tstart_stdcall exactly once, first thing.
    assert.ok(createCalls.length >= 3, `only ${createCalls.length} CreateThread calls`);
    assert.equal(created.size, createCalls.length);
    assert.equal(proc.threads.length, createCalls.length + 1);
    assert.equal(entries.length, createCalls.length);
    assert.deepEqual(new Set(entries.map((e) => e.thread)), new Set(created.keys()));

    const tebs = new Set<bigint>();
    for (const [i, call] of createCalls.entries()) {
      const t = proc.threads[i + 1]!;
      const e = entries.find((x) => x.thread === t)!;
      assert.ok(e, `thread ${t.id} never entered tstart_stdcall`);
      const where = `thread ${t.id} (CreateThread #${i + 1})`;
      // CreateThread(lpThreadAttributes = 0, dwStackSize, lpStartAddress = tstart_stdcall, lpParameter = mp, 0, 0)
      assert.equal(created.get(t)!.args, call.args, where);
      assert.equal(call.args[2], tstart, where);
      assert.equal(call.args[4], 0n, `${where}: dwCreationFlags`);
      assert.equal(e.x0, call.args[3], `${where}: X0 = lpParameter`);
      assert.notEqual(e.x0, 0n, where);
      assert.equal(e.x18, t.teb, `${where}: X18 = its TEB`);
      assert.equal(e.teb.self, t.teb, `${where}: TEB.Self`);
      assert.equal(e.teb.peb, peb, `${where}: TEB.ProcessEnvironmentBlock`);
      assert.equal(e.teb.clientThread, BigInt(t.id), `${where}: TEB.ClientId.UniqueThread`);
      assert.equal(e.teb.stackBase, t.stack.base, `${where}: TEB.StackBase`);
      assert.equal(e.teb.stackLimit, t.stack.limit, `${where}: TEB.StackLimit`);
      // The caller Windows stands for (BaseThreadInitThunk) keeps its frame record in the top 16 bytes.
      assert.equal(e.sp, alignDown(t.stack.base, 16n) - 16n, `${where}: SP just below the frame record at the top of its stack`);
      assert.equal(e.sp % 16n, 0n, `${where}: SP 16-byte aligned`);
      assert.equal(e.lr, threadReturn, `${where}: LR = thread exit stub`);
      assert.equal(e.fp, e.sp, `${where}: FP at the frame record`);
      assert.deepEqual(e.record, [0n, threadReturn], `${where}: the record ends the chain (saved FP 0) and returns to the exit stub`);
      tebs.add(e.x18);
    }
    assert.equal(tebs.size, entries.length, 'every thread has its own TEB');
    assert.ok(!tebs.has(proc.threads[0]!.teb), 'no new thread shares the main thread TEB');
  });
});
