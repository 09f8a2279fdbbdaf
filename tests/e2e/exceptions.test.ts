// Exception dispatch as the Go 1.19 windows/arm64 runtime sees it: the fault, the frame on the faulting stack,
// the vectored handlers (exceptiontramp → sigtramp → sigtramp_g0 → exceptionhandler), the continue handlers,
// the Control Flow Guard resume check (sigresume on the g0 stack), fail fast, and the unhandled path.
// Patched fixture copies (tests/helpers/patch.ts) force the paths Go never takes on its own.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, describe, test } from 'node:test';
import { reg, ROLE } from '../../src/arch/arm64.ts';
import { loadDisassembler } from '../../src/arch/disasm.ts';
import { describeException, type ExceptionInfo, STATUS } from '../../src/recorder/windows/exceptions.ts';
import type { WindowsProcess } from '../../src/recorder/windows/process.ts';
import { CONTEXT, CONTEXT_X, EXCEPTION_POINTERS, EXCEPTION_RECORD, TEB } from '../../src/recorder/windows/structs.ts';
import type { Thread } from '../../src/recorder/windows/thread.ts';
import { normalizeOutput } from '../../scripts/normalize-output.ts';
import { expectedOutput, fixtureExe } from '../helpers/fixtures.ts';
import { locateWord, patchProgram, type PatchedProgram } from '../helpers/patch.ts';
import { runProgram } from '../helpers/run-program.ts';

const hex = (v: bigint | number): string => `0x${v.toString(16)}`;
const F = CONTEXT.fields;
const R = EXCEPTION_RECORD.fields;
/** Wine's arm64 KiUserExceptionDispatcher frame: CONTEXT @0, CONTEXT_EX @0x390, EXCEPTION_RECORD @0x3b0. */
const FRAME_SIZE = 0x460n;
const RECORD_OFFSET = 0x3b0n;

const patched: PatchedProgram[] = [];
after(() => {
  for (const p of patched) p.cleanup();
});

function addr(proc: WindowsProcess, name: string): bigint {
  const a = proc.symbols.addressOf(name);
  assert.ok(a !== undefined, `symbol ${name} missing from the fixture`);
  return a;
}

/** The CONTEXT fields a test looks at, copied out of guest memory (the engine is closed after the run). */
function readContext(proc: WindowsProcess, at: bigint) {
  const b = proc.mem.bytes(at, CONTEXT.size);
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const xs = Array.from({ length: 29 }, (_, n) => v.getBigUint64(CONTEXT_X(n), true));
  return {
    flags: v.getUint32(F.ContextFlags[0], true),
    x: (n: number) => xs[n]!,
    sp: v.getBigUint64(F.Sp[0], true),
    pc: v.getBigUint64(F.Pc[0], true),
    lr: v.getBigUint64(F.Lr[0], true),
  };
}

function tebStack(proc: WindowsProcess, t: Thread): { limit: bigint; base: bigint } {
  return {
    limit: proc.mem.u64(t.teb + BigInt(TEB.fields.StackLimit[0])),
    base: proc.mem.u64(t.teb + BigInt(TEB.fields.StackBase[0])),
  };
}

describe('panic-recover: a recovered nil dereference goes through the Go VEH and the CFG workaround', () => {
  test('output, dispatch order, exception frame and resume point of the first exception', async () => {
    const dis = await loadDisassembler();
    const log: string[] = [];
    const raisedAll: ExceptionInfo[] = [];
    let first: {
      info: ExceptionInfo;
      ctx: ReturnType<typeof readContext>;
      record: { code: number; flags: number; address: bigint; n: number; i0: bigint; i1: bigint };
      pointers: [bigint, bigint];
      insn: string;
      symbol: string;
      gStack: [bigint, bigint];
      tebStack: { limit: bigint; base: bigint };
    } | undefined;
    let firstDone = false;
    const handlerCalls: Array<[string, bigint]> = [];
    const handlerResults: number[] = [];
    const resumes: Array<{ pc: bigint; sp: bigint; x0: bigint; x1: bigint; tebStack: { limit: bigint; base: bigint } }> = [];
    const atEntry: Record<string, { sp: bigint; x0: bigint; x1: bigint }> = {};
    let atSigresume: { sp: bigint; x0: bigint; x1: bigint } | undefined;
    let symbols: Record<string, bigint> = {};

    const r = runProgram(fixtureExe('panic-recover'), {
      setup: (proc) => {
        const hooked = ['runtime.exceptiontramp', 'sigtramp', 'sigtramp_g0', 'runtime.exceptionhandler.abi0',
          'runtime.exceptionhandler', 'runtime.firstcontinuetramp', 'runtime.lastcontinuetramp', 'sigresume'];
        symbols = Object.fromEntries([...hooked, 'main.readValue', 'runtime.sigpanic0'].map((n) => [n, addr(proc, n)]));
        // The ABI0 wrapper and the Go function are distinct code (the wrapper calls the ABIInternal function).
        assert.notEqual(symbols['runtime.exceptionhandler.abi0'], symbols['runtime.exceptionhandler']);
        for (const name of hooked) {
          const at = symbols[name]!;
          proc.engine.hookCode(() => {
            if (first === undefined || firstDone) return;
            log.push(`exec ${name}`);
            const [sp, x0, x1] = proc.engine.readRegs([ROLE.sp, reg('x0'), reg('x1')]) as [bigint, bigint, bigint];
            atEntry[name] ??= { sp, x0, x1 };
            if (name === 'sigresume') {
              atSigresume = { sp, x0, x1 };
              firstDone = true;
            }
          }, { begin: at, end: at });
        }
        proc.exceptions.observer = {
          raised: (e) => {
            raisedAll.push(e);
            if (first !== undefined) return;
            log.push('raised');
            const m = proc.mem;
            const ctx = readContext(proc, e.context);
            const g = ctx.x(28); // Go keeps g in R28: g.stack.lo @0, g.stack.hi @8
            const word = m.bytes(ctx.pc, 4);
            first = {
              info: e,
              ctx,
              record: {
                code: m.u32(e.record + BigInt(R.ExceptionCode[0])),
                flags: m.u32(e.record + BigInt(R.ExceptionFlags[0])),
                address: m.u64(e.record + BigInt(R.ExceptionAddress[0])),
                n: m.u32(e.record + BigInt(R.NumberParameters[0])),
                i0: m.u64(e.record + BigInt(R.ExceptionInformation[0])),
                i1: m.u64(e.record + BigInt(R.ExceptionInformation[0] + 8)),
              },
              pointers: [m.u64(e.pointers + BigInt(EXCEPTION_POINTERS.fields.ExceptionRecord[0])),
                m.u64(e.pointers + BigInt(EXCEPTION_POINTERS.fields.ContextRecord[0]))],
              insn: dis.disassemble(word, ctx.pc)!.text,
              symbol: proc.symbolize(ctx.pc),
              gStack: [m.u64(g), m.u64(g + 8n)],
              tebStack: tebStack(proc, e.thread),
            };
          },
          handlerCalled: (e, kind, h) => {
            handlerCalls.push([kind, h]);
            if (e === first?.info && !firstDone) log.push(`call ${kind} ${proc.symbolize(h)}`);
          },
          handlerReturned: (e, kind, h, result) => {
            handlerResults.push(result);
            if (e === first?.info && !firstDone) log.push(`return ${kind} ${proc.symbolize(h)} ${result}`);
          },
          resumed: (e, pc, sp) => {
            const ctx = readContext(proc, e.context);
            resumes.push({ pc, sp, x0: ctx.x(0), x1: ctx.x(1), tebStack: tebStack(proc, e.thread) });
            if (e === first?.info && !firstDone) log.push(`resumed ${proc.symbolize(pc)}`);
          },
          failFast: (_t, code, reason) => assert.fail(`unexpected fail fast ${hex(code)}: ${reason}`),
          unhandled: (e) => assert.fail(`unexpected unhandled exception ${describeException(e)}`),
        };
      },
    });

    assert.equal(r.end.reason, 'exit');
    assert.equal(normalizeOutput(r.output), expectedOutput('panic-recover').text);
    assert.equal(r.exitCode, 0);

    // One exception per nil read: safeRead(nil) once, then i = 1 and 3 of the loop; each handled and resumed.
    assert.equal(raisedAll.length, 3);
    assert.equal(resumes.length, 3);
    assert.deepEqual(handlerResults, [-1, -1, -1, -1, -1, -1]);

    // The order in which the first dispatch ran, observer events and executed entry points interleaved.
    assert.deepEqual(log, [
      'raised',
      'call vectored runtime.exceptiontramp',
      'exec runtime.exceptiontramp',
      'exec sigtramp',
      'exec sigtramp_g0',
      'exec runtime.exceptionhandler.abi0',
      'exec runtime.exceptionhandler',
      'return vectored runtime.exceptiontramp -1',
      // exceptionhandler handled it; Windows still runs the continue handlers, and firstcontinuehandler stops them
      'call continue runtime.firstcontinuetramp',
      'exec runtime.firstcontinuetramp',
      'exec sigtramp',
      'exec sigtramp_g0',
      'return continue runtime.firstcontinuetramp -1',
      'resumed sigresume',
      'exec sigresume',
    ]);
    assert.deepEqual(handlerCalls.slice(0, 2), [
      ['vectored', symbols['runtime.exceptiontramp']],
      ['continue', symbols['runtime.firstcontinuetramp']],
    ]);

    const f = first!;
    const e = f.info;
    // The record: an access violation reading address 0 at the faulting instruction.
    assert.equal(e.code, STATUS.ACCESS_VIOLATION);
    assert.equal(e.code, 0xc0000005);
    assert.deepEqual(e.information, [0n, 0n]);
    assert.equal(e.address, symbols['main.readValue']);
    assert.deepEqual(f.record, { code: 0xc0000005, flags: 0, address: symbols['main.readValue'], n: 2, i0: 0n, i1: 0n });
    assert.deepEqual(f.pointers, [e.record, e.context]);

    // The CONTEXT: Pc is the faulting load itself (main.readValue: ldr x0, [x0] with x0 = nil).
    assert.equal(f.ctx.pc, e.address);
    assert.equal(f.symbol, 'main.readValue');
    assert.match(f.symbol, /^main\./);
    assert.equal(f.insn, 'ldr x0, [x0]');
    assert.equal(f.ctx.x(0), 0n);
    assert.equal(f.ctx.flags, 0x400007);
    assert.equal(f.ctx.sp % 16n, 0n);
    assert.equal(f.ctx.x(18), e.thread.teb);

    // The frame: 16-byte aligned, directly below the faulting SP, on the goroutine stack (not the thread's stack).
    assert.equal(e.frame % 16n, 0n);
    assert.equal(e.context, e.frame);
    assert.equal(e.record, e.frame + RECORD_OFFSET);
    assert.equal(e.frame, (f.ctx.sp - FRAME_SIZE) & ~15n);
    assert.ok(e.frame + FRAME_SIZE <= f.ctx.sp);
    const [lo, hi] = f.gStack;
    assert.ok(lo <= e.pointers - 0x20n && f.ctx.sp < hi,
      `frame ${hex(e.frame)}..${hex(f.ctx.sp)} not inside the goroutine stack [${hex(lo)}, ${hex(hi)})`);
    assert.ok(f.ctx.sp < f.tebStack.limit || f.ctx.sp >= f.tebStack.base, 'the fault happened on a goroutine stack');

    // The handler was called with X0 = EXCEPTION_POINTERS and SP below it; sigtramp got the Go handler in R1.
    assert.equal(atEntry['runtime.exceptiontramp']!.x0, e.pointers);
    assert.equal(atEntry['runtime.exceptiontramp']!.sp, e.pointers - 0x20n);
    assert.equal(atEntry['sigtramp']!.x1, symbols['runtime.exceptionhandler.abi0']);

    // Resume: at sigresume, on the g0 stack (sigtramp_g0's frame: 0x90 bytes below its entry SP), inside the TEB's
    // stack limits; the context carries the real resume point in X0 (SP - 16 for the pushed sigpanic frame) and
    // X1 (sigpanic0), which sigresume loads: MOVD R0, RSP; B (R1).
    const res = resumes[0]!;
    assert.equal(res.pc, symbols['sigresume']);
    assert.equal(res.sp, atEntry['sigtramp_g0']!.sp - 0x90n);
    assert.deepEqual(res.tebStack, f.tebStack);
    assert.ok(res.sp >= f.tebStack.limit && res.sp < f.tebStack.base,
      `resume SP ${hex(res.sp)} outside [${hex(f.tebStack.limit)}, ${hex(f.tebStack.base)})`);
    assert.equal(res.sp % 16n, 0n);
    assert.equal(res.x0, f.ctx.sp - 16n);
    assert.equal(res.x1, symbols['runtime.sigpanic0']);
    assert.deepEqual(atSigresume, { sp: res.sp, x0: res.x0, x1: res.x1 });
  });
});

describe('crash: an unrecovered nil dereference', () => {
  test('prints the Go panic, the [signal 0xc0000005 ...] line and a traceback; exit code 2', () => {
    let deref = 0n;
    const r = runProgram(fixtureExe('crash'), { setup: (proc) => { deref = addr(proc, 'main.deref'); } });
    assert.equal(r.end.reason, 'exit');
    assert.equal(r.exitCode, 2);
    assert.equal(normalizeOutput(r.output), expectedOutput('crash').text);
    const lines = r.output.split('\n');
    assert.equal(lines[0], 'about to crash');
    assert.equal(lines[1], 'panic: runtime error: invalid memory address or nil pointer dereference');
    assert.equal(lines[2], `[signal 0xc0000005 code=0x0 addr=0x0 pc=${hex(deref)}]`);
    assert.equal(lines[3], '');
    assert.equal(lines[4], 'goroutine 1 [running]:');
    assert.match(lines[5]!, /^main\.deref\(/);
    assert.ok(lines.includes('main.main()'), r.output);
  });
});

describe('Control Flow Guard: resuming on a goroutine stack fails fast', () => {
  test('sigtramp_g0 without its workaround ends the process with 0xC0000409', () => {
    // sigtramp_g0+0x58 is `b.eq return` after `cmp x0, xzr` (skip the workaround when the handler returned 0);
    // an unconditional `b return` skips it always, so the context resumes at sigpanic0 on the goroutine stack.
    const exe = fixtureExe('panic-recover');
    const p = patchProgram(exe, [{ symbol: 'sigtramp_g0', offset: 0x58, expect: 0x54000200, replace: 0x14000010 }]);
    patched.push(p);
    // The original word is the conditional branch to sigtramp_g0+0x98 (its epilogue).
    const bytes = new Uint8Array(readFileSync(exe));
    const at = locateWord(bytes, 'panic-recover.exe', 'sigtramp_g0', 0x58);
    const ret = locateWord(bytes, 'panic-recover.exe', 'sigtramp_g0', 0x98);
    assert.equal(new DataView(bytes.buffer).getUint32(ret.fileOffset, true), 0xa943d3f3); // ldp x19, x20, [sp, #56]
    assert.equal(ret.address - at.address, 0x40n); // B and B.EQ both encode (0x40 >> 2) = 0x10

    let raisedSp = 0n;
    let info: ExceptionInfo | undefined;
    const fails: Array<{ thread: Thread; code: number; reason: string; ctxSp: bigint; ctxPc: bigint; stack: { limit: bigint; base: bigint } }> = [];
    let resumed = 0;
    let proc!: WindowsProcess;
    let sigpanic0 = 0n;
    const r = runProgram(p.path, {
      setup: (pr) => {
        proc = pr;
        sigpanic0 = addr(pr, 'runtime.sigpanic0');
        pr.exceptions.observer = {
          raised: (e) => {
            info ??= e;
            raisedSp = readContext(pr, e.context).sp;
          },
          resumed: () => resumed++,
          failFast: (thread, code, reason) => {
            const ctx = readContext(pr, info!.context);
            fails.push({ thread, code, reason, ctxSp: ctx.sp, ctxPc: ctx.pc, stack: tebStack(pr, thread) });
          },
        };
      },
    });
    assert.equal(r.exitCode, 0xc0000409);
    assert.equal(r.end.reason, 'exit');
    assert.equal(r.output, 'good read: 42 <nil>\n');
    assert.equal(resumed, 0);
    assert.equal(fails.length, 1);
    const f = fails[0]!;
    assert.equal(f.code, STATUS.STACK_BUFFER_OVERRUN);
    assert.equal(f.thread, info!.thread);
    // exceptionhandler pushed a sigpanic frame (SP - 16) and pointed Pc at sigpanic0; nothing moved it to g0.
    assert.equal(f.ctxPc, sigpanic0);
    assert.equal(f.ctxSp, raisedSp - 16n);
    assert.deepEqual(f.stack, { limit: f.thread.stack.limit, base: f.thread.stack.base });
    assert.ok(f.ctxSp < f.stack.limit || f.ctxSp >= f.stack.base);
    assert.equal(proc.exceptions.failure, f.reason);
    const m = /refused SP (0x[0-9a-f]+) outside the stack of thread (0x[0-9a-f]+) \[(0x[0-9a-f]+), (0x[0-9a-f]+)\) resuming at (\S+)$/
      .exec(f.reason);
    assert.ok(m, f.reason);
    assert.equal(BigInt(m[1]!), f.ctxSp);
    assert.equal(Number(m[2]), f.thread.id);
    assert.equal(BigInt(m[3]!), f.stack.limit);
    assert.equal(BigInt(m[4]!), f.stack.base);
    assert.equal(m[5], 'runtime.sigpanic0');
  });
});

describe('runtime.Breakpoint and other trapping instructions', () => {
  const BRK_F000 = 0xd43e0000;

  function runBreakpoint(path: string) {
    const raised: Array<{ code: number; address: bigint; information: bigint[]; pc: bigint }> = [];
    let bp = 0n;
    const r = runProgram(path, {
      setup: (proc) => {
        bp = addr(proc, 'runtime.breakpoint');
        proc.exceptions.observer = {
          raised: (e) => raised.push({ code: e.code, address: e.address, information: e.information,
            pc: readContext(proc, e.context).pc }),
          failFast: (_t, code, reason) => assert.fail(`unexpected fail fast ${hex(code)}: ${reason}`),
        };
      },
    });
    return { r, raised, bp };
  }

  test('Go 1.19.8 emits BRK #0xF000 for runtime.Breakpoint', async () => {
    const dis = await loadDisassembler();
    const bytes = new Uint8Array(readFileSync(fixtureExe('breakpoint')));
    const at = locateWord(bytes, 'breakpoint.exe', 'runtime.breakpoint', 0);
    const word = bytes.slice(at.fileOffset, at.fileOffset + 4);
    assert.equal(new DataView(word.buffer).getUint32(0, true), BRK_F000);
    assert.equal(dis.disassemble(word, at.address)!.text, 'brk #0xf000');
  });

  test('BRK #0xF000 raises 0x80000003 and Go throws "fault"; exit code 2', () => {
    const { r, raised, bp } = runBreakpoint(fixtureExe('breakpoint'));
    assert.equal(r.exitCode, 2);
    assert.deepEqual(raised, [{ code: 0x80000003, address: bp, information: [0n], pc: bp }]);
    assert.equal(normalizeOutput(r.output), expectedOutput('breakpoint').text);
    const lines = r.output.split('\n');
    assert.deepEqual(lines.slice(0, 5), [
      'before breakpoint',
      'fatal error: fault',
      `[signal 0x80000003 code=0x0 addr=0x0 pc=${hex(bp)}]`,
      '',
      'goroutine 1 [running]:',
    ]);
  });

  for (const [what, word, text] of [['BRK #0', 0xd4200000, 'brk #0'], ['UDF #0', 0x00000000, 'udf #0']] as const) {
    test(`${what} in place of it raises 0xC000001D and Go throws "fault"; exit code 2`, async () => {
      const dis = await loadDisassembler();
      const bytes = new Uint8Array(4);
      new DataView(bytes.buffer).setUint32(0, word, true);
      assert.equal(dis.disassemble(bytes, 0n)!.text, text);
      const p = patchProgram(fixtureExe('breakpoint'), [{ symbol: 'runtime.breakpoint', offset: 0, expect: BRK_F000, replace: word }]);
      patched.push(p);
      const { r, raised, bp } = runBreakpoint(p.path);
      assert.equal(r.exitCode, 2);
      assert.deepEqual(raised, [{ code: 0xc000001d, address: bp, information: [], pc: bp }]);
      assert.equal(normalizeOutput(r.output), expectedOutput('breakpoint').text);
      assert.deepEqual(r.output.split('\n').slice(0, 5), [
        'before breakpoint',
        'fatal error: fault',
        `[signal 0xc000001d code=0x0 addr=0x0 pc=${hex(bp)}]`,
        '',
        'goroutine 1 [running]:',
      ]);
    });
  }

  test('BRK #0xF003 (__fastfail) ends the process with 0xC0000409 without dispatching', () => {
    const p = patchProgram(fixtureExe('breakpoint'),
      [{ symbol: 'runtime.breakpoint', offset: 0, expect: BRK_F000, replace: 0xd43e0060 }]);
    patched.push(p);
    const fails: Array<[number, string]> = [];
    let x0 = -1n;
    let raised = 0;
    let proc!: WindowsProcess;
    const r = runProgram(p.path, {
      setup: (pr) => {
        proc = pr;
        const bp = addr(pr, 'runtime.breakpoint');
        pr.engine.hookCode(() => { x0 = pr.engine.readReg(reg('x0')); }, { begin: bp, end: bp });
        pr.exceptions.observer = { raised: () => raised++, failFast: (_t, code, reason) => fails.push([code, reason]) };
      },
    });
    assert.equal(r.exitCode, 0xc0000409);
    assert.equal(r.output, 'before breakpoint\n');
    assert.equal(raised, 0);
    assert.deepEqual(fails, [[0xc0000409, `__fastfail(${Number(x0)}) at runtime.breakpoint`]]);
    assert.equal(proc.exceptions.failure, fails[0]![1]);
  });
});

describe('unhandled exceptions', () => {
  test('when every handler returns EXCEPTION_CONTINUE_SEARCH the process ends with the exception code', () => {
    // Each Go trampoline becomes `mov x0, #0; ret`: all three handlers decline.
    const ret0 = (symbol: string, add: number) => [
      { symbol, offset: 0, expect: 0xb0000021, replace: 0xd2800000 }, // adrp x1, ... → mov x0, #0
      { symbol, offset: 4, expect: add, replace: 0xd65f03c0 }, // add x1, x1, #... → ret
    ];
    const p = patchProgram(fixtureExe('panic-recover'), [
      ...ret0('runtime.exceptiontramp', 0x910b8021),
      ...ret0('runtime.firstcontinuetramp', 0x910c4021),
      ...ret0('runtime.lastcontinuetramp', 0x910d0021),
    ]);
    patched.push(p);
    const calls: string[] = [];
    const unhandled: ExceptionInfo[] = [];
    let readValue = 0n;
    const r = runProgram(p.path, {
      setup: (proc) => {
        readValue = addr(proc, 'main.readValue');
        proc.exceptions.observer = {
          handlerReturned: (_e, kind, h, result) => calls.push(`${kind} ${proc.symbolize(h)} ${result}`),
          resumed: () => assert.fail('resumed'),
          unhandled: (e) => unhandled.push(e),
        };
      },
    });
    assert.deepEqual(calls, [
      'vectored runtime.exceptiontramp 0',
      'continue runtime.firstcontinuetramp 0',
      'continue runtime.lastcontinuetramp 0',
    ]);
    assert.equal(unhandled.length, 1);
    assert.equal(unhandled[0]!.address, readValue);
    assert.equal(r.exitCode, 0xc0000005);
    assert.equal(r.output, 'good read: 42 <nil>\n' +
      `Unhandled exception at ${hex(readValue)} (main.readValue) in thread 0x1000: ` +
      '0xC0000005: Access violation reading location 0x0\n');
  });

  test('describeException texts', () => {
    const av = (kind: bigint, at: bigint) => describeException({ code: STATUS.ACCESS_VIOLATION, information: [kind, at] });
    assert.equal(av(0n, 0n), '0xC0000005: Access violation reading location 0x0');
    assert.equal(av(1n, 0x1234n), '0xC0000005: Access violation writing location 0x1234');
    assert.equal(av(8n, 0xdeadbeefn), '0xC0000005: Access violation executing location 0xdeadbeef');
    assert.equal(describeException({ code: STATUS.ACCESS_VIOLATION, information: [] }),
      '0xC0000005: Access violation reading location 0x0');
    assert.equal(describeException({ code: STATUS.ILLEGAL_INSTRUCTION, information: [] }), '0xC000001D: Illegal instruction');
    assert.equal(describeException({ code: STATUS.BREAKPOINT, information: [0n] }), '0x80000003: Breakpoint');
    assert.equal(describeException({ code: STATUS.INTEGER_DIVIDE_BY_ZERO, information: [] }),
      '0xC0000094: Integer division by zero');
    assert.equal(describeException({ code: STATUS.STACK_BUFFER_OVERRUN, information: [] }), '0xC0000409');
    assert.equal(describeException({ code: 0x1d, information: [] }), '0x0000001D');
  });
});
