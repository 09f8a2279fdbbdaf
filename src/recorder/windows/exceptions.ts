// User-mode exception dispatch as KiUserExceptionDispatcher/RtlDispatchException do it on ARM64 Windows:
// the exception frame (CONTEXT, CONTEXT_EX, EXCEPTION_RECORD; 0x460 bytes as Wine lays it out) goes on the
// faulting thread's current stack; vectored exception handlers are called in list order as real calls that
// return to a dispatcher stub; then the vectored continue handlers; then resume through the Control Flow Guard
// check of RtlGuardRestoreContext (the resumed SP must lie within the TEB's stack limits), or the unhandled path.

import { REGISTERS, reg, ROLE } from '../../arch/arm64.ts';
import type { Interrupt } from '../engine/engine.ts';
import type { EngineFault } from '../engine/faults.ts';
import type { ApiOutcome } from './api.ts';
import { alignDown, hex } from './layout.ts';
import type { WindowsProcess } from './process.ts';
import { CONTEXT, CONTEXT_FLAGS, CONTEXT_V, CONTEXT_X, EXCEPTION_POINTERS, EXCEPTION_RECORD, TEB } from './structs.ts';
import type { Thread } from './thread.ts';
import { MEM, PAGE } from './virtual-memory.ts';
import { sentinelRegisters, sentinelsLost, writeFrameRecord } from './entry-sentinels.ts';

/** PAGE_* protections that allow writes. */
const WRITABLE = PAGE.READWRITE | PAGE.WRITECOPY | PAGE.EXECUTE_READWRITE | PAGE.EXECUTE_WRITECOPY;

export const STATUS = {
  ACCESS_VIOLATION: 0xc0000005,
  DATATYPE_MISALIGNMENT: 0x80000002,
  ILLEGAL_INSTRUCTION: 0xc000001d,
  BREAKPOINT: 0x80000003,
  INTEGER_DIVIDE_BY_ZERO: 0xc0000094,
  STACK_BUFFER_OVERRUN: 0xc0000409,
} as const;

export const EXCEPTION_CONTINUE_EXECUTION = -1;
export const EXCEPTION_CONTINUE_SEARCH = 0;

/**
 * A pc that is not a multiple of 4: the CPU's PC alignment check fires before it fetches anything, so Windows raises
 * STATUS_DATATYPE_MISALIGNMENT at that pc whatever memory lies there (Unicorn reports an undefined instruction in
 * code, a fetch fault elsewhere).
 */
function pcMisaligned(pc: bigint): boolean {
  return (pc & 3n) !== 0n;
}

/** SVC #0, the instruction of every stub. */
const SVC_0 = 0xd4000001;

/** FAST_FAIL_* codes passed in X0 to BRK #0xF003 (winnt.h); the ones Windows itself raises here. */
export const FAST_FAIL = { INVALID_SET_OF_CONTEXT: 13, GUARD_ICALL_CHECK_FAILURE: 10 } as const;

/** Layout of the frame KiUserExceptionDispatcher runs on (Wine's arm64 layout). */
const FRAME = { context: 0x0, contextEx: 0x390, record: 0x3b0, size: 0x460 } as const;

export interface ExceptionInfo {
  code: number;
  address: bigint;
  information: bigint[];
  /** The thread and where it was when the exception was raised. */
  thread: Thread;
  frame: bigint;
  context: bigint;
  record: bigint;
  pointers: bigint;
}

export interface ResumeRefusal {
  sp: bigint;
  pc: bigint;
  stackLimit: bigint;
  stackBase: bigint;
  context: bigint;
}

export interface ExceptionObserver {
  raised?(e: ExceptionInfo): void;
  /** `sentinels`: what X19-X28 and D8-D15 hold at the handler's entry (entry-sentinels.ts). */
  handlerCalled?(e: ExceptionInfo, kind: 'vectored' | 'continue', handler: bigint, sentinels: Array<[number, bigint]>): void;
  /** `lost`: the sentinels that did not come back, with what came back instead. */
  handlerReturned?(e: ExceptionInfo, kind: 'vectored' | 'continue', handler: bigint, result: number, lost: Array<[number, bigint]>): void;
  resumed?(e: ExceptionInfo, pc: bigint, sp: bigint): void;
  /** `resume` is set when the failure is RtlGuardRestoreContext refusing a CONTEXT (its SP off the stack). */
  failFast?(thread: Thread, code: number, reason: string, resume?: ResumeRefusal): void;
  unhandled?(e: ExceptionInfo): void;
}

interface Dispatch {
  info: ExceptionInfo;
  phase: 'vectored' | 'continue';
  index: number;
  handled: boolean;
  /** Handlers snapshotted when the phase began, as ntdll walks its list under a lock. */
  list: bigint[];
  /** The sentinels the handler being called was entered with. */
  sentinels: Array<[number, bigint]>;
}

export class ExceptionDispatcher {
  /** AddVectoredExceptionHandler list, in call order. */
  readonly vectored: bigint[] = [];
  /** AddVectoredContinueHandler list, in call order. */
  readonly continues: bigint[] = [];
  unhandledFilter = 0n;
  observer: ExceptionObserver | undefined;
  /** Dispatches in progress per thread, innermost last: a handler may itself fault (a nested exception). */
  private readonly active = new Map<Thread, Dispatch[]>();
  private readonly handlerReturn: bigint;
  private pending: { thread: Thread; code: number; address: bigint; information: bigint[] } | undefined;

  constructor(private readonly proc: WindowsProcess) {
    this.handlerReturn = proc.stubs.system('ExceptionHandlerReturn');
  }

  /** A memory fault or undefined instruction that ended the engine run. */
  raiseFault(t: Thread, fault: EngineFault): void {
    if (this.raiseIfPcMisaligned(t, fault.pc)) return;
    const f = fault.fault;
    if (f.type === 'memory') {
      const kind = f.access === 'read' ? 0n : f.access === 'write' ? 1n : 8n;
      this.dispatch(t, STATUS.ACCESS_VIOLATION, fault.pc, [kind, f.address]);
    } else {
      this.dispatch(t, STATUS.ILLEGAL_INSTRUCTION, fault.pc, []);
    }
  }

  /**
   * A pc that is not a multiple of 4, where a thread is about to run from a pc the emulated Windows gave it (a start
   * routine, a resumed or set CONTEXT) or where Unicorn reported a fault: the alignment fault comes before anything
   * runs. The slice start has to check because Unicorn (QEMU 5) has no PC alignment check: it fetches the word at
   * the misaligned pc and runs it when it decodes.
   */
  raiseIfPcMisaligned(t: Thread, pc: bigint): boolean {
    if (!pcMisaligned(pc)) return false;
    this.dispatch(t, STATUS.DATATYPE_MISALIGNMENT, pc, []);
    return true;
  }

  /** BRK/UDF/undefined seen by the interrupt hook; dispatched once the engine has stopped. */
  raiseTrap(t: Thread, intr: Interrupt): void {
    if (pcMisaligned(intr.pc)) {
      // No instruction was fetched: the word read at the misaligned pc means nothing (it may even look like BRK).
      this.pending = { thread: t, code: STATUS.DATATYPE_MISALIGNMENT, address: intr.pc, information: [] };
      this.proc.engine.writeReg(ROLE.pc, intr.pc);
      return;
    }
    if (intr.kind === 'brk' && intr.imm === 0xf003) {
      const code = Number(this.proc.engine.readReg(reg('x0')));
      this.failFast(t, STATUS.STACK_BUFFER_OVERRUN, `__fastfail(${code}) at ${this.proc.symbolize(intr.pc)}`);
      return;
    }
    const code = intr.kind === 'brk' && intr.imm === 0xf000 ? STATUS.BREAKPOINT
      : intr.kind === 'brk' && intr.imm === 0xf004 ? STATUS.INTEGER_DIVIDE_BY_ZERO
      : STATUS.ILLEGAL_INSTRUCTION;
    const information = code === STATUS.BREAKPOINT ? [0n] : [];
    this.pending = { thread: t, code, address: intr.pc, information };
    // pc must be the trapping instruction in the CONTEXT; Unicorn has already moved past SVC-like traps only.
    this.proc.engine.writeReg(ROLE.pc, intr.pc);
  }

  /**
   * An API's own load or store through X18 faulted (teb-view.ts): on Windows that instruction inside kernel32 raises
   * an access violation, so the CONTEXT's Pc is the API's stub. Dispatched once the engine has stopped, like a trap.
   */
  raiseInApi(t: Thread, pc: bigint, access: 'read' | 'write', address: bigint): void {
    this.pending = { thread: t, code: STATUS.ACCESS_VIOLATION, address: pc, information: [access === 'read' ? 0n : 1n, address] };
    this.proc.engine.writeReg(ROLE.pc, pc);
    this.proc.engine.stop();
  }

  /** The first address in [from, to) that is not committed writable memory, if any. */
  private firstUnwritable(from: bigint, to: bigint): bigint | undefined {
    for (let page = alignDown(from, 0x1000n); page < to; page += 0x1000n) {
      const q = this.proc.vm.query(page);
      if (q.state !== MEM.COMMIT || (q.protect & WRITABLE) === 0 || (q.protect & PAGE.GUARD) !== 0) return page < from ? from : page;
    }
    return undefined;
  }

  /**
   * Called by the scheduler after each engine run: dispatches a trap raised inside the interrupt hook. Returns
   * whether it did (the thread then goes on into KiUserExceptionDispatcher, as on Windows).
   */
  afterSlice(t: Thread): boolean {
    const p = this.pending;
    if (!p || p.thread !== t) return false;
    this.pending = undefined;
    this.dispatch(t, p.code, p.address, p.information);
    return true;
  }

  private dispatch(t: Thread, code: number, address: bigint, information: bigint[]): void {
    const e = this.proc.engine;
    const regs = e.readRegs(REGISTERS);
    const sp = regs[ROLE.sp.index]!;
    const frame = alignDown(sp - BigInt(FRAME.size), 16n);
    const context = frame + BigInt(FRAME.context);
    const record = frame + BigInt(FRAME.record);
    const pointers = frame - 0x10n;
    // The kernel copies the frame to the user stack under a guard; when that faults (the stack is exhausted or
    // SP is wild), it cannot run the dispatcher and terminates the process with the exception's code.
    const unwritable = this.firstUnwritable(pointers - 0x10n, frame + BigInt(FRAME.size));
    if (unwritable !== undefined) {
      this.failFast(t, code, `exception ${hex(code)} at ${this.proc.symbolize(address)}: its frame cannot be pushed on ` +
        `thread ${hex(t.id)}'s stack below SP ${hex(sp)} (${hex(unwritable)} is not writable); the process is terminated`);
      return;
    }
    this.writeContext(context, regs);
    const m = this.proc.mem;
    const r = EXCEPTION_RECORD.fields;
    m.write(record, new Uint8Array(EXCEPTION_RECORD.size));
    m.setU32(record + BigInt(r.ExceptionCode[0]), code);
    m.setU64(record + BigInt(r.ExceptionAddress[0]), address);
    m.setU32(record + BigInt(r.NumberParameters[0]), information.length);
    information.forEach((v, i) => m.setU64(record + BigInt(r.ExceptionInformation[0] + 8 * i), v));
    m.setU64(pointers + BigInt(EXCEPTION_POINTERS.fields.ExceptionRecord[0]), record);
    m.setU64(pointers + BigInt(EXCEPTION_POINTERS.fields.ContextRecord[0]), context);
    const info: ExceptionInfo = { code, address, information, thread: t, frame, context, record, pointers };
    this.observer?.raised?.(info);
    const d: Dispatch = { info, phase: 'vectored', index: 0, handled: false, list: [...this.vectored], sentinels: [] };
    const stack = this.active.get(t) ?? [];
    stack.push(d);
    this.active.set(t, stack);
    this.next(t, d);
  }

  /** Calls the next handler, or finishes the dispatch. */
  private next(t: Thread, d: Dispatch): void {
    for (;;) {
      if (d.index < d.list.length) {
        const handler = d.list[d.index++]!;
        this.callHandler(d, handler);
        return;
      }
      if (d.phase === 'vectored') {
        d.phase = 'continue';
        d.index = 0;
        d.list = [...this.continues];
        continue;
      }
      const stack = this.active.get(t)!;
      stack.pop();
      if (stack.length === 0) this.active.delete(t);
      if (d.handled) this.resume(t, d.info);
      else this.unhandled(t, d.info);
      return;
    }
  }

  /**
   * A handler is entered as RtlpCallVectoredHandlers calls it: X0 = &EXCEPTION_POINTERS, LR at the dispatcher's
   * stub, X19-X28 and D8-D15 holding the entry's sentinels, and FP at the dispatcher's frame record, which sits
   * between the handler's SP and the EXCEPTION_POINTERS.
   */
  private callHandler(d: Dispatch, handler: bigint): void {
    const e = this.proc.engine;
    const record = d.info.pointers - 0x10n;
    writeFrameRecord(this.proc.mem, record, this.handlerReturn);
    d.sentinels = this.proc.sentinels.take(d.phase, d.info.thread.id);
    e.writeRegs([
      ...sentinelRegisters(d.sentinels),
      [reg('x0'), d.info.pointers],
      [ROLE.sp, d.info.pointers - 0x20n],
      [ROLE.fp, record],
      [ROLE.lr, this.handlerReturn],
      [ROLE.pc, handler],
      [ROLE.teb, d.info.thread.teb],
    ]);
    this.observer?.handlerCalled?.(d.info, d.phase, handler, d.sentinels);
  }

  /** The dispatcher stub a handler returns to. */
  onSystemStub(t: Thread, name: string): ApiOutcome {
    if (name !== 'ExceptionHandlerReturn') throw new Error(`unknown system stub ${name}`);
    const d = this.active.get(t)?.at(-1);
    if (!d) {
      // Reached by a branch, not by a handler's return: outside a dispatch the stub is no entry point, and its SVC
      // is an illegal instruction like any SVC that is not an emulated function's (onTrap).
      this.raiseTrap(t, { kind: 'svc', intno: 2, imm: 0, pc: this.handlerReturn, word: SVC_0 });
      this.proc.engine.stop();
      return { kind: 'jump' };
    }
    const result = Number(BigInt.asIntN(32, this.proc.engine.readReg(reg('x0'))));
    const handler = d.list[d.index - 1]!;
    this.observer?.handlerReturned?.(d.info, d.phase, handler, result, sentinelsLost(this.proc.engine, d.sentinels));
    if (result === EXCEPTION_CONTINUE_EXECUTION) {
      d.handled = true;
      if (d.phase === 'continue') d.index = d.list.length; // stop the continue search
      else {
        d.phase = 'vectored';
        d.index = d.list.length; // handled: skip remaining vectored handlers, go on to continue handlers
      }
    }
    this.next(t, d);
    return { kind: 'jump' };
  }

  /** NtContinue through RtlGuardRestoreContext: SP must be within the thread's stack, then load the CONTEXT. */
  private resume(t: Thread, info: ExceptionInfo): void {
    const m = this.proc.mem;
    const sp = m.u64(info.context + BigInt(CONTEXT.fields.Sp[0]));
    const pc = m.u64(info.context + BigInt(CONTEXT.fields.Pc[0]));
    const stackBase = m.u64(t.teb + BigInt(TEB.fields.StackBase[0]));
    const stackLimit = m.u64(t.teb + BigInt(TEB.fields.StackLimit[0]));
    if (sp < stackLimit || sp >= stackBase) {
      this.failFast(t, STATUS.STACK_BUFFER_OVERRUN,
        `resume check failed: RtlGuardRestoreContext refused SP ${hex(sp)} outside the stack of thread ${hex(t.id)} ` +
        `[${hex(stackLimit)}, ${hex(stackBase)}) resuming at ${this.proc.symbolize(pc)}`,
        { sp, pc, stackLimit, stackBase, context: info.context });
      return;
    }
    this.readContext(info.context);
    this.observer?.resumed?.(info, pc, sp);
  }

  private unhandled(t: Thread, info: ExceptionInfo): void {
    this.observer?.unhandled?.(info);
    const what = describeException(info);
    this.proc.options.stderr(new TextEncoder().encode(
      `Unhandled exception at ${hex(info.address)} (${this.proc.symbolize(info.address)}) in thread ${hex(t.id)}: ${what}\n`));
    this.proc.exitProcess(info.code);
    this.proc.engine.stop();
  }

  failFast(t: Thread, code: number, reason: string, resume?: ResumeRefusal): void {
    this.observer?.failFast?.(t, code, reason, resume);
    this.failure = reason;
    this.proc.exitProcess(code);
    this.proc.engine.stop();
  }

  /** Why the process failed fast, for the CLI's report. */
  failure: string | undefined;

  writeContext(at: bigint, regs: readonly bigint[]): void {
    this.proc.mem.write(at, contextBytes(regs));
  }

  /** Loads every register the CONTEXT holds (the full edited context is restored, as NtContinue does). */
  readContext(at: bigint): void {
    this.proc.engine.writeRegs(contextRegisters(this.proc.mem.bytes(at, CONTEXT.size)));
  }
}

/** A CONTEXT (ContextFlags = CONTEXT_FULL) holding `regs`, in the engine's REGISTERS order. */
export function contextBytes(regs: readonly bigint[]): Uint8Array {
  const b = new Uint8Array(CONTEXT.size);
  const v = new DataView(b.buffer);
  const f = CONTEXT.fields;
  v.setUint32(f.ContextFlags[0], CONTEXT_FLAGS.FULL, true);
  v.setUint32(f.Cpsr[0], Number(regs[ROLE.nzcv.index]!), true);
  for (let n = 0; n <= 28; n++) v.setBigUint64(CONTEXT_X(n), regs[n]!, true);
  v.setBigUint64(f.Fp[0], regs[29]!, true);
  v.setBigUint64(f.Lr[0], regs[30]!, true);
  v.setBigUint64(f.Sp[0], regs[ROLE.sp.index]!, true);
  v.setBigUint64(f.Pc[0], regs[ROLE.pc.index]!, true);
  for (let n = 0; n < 32; n++) {
    const q = regs[reg(`v${n}`).index]!;
    v.setBigUint64(CONTEXT_V(n), q & 0xffff_ffff_ffff_ffffn, true);
    v.setBigUint64(CONTEXT_V(n) + 8, q >> 64n, true);
  }
  v.setUint32(f.Fpcr[0], Number(regs[reg('fpcr').index]!), true);
  v.setUint32(f.Fpsr[0], Number(regs[reg('fpsr').index]!), true);
  return b;
}

/** Every register a CONTEXT's bytes hold, to load into the engine (Cpsr masked to NZCV). */
export function contextRegisters(b: Uint8Array): Array<readonly [(typeof REGISTERS)[number], bigint]> {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const f = CONTEXT.fields;
  const values: Array<readonly [(typeof REGISTERS)[number], bigint]> = [];
  for (let n = 0; n <= 28; n++) values.push([REGISTERS[n]!, v.getBigUint64(CONTEXT_X(n), true)]);
  values.push([ROLE.fp, v.getBigUint64(f.Fp[0], true)]);
  values.push([ROLE.lr, v.getBigUint64(f.Lr[0], true)]);
  values.push([ROLE.sp, v.getBigUint64(f.Sp[0], true)]);
  values.push([ROLE.pc, v.getBigUint64(f.Pc[0], true)]);
  values.push([ROLE.nzcv, BigInt(v.getUint32(f.Cpsr[0], true) & 0xf0000000)]);
  for (let n = 0; n < 32; n++) {
    values.push([reg(`v${n}`), v.getBigUint64(CONTEXT_V(n), true) | (v.getBigUint64(CONTEXT_V(n) + 8, true) << 64n)]);
  }
  values.push([reg('fpcr'), BigInt(v.getUint32(f.Fpcr[0], true))]);
  values.push([reg('fpsr'), BigInt(v.getUint32(f.Fpsr[0], true))]);
  return values;
}

export function describeException(info: Pick<ExceptionInfo, 'code' | 'information'>): string {
  switch (info.code) {
    case STATUS.ACCESS_VIOLATION: {
      const op = info.information[0] === 1n ? 'writing' : info.information[0] === 8n ? 'executing' : 'reading';
      return `0xC0000005: Access violation ${op} location ${hex(info.information[1] ?? 0n)}`;
    }
    case STATUS.ILLEGAL_INSTRUCTION: return '0xC000001D: Illegal instruction';
    case STATUS.DATATYPE_MISALIGNMENT: return '0x80000002: Datatype misalignment';
    case STATUS.BREAKPOINT: return '0x80000003: Breakpoint';
    case STATUS.INTEGER_DIVIDE_BY_ZERO: return '0xC0000094: Integer division by zero';
    default: return `0x${info.code.toString(16).toUpperCase().padStart(8, '0')}`;
  }
}
