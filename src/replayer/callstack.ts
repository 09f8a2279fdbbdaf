// The call stack at a position, two ways. The shadow stack walks the thread's executed instructions backward:
// a RET opens a callee to skip, a BL/BLR closes one or, if none is open, is a call that is still active. The frame
// pointer chain reads frame records ([fp] = caller's fp, [fp + 8] = return address) from memory at that position.
// Go switches stacks (systemstack, morestack, gogo) in ways a shadow stack cannot pair, and leaf functions keep no
// frame record, so each checks the other: a frame both find is 'both'.

import { walkBack } from '../trace/call-balance.ts';
import { isCall, isReturn } from './insn.ts';
import type { CodeWords } from './insn.ts';
import type { TraceMemory } from './memory.ts';
import { SP_SLOT, slotNumber } from './regfile.ts';
import { lineText } from './source-lines.ts';
import { threadAt } from './stepping.ts';
import type { Trace } from './trace.ts';

export interface Frame {
  /** Innermost frame: the pc about to execute; callers: the call instruction. */
  readonly pc: number;
  /** Callers: where the call returns to. */
  readonly returnAddress?: number;
  readonly symbol: string;
  /** 'windows': entered by the emulated Windows, not by a call (an exception dispatch, a thread start). */
  readonly source: 'pc' | 'shadow' | 'fp' | 'both' | 'windows';
  /** Shadow frames: the position at which the call executed. */
  readonly callPosition?: number;
  /** FP-chain frames: the frame record's address. */
  readonly fp?: number;
  /** Go source position of pc (`main.go:42`), where the program's line tables give one. */
  readonly line?: string;
}

export interface CallStackOptions {
  readonly maxFrames?: number;
  /** Steps of the thread the shadow walk may look back over. */
  readonly maxSteps?: number;
}

const FP_SLOT = 29;
/** A caller's frame further above its callee's than this is taken for another stack. */
const MAX_FRAME_BYTES = 1 << 20;
/**
 * The runtime's routines that switch stacks and then call on the new one, by name without `.abi0` (the same in
 * every Go from 1.19 to 1.27): asmcgocall from a goroutine's stack to g0's to call C (asmstdcall), cgocallback from
 * g0's (a callback from C) to the goroutine's to call cgocallbackg, systemstack, mcall and morestack to g0's.
 */
const STACK_SWITCHES = new Set(['runtime.asmcgocall', 'runtime.cgocallback', 'runtime.systemstack', 'runtime.mcall', 'runtime.morestack']);

export function callStack(trace: Trace, memory: TraceMemory, code: CodeWords, position: number, opts: CallStackOptions = {}): Frame[] {
  const maxFrames = opts.maxFrames ?? 64;
  const maxSteps = opts.maxSteps ?? 2_000_000;
  const p = trace.clamp(position);
  const tid = threadAt(trace, p);
  const { regs } = trace.regWords(p);
  const pc = Trace_pc(regs);
  const frames: Frame[] = [{ pc, symbol: trace.symbols.format(pc), source: 'pc' }];

  // Shadow stack. Each caller's SP at its call must be at or above the previous frame's: when it is not, the walk
  // has crossed a stack switch (a goroutine entered through gogo, a systemstack) and older calls are another stack's.
  // A call made by one of the runtime's stack-switching routines is the exception: its caller ran on the stack it
  // switched from (cgocallback runs cgocallbackg on the goroutine's stack, asmcgocall the C function on g0's), and
  // the walk goes on there, back through callbackasm1 to whatever called the callback.
  const shadow: Frame[] = [];
  let depth = 0;
  let seen = 0;
  let lastSp = slotNumber(regs, SP_SLOT);
  let anySp = false;
  // Entries by Windows on this thread, latest first: crossing one backward is a frame no BL made.
  const entries = windowsEntries(trace, tid, p);
  let nextEntry = 0;
  let q = p - 1; // the next step to look at, walking back
  walk: while (q >= 0 && trace.segmentCount > 0) {
    const i = trace.segmentOf(q);
    const e = trace.entries[i]!;
    const first = Number(e.firstStep);
    // A whole segment whose open calls are all callees the walk is skipping, and where Windows entered no frame
    // on this thread, changes only the depth: its call balance in the footer says by how much, without decoding
    // it (on a 365M-step trace the walk decoded 123 segments of its 2M-step budget for one call stack).
    if (e.calls && e.threadSteps && q >= first + e.steps - 1 && shadow.length < maxFrames &&
      !(nextEntry < entries.length && entries[nextEntry]!.position > first)) {
      const mine = e.threadSteps.find(([t]) => t === tid)?.[1] ?? 0;
      const balance = e.calls.find(([t]) => t === tid);
      const pass = walkBack(balance ? [balance[1], balance[2]] : [0, 0], depth);
      if (pass.callers === 0 && seen + mine <= maxSteps) {
        seen += mine;
        depth = pass.depth;
        q = first - 1;
        continue;
      }
    }
    const seg = trace.decoded(i);
    for (let k = Math.min(seg.steps - 1, q - seg.firstStep); k >= 0; k--) {
      if (seg.stepTid[k] !== tid) continue;
      if (++seen > maxSteps || shadow.length >= maxFrames) break walk;
      while (nextEntry < entries.length && seg.firstStep + k < entries[nextEntry]!.position) {
        const e = entries[nextEntry++]!;
        if (e.resumedFrom !== undefined) {
          // The thread runs where Windows resumed it: what ran since the fault was the dispatch, not calls of this
          // frame's callers, which are the faulting code's. The walk goes on from the faulting instruction.
          if (depth === 0) {
            shadow.push(e.frame);
            lastSp = slotNumber(trace.regWords(e.resumedFrom).regs, SP_SLOT);
          }
          while (nextEntry < entries.length && entries[nextEntry]!.position > e.resumedFrom) nextEntry++;
          q = Math.min(e.resumedFrom - 1, seg.firstStep + k);
          continue walk;
        }
        if (depth > 0) continue; // inside a callee the walk is skipping
        shadow.push(e.frame);
        if (e.last) break walk;
        // The handler may run on another stack (Go's sigtramp moves to g0): older frames are the faulting code's.
        lastSp = slotNumber(trace.regWords(e.frame.callPosition!).regs, SP_SLOT);
      }
      const at = seg.stepPc[k]!;
      const w = code.word(at);
      if (w === undefined) continue;
      if (isReturn(w)) depth++;
      else if (isCall(w)) {
        if (depth > 0) depth--;
        else {
          const callPosition = seg.firstStep + k;
          const sp = slotNumber(trace.regWords(callPosition).regs, SP_SLOT);
          if (!anySp && (sp < lastSp || sp - lastSp > MAX_FRAME_BYTES)) break walk;
          lastSp = sp;
          const fn = trace.symbols.lookup(at);
          anySp = fn !== undefined && STACK_SWITCHES.has(fn.name.replace(/\.abi0$/, ''));
          shadow.push({ pc: at, returnAddress: at + 4, symbol: trace.symbols.format(at), source: 'shadow', callPosition });
        }
      }
    }
    q = seg.firstStep - 1;
  }

  // Frame-pointer chain.
  const chain: Frame[] = [];
  let fp = slotNumber(regs, FP_SLOT);
  for (let n = 0; n < maxFrames && fp !== 0; n++) {
    const rec = memory.read(p, fp, 16);
    if (rec.mapped.some((x) => x === 0)) break;
    const v = new DataView(rec.bytes.buffer);
    const next = Number(v.getBigUint64(0, true));
    const ret = Number(v.getBigUint64(8, true));
    const at = ret === 0 ? undefined : trace.symbols.lookup(ret);
    if (at === undefined) break;
    if (at.offset === 0 && at.name.includes('!')) {
      // A return to a stub's first instruction is no call's: it is the return stub the emulated Windows entered a
      // start routine with (wintrace!ThreadReturn), the bottom of this thread. As a call at ret - 4 it read as the
      // stub before it (wintrace!ExceptionHandlerReturn+0x4).
      chain.push({ pc: ret, returnAddress: ret, symbol: at.name, source: 'fp', fp });
      break;
    }
    chain.push({ pc: ret - 4, returnAddress: ret, symbol: trace.symbols.format(ret - 4), source: 'fp', fp });
    if (next <= fp) break;
    fp = next;
  }

  const fpReturns = new Set(chain.map((f) => f.returnAddress));
  const shadowReturns = new Set(shadow.map((f) => f.returnAddress));
  for (const f of shadow) frames.push(fpReturns.has(f.returnAddress) ? { ...f, source: 'both' } : f);
  // FP frames beyond what the shadow walk reached (older calls, or the walk's budget ran out).
  const lastShadow = shadow.length > 0 ? chain.findIndex((f) => f.returnAddress === shadow[shadow.length - 1]!.returnAddress) : -1;
  // A return stub's frame is Windows' entry, which a shadow walk that crossed one already shows where it happened.
  const enteredByWindows = shadow.some((f) => f.source === 'windows');
  for (const f of chain.slice(lastShadow + 1)) {
    if (!shadowReturns.has(f.returnAddress) && !(enteredByWindows && f.pc === f.returnAddress)) frames.push(f);
  }
  return frames.slice(0, maxFrames).map((f) => {
    const line = lineText(trace.sourceLines, f.pc);
    return line ? { ...f, line } : f;
  });
}

interface WindowsEntry {
  readonly position: number;
  readonly frame: Frame;
  /** A thread start: nothing on this thread came before it. */
  readonly last: boolean;
  /** A resume (context-resumed): the position of the faulting instruction of the dispatch it ends. */
  readonly resumedFrom?: number;
}

/**
 * Where Windows moved the thread at or before position p, newest first: each exception dispatch (its handler's first
 * instruction, back to the fault), each resume (back to the fault of the dispatch it ends) and the thread's start.
 */
function windowsEntries(trace: Trace, tid: number, p: number): WindowsEntry[] {
  const out: WindowsEntry[] = [];
  const open: Array<{ position: number; code: number; address: number }> = [];
  for (const { position, event: e } of trace.eventsOfKinds(['exception-raised', 'fail-fast', 'context-resumed', 'thread-started'], p)) {
    if (position > p || position < 0 || e.tid !== tid) continue;
    if (e.kind === 'exception-raised') {
      const fault = { position: Math.max(0, position - 1), code: e.code, address: Number(e.address) };
      open.push(fault);
      out.push({
        position,
        frame: { pc: fault.address, symbol: `exception ${exceptionCode(e.code)} dispatched by Windows from ${trace.symbols.format(fault.address)}`, source: 'windows', callPosition: fault.position },
        last: false,
      });
    } else if (e.kind === 'fail-fast') {
      open.pop();
    } else if (e.kind === 'context-resumed') {
      const fault = open.pop();
      if (fault === undefined) continue;
      out.push({
        position,
        frame: {
          pc: fault.address,
          symbol: `${trace.symbols.format(fault.address)}: exception ${exceptionCode(fault.code)}, resumed by Windows at ${trace.symbols.format(Number(e.pc))}`,
          source: 'windows',
          callPosition: fault.position,
        },
        last: false,
        resumedFrom: fault.position,
      });
    } else if (e.kind === 'thread-started') {
      out.push({ position, frame: { pc: Number(e.pc), symbol: `thread start: ${trace.symbols.format(Number(e.pc))} (CreateThread)`, source: 'windows', callPosition: position }, last: true });
    }
  }
  return out.reverse();
}

function exceptionCode(code: number | bigint): string {
  return `0x${code.toString(16).toUpperCase()}`;
}

function Trace_pc(regs: Uint32Array): number {
  return slotNumber(regs, 32);
}
