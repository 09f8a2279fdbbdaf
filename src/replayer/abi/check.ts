// The ABI checker: one forward pass over every step of every thread, keeping each thread's registers as 32-bit
// words (keyframes re-anchor them at every segment), plus the checks that events carry their own register files
// for (handlers, resumes). Rules are in rules.ts; culprits of callee-saved mismatches are found afterwards by
// callee-saved.ts, which may decode segments again (the pass borrows scratch arrays and keeps nothing).

import { OP_OS, OP_STEP, OP_SWITCH, opPosition } from '../decode.ts';
import type { CodeWords } from '../insn.ts';
import { isCall } from '../insn.ts';
import { threadStep } from '../stepping.ts';
import type { TraceMemory } from '../memory.ts';
import { newRegFile, PC_SLOT, type RegWords, regFileFromBytes, SP_SLOT, slotBigint, slotNumber, WORDS_PER_REG, X18_SLOT } from '../regfile.ts';
import type { Trace } from '../trace.ts';
import type { TraceEvent } from '../../trace/schema.ts';
import { checkPassNative, checkPassNativeAsync, nativeCheckAvailable } from './check-native.ts';
import { attributeCalleeSaved, type Mismatch, type WalkCache } from './callee-saved.ts';
import { resumeChecks } from './resume-in-stack.ts';
import { spOutcome } from './sp-access.ts';
import { knownFinding } from './known-findings.ts';
import { X18Spans } from './teb-checks.ts';
import { goRuntimeProfile } from '../go-runtimes.ts';
import { BOUNDARIES, CALLEE_SAVED_D_SLOTS, CALLEE_SAVED_SLOTS, RULE_IDS, type RuleId, rule } from './rules.ts';
import { hex, type Violation } from './violation.ts';

export interface CheckOptions {
  readonly rules?: readonly RuleId[];
  /** Addresses of instructions whose encoding writes X18 (static scan; see x18-writers.ts). */
  readonly x18Writers?: ReadonlySet<number>;
  readonly onProgress?: (stepsDone: number, total: number) => void;
  /**
   * The pass: 'native' (native/decode.c, when built) or 'js' (the TypeScript reference); by default the native
   * one when available (WINTRACE_JS_DECODER=1 turns it off, as for the decoder).
   */
  readonly engine?: 'native' | 'js';
}

export interface CheckResult {
  readonly violations: Violation[];
  readonly steps: number;
  readonly rules: readonly RuleId[];
}

/** A boundary crossing whose return is awaited: callee-saved registers at entry, and the LR it must return to. */
export interface Span {
  readonly kind: 'callback' | 'stdcall' | 'handler' | 'thread';
  readonly tid: number;
  readonly entry: number;
  readonly regs: RegWords;
  readonly lr: number;
  readonly label: string;
}

const LR = 30;
const SP_LO = SP_SLOT * WORDS_PER_REG;
const X18_LO = X18_SLOT * WORDS_PER_REG;
/**
 * Registers the rules read: X18, SP, LR (a callback's return address), the callee-saved X19-X29 and the low
 * halves of V8-V15 (D8-D15, which is why V registers' high halves are never needed).
 */
const KEPT = new Uint8Array(68);
for (const slot of [X18_SLOT, SP_SLOT, LR, ...CALLEE_SAVED_SLOTS, ...CALLEE_SAVED_D_SLOTS]) KEPT[slot] = 1;

export function check(trace: Trace, memory: TraceMemory, code: CodeWords, opts: CheckOptions = {}): CheckResult {
  const { ctx, rules, native } = begin(trace, code, opts);
  const done = native ? checkPassNative(trace, ctx, opts.onProgress) : checkPassJs(trace, ctx, opts.onProgress);
  return finish(trace, memory, code, ctx, rules, done);
}

/**
 * check(), with the C pass reading segments that a worker thread decompresses ahead of it (what `wintrace check`
 * and the TUI run). Same result; the TypeScript pass, when chosen, runs as in check().
 */
export async function checkAsync(trace: Trace, memory: TraceMemory, code: CodeWords, opts: CheckOptions = {}): Promise<CheckResult> {
  const { ctx, rules, native } = begin(trace, code, opts);
  const done = native ? await checkPassNativeAsync(trace, ctx, opts.onProgress) : checkPassJs(trace, ctx, opts.onProgress);
  return finish(trace, memory, code, ctx, rules, done);
}

function begin(trace: Trace, code: CodeWords, opts: CheckOptions) {
  const rules = new Set<RuleId>(opts.rules ?? RULE_IDS);
  const ctx = passContext(trace, code, rules, opts.x18Writers ?? new Set<number>());
  const native = opts.engine === 'native' || (opts.engine !== 'js' && nativeCheckAvailable());
  return { ctx, rules, native };
}

/** After the pass: handler spans from events, culprits of callee-saved mismatches, resumes, pcs, order. */
function finish(trace: Trace, memory: TraceMemory, code: CodeWords, ctx: PassContext, rules: ReadonlySet<RuleId>, done: number): CheckResult {
  const { out, mismatches } = ctx;
  const sym = (pc: number) => trace.symbols.format(pc);
  ctx.x18Spans.report(trace, out, ctx.wantTeb);
  if (ctx.wantCallee) {
    handlerSpans(trace, mismatches, out);
    const walks: WalkCache = new Map();
    for (const m of mismatches) out.push(attributeCalleeSaved(trace, memory, code, m, walks));
  }
  if (rules.has('resume-in-stack')) resumeChecks(trace, memory, code, out);
  for (let i = 0; i < out.length; i++) {
    const v = out[i]!;
    if (v.rule === 'sp-aligned' && v.by === 'program') out[i] = withSpOutcome(trace, code, v);
    const k = knownFinding(out[i]!);
    if (k) out[i] = { ...out[i]!, known: k.id };
  }
  // The pass does not keep pc: where the emulated Windows acted, the thread goes on at its next step.
  for (let i = 0; i < out.length; i++) {
    const v = out[i]!;
    if (v.pc !== -1) continue;
    const q = v.position < trace.totalSteps && trace.stepAt(v.position).tid === v.tid ? v.position : threadStep(trace, v.position, v.tid, 1);
    const pc = q < trace.totalSteps ? trace.stepAt(q).pc : 0;
    out[i] = { ...v, pc, symbol: `${sym(pc)} (by the emulated Windows)` };
  }
  out.sort((a, b) => a.position - b.position || a.rule.localeCompare(b.rule));
  return { violations: out, steps: done, rules: [...rules] };
}

/**
 * What both passes share: the options, the boundaries, the facts gathered from events, what they found, and how
 * a finding becomes a violation (so the native pass reports exactly what the TypeScript one does).
 */
export interface PassContext {
  readonly wantX18: boolean;
  readonly wantSp: boolean;
  readonly wantTeb: boolean;
  readonly wantCallee: boolean;
  readonly x18Writers: ReadonlySet<number>;
  /** Callback table [cbLo, cbHi) (-1 when absent), asmstdcall's BLR and the thread-return stub (-1 when absent). */
  readonly cbLo: number;
  readonly cbHi: number;
  /** Bytes per callback table entry (the runtime profile's). */
  readonly cbEntrySize: number;
  readonly stdcallBlr: number;
  readonly threadReturn: number;
  /** Thread TEBs: the header's, then each thread-created event's as the pass reaches its segment. */
  readonly teb: Map<number, number>;
  /** Registers each thread's start routine saw (thread-started events). */
  readonly started: Map<number, { position: number; pc: number; regs: RegWords }>;
  readonly out: Violation[];
  readonly mismatches: Mismatch[];
  /** Where a program write left X18 off the thread's TEB (teb-checks.ts). */
  readonly x18Spans: X18Spans;
  /** Takes a segment's events into teb and started, before its records are checked. */
  segmentEvents(events: readonly TraceEvent[]): void;
  /** A span has returned to its LR: every callee-saved register that differs is a mismatch. */
  close(span: Span, regs: RegWords, exit: number, pc: number): void;
  threadSpan(tid: number): Span | undefined;
  /** A program step wrote X18 (noted when x18-untouched or teb-consistent is checked). */
  x18Write(position: number, tid: number, pc: number, before: bigint, after: bigint, changed: boolean): void;
  /** An os or switch record gave a thread whose X18 was wrong its TEB back. */
  tebRestoredByWindows(position: number, tid: number): void;
  spByProgram(position: number, tid: number, pc: number, before: bigint, after: bigint): void;
  tebByWindows(position: number, tid: number, teb: number, x18: bigint, atSwitch: boolean): void;
  spByWindows(position: number, tid: number, spWasLow: number, sp: bigint): void;
}

function passContext(trace: Trace, code: CodeWords, rules: ReadonlySet<RuleId>, x18Writers: ReadonlySet<number>): PassContext {
  const sym = (pc: number) => trace.symbols.format(pc);
  const why = (id: RuleId) => rule(id)!.why;
  const out: Violation[] = [];
  const mismatches: Mismatch[] = [];
  // Thread facts come from the header and, as the pass reaches them, from each segment's events: a thread is
  // created (its TEB) and started (its registers) before its first step, so nothing needs a separate read.
  const teb = new Map<number, number>(trace.header.threads.map((t) => [t.tid, Number(t.teb)]));
  const started = headerStartRegs(trace);
  // Boundaries, from the program's symbols (absent in a non-Go program: those checks then do nothing).
  const runtime = goRuntimeProfile(trace.symbols, trace.header.program.goVersion);
  const cbRange = runtime === undefined ? undefined : trace.symbols.range(runtime.callbackTable);
  const threadReturn = trace.symbols.resolve(BOUNDARIES.threadReturn) ?? -1;
  const x18Spans = new X18Spans();
  return {
    wantX18: rules.has('x18-untouched'),
    wantSp: rules.has('sp-aligned'),
    wantTeb: rules.has('teb-consistent'),
    wantCallee: rules.has('callee-saved'),
    x18Writers,
    cbLo: cbRange?.[0] ?? -1,
    cbHi: cbRange?.[1] ?? -1,
    cbEntrySize: runtime?.callbackEntrySize ?? 8,
    stdcallBlr: runtime === undefined ? -1 : findBlr(trace, code, runtime.stdcall),
    threadReturn,
    teb,
    started,
    out,
    mismatches,
    x18Spans,
    segmentEvents(events) {
      for (const e of events) {
        if (e.kind === 'thread-created') teb.set(e.newTid, Number(e.teb));
        else if (e.kind === 'thread-started' && e.step >= 0n) started.set(e.tid, { position: Number(e.step), pc: Number(e.pc), regs: regFileFromBytes(e.regs) });
      }
    },
    close(span, regs, exit, pc) {
      for (const slot of [...CALLEE_SAVED_SLOTS, ...CALLEE_SAVED_D_SLOTS]) {
        const k = slot * WORDS_PER_REG;
        if (span.regs[k] === regs[k] && span.regs[k + 1] === regs[k + 1]) continue;
        mismatches.push({ span: span.kind, label: span.label, tid: span.tid, entry: span.entry, entryRegs: span.regs, exit, exitPc: pc, slot, before: slotBigint(span.regs, slot) & 0xffff_ffff_ffff_ffffn, after: slotBigint(regs, slot) & 0xffff_ffff_ffff_ffffn });
      }
    },
    threadSpan(tid) {
      const start = started.get(tid);
      return start && { kind: 'thread', tid, entry: start.position, regs: start.regs, lr: threadReturn, label: `thread start routine ${sym(start.pc)}` };
    },
    x18Write(position, tid, pc, before, after, changed) {
      // Giving X18 its TEB back ends the damage an earlier write did: that write is the one reported.
      if (x18Spans.programWrite(position, tid, pc, after, changed, teb.get(tid)) || !rules.has('x18-untouched')) return;
      x18Spans.reportedAt(tid, position, out.length);
      out.push({
        rule: 'x18-untouched', position, step: position, tid, pc, symbol: sym(pc), instruction: '', subject: 'x18', before: hex(before), after: hex(after),
        detail: changed ? `the program wrote X18 (the TEB pointer of thread ${hex(tid)})` : 'the program wrote X18 (with the value it already held)',
        why: why('x18-untouched'), by: 'program',
      });
    },
    tebRestoredByWindows(position, tid) {
      x18Spans.windowsRestore(position, tid);
    },
    spByProgram(position, tid, pc, before, after) {
      out.push({
        rule: 'sp-aligned', position, step: position, tid, pc, symbol: sym(pc), instruction: '', subject: 'sp', before: hex(before), after: hex(after),
        detail: `SP became ${Number(after & 15n)} bytes off a 16-byte boundary`, why: why('sp-aligned'), by: 'program',
      });
    },
    tebByWindows(position, tid, t, x18, atSwitch) {
      out.push({
        rule: 'teb-consistent', position, step: undefined, tid, pc: -1, symbol: '', instruction: '', subject: 'x18', before: hex(t), after: hex(x18),
        detail: `after ${atSwitch ? 'switching to' : 'the emulated Windows acted for'} thread ${hex(tid)}, X18 is not its TEB`,
        why: why('teb-consistent'), by: 'windows',
      });
    },
    spByWindows(position, tid, spWasLow, sp) {
      out.push({
        rule: 'sp-aligned', position, step: undefined, tid, pc: -1, symbol: '', instruction: '', subject: 'sp', before: hex(spWasLow), after: hex(sp),
        detail: `the emulated Windows left SP ${Number(sp & 15n)} bytes off a 16-byte boundary`, why: why('sp-aligned'), by: 'windows',
      });
    },
  };
}

/**
 * The reference pass, in TypeScript: one forward pass over every record, keeping each thread's registers as
 * 32-bit words (keyframes re-anchor them at every segment). Returns the steps checked.
 */
export function checkPassJs(trace: Trace, ctx: PassContext, onProgress?: (done: number, total: number) => void): number {
  const { teb, x18Writers, cbLo, cbHi, stdcallBlr, threadReturn, wantX18, wantSp, wantTeb, wantCallee } = ctx;
  const pending = new Map<number, Span[]>();
  let pendingCount = 0;
  const misaligned = new Set<number>();
  const x18Dirty = new Set<number>();

  let done = 0;
  for (const seg of trace.scan()) {
    ctx.segmentEvents(seg.events);
    const files = new Map<number, RegWords>();
    for (const [tid, r] of seg.keyframe) files.set(tid, r.slice());
    let cur = seg.keyTid;
    let r = files.get(cur)!;
    const { opKind, opArg, opCh, chReg, chVal, stepPc } = seg;
    for (let k = 0; k < seg.opCount; k++) {
      const kind = opKind[k]!;
      if (kind === OP_STEP) {
        const s = opArg[k]!;
        const pc = stepPc[s]!;
        const position = seg.firstStep + s;
        if (wantCallee) {
          if (pendingCount > 0) {
            const stack = pending.get(cur);
            const top = stack?.at(-1);
            if (top && top.lr === pc) {
              stack!.pop();
              pendingCount--;
              ctx.close(top, r, position, pc);
            }
          }
          if (pc >= cbLo && pc < cbHi && (pc - cbLo) % ctx.cbEntrySize === 0) {
            pushSpan(pending, callbackSpan(trace, cur, position, r.slice(), pc));
            pendingCount++;
          } else if (pc === threadReturn) {
            const span = ctx.threadSpan(cur);
            if (span) ctx.close(span, r, position, pc);
          }
        }
        let touched = 0;
        let x18Before0 = 0;
        let x18Before1 = 0;
        let spBefore0 = 0;
        let spBefore1 = 0;
        for (let c = opCh[k]!, end = opCh[k + 1]!; c < end; c++) {
          const slot = chReg[c]!;
          // Only the registers some rule reads are kept (the keyframe re-anchors all of them each segment).
          if (KEPT[slot] === 0) continue;
          const w = slot * WORDS_PER_REG;
          if (slot === X18_SLOT) {
            touched |= 1;
            x18Before0 = r[w]!;
            x18Before1 = r[w + 1]!;
          } else if (slot === SP_SLOT) {
            touched |= 2;
            spBefore0 = r[w]!;
            spBefore1 = r[w + 1]!;
          }
          const lo = r[w]! + chVal[c * 4]!;
          r[w] = lo;
          r[w + 1] = r[w + 1]! + chVal[c * 4 + 1]! + (lo > 0xffffffff ? 1 : 0);
        }
        if (touched === 0 && x18Writers.size === 0) {
          if (wantCallee && pc === stdcallBlr) {
            pushSpan(pending, stdcallSpan(trace, cur, position, r.slice(), pc));
            pendingCount++;
          }
          continue;
        }
        if (!(touched & 1)) {
          x18Before0 = r[X18_LO]!;
          x18Before1 = r[X18_LO + 1]!;
        }
        if ((wantX18 || wantTeb) && ((touched & 1) || (x18Writers.size > 0 && x18Writers.has(pc)))) {
          ctx.x18Write(position, cur, pc, words64(x18Before0, x18Before1), words64(r[X18_LO]!, r[X18_LO + 1]!), (touched & 1) !== 0);
        }
        if (touched & 1) {
          if (r[X18_LO] === lo32(teb.get(cur)) && r[X18_LO + 1] === hi32(teb.get(cur))) x18Dirty.delete(cur);
          else x18Dirty.add(cur);
        }
        if (touched & 2) {
          const aligned = (r[SP_LO]! & 15) === 0;
          if (!aligned && !misaligned.has(cur)) {
            misaligned.add(cur);
            if (wantSp) ctx.spByProgram(position, cur, pc, words64(spBefore0, spBefore1), words64(r[SP_LO]!, r[SP_LO + 1]!));
          } else if (aligned) misaligned.delete(cur);
        }
        if (wantCallee && pc === stdcallBlr) {
          pushSpan(pending, stdcallSpan(trace, cur, position, r.slice(), pc));
          pendingCount++;
        }
        continue;
      }
      if (kind !== OP_OS && kind !== OP_SWITCH) continue;
      if (kind === OP_SWITCH) {
        cur = opArg[k]!;
        let f = files.get(cur);
        if (!f) files.set(cur, (f = newRegFile()));
        r = f;
      }
      const spWas = r[SP_LO]!;
      for (let c = opCh[k]!, end = opCh[k + 1]!; c < end; c++) {
        const slot = chReg[c]!;
        if (KEPT[slot] === 0) continue;
        const w = slot * WORDS_PER_REG;
        const lo = r[w]! + chVal[c * 4]!;
        r[w] = lo;
        r[w + 1] = r[w + 1]! + chVal[c * 4 + 1]! + (lo > 0xffffffff ? 1 : 0);
      }
      const position = opPosition(seg, k);
      const t = teb.get(cur);
      if (t !== undefined) {
        const ok = r[X18_LO] === lo32(t) && r[X18_LO + 1] === hi32(t);
        if (ok) {
          if (x18Dirty.delete(cur) && wantTeb) ctx.tebRestoredByWindows(position, cur);
        } else if (!x18Dirty.has(cur)) {
          x18Dirty.add(cur);
          if (wantTeb) ctx.tebByWindows(position, cur, t, words64(r[X18_LO]!, r[X18_LO + 1]!), kind === OP_SWITCH);
        }
      }
      if (r[SP_LO] !== spWas || kind === OP_SWITCH) {
        const aligned = (r[SP_LO]! & 15) === 0;
        if (!aligned && !misaligned.has(cur)) {
          misaligned.add(cur);
          if (wantSp) ctx.spByWindows(position, cur, spWas, words64(r[SP_LO]!, r[SP_LO + 1]!));
        } else if (aligned) misaligned.delete(cur);
      }
    }
    done += seg.steps;
    onProgress?.(done, trace.totalSteps);
  }
  return done;
}

/** A callback's entry state at its entry in the callback table: it must come back to the LR it was given. */
export function callbackSpan(trace: Trace, tid: number, position: number, regs: RegWords, pc: number): Span {
  return { kind: 'callback', tid, entry: position, regs, lr: slotNumber(regs, LR), label: `callback ${trace.symbols.format(pc)}` };
}

/** The callee's entry state after asmstdcall's BLR, with LR pointing back into asmstdcall (named as the runtime names it). */
export function stdcallSpan(trace: Trace, tid: number, position: number, regs: RegWords, pc: number): Span {
  const caller = trace.symbols.lookup(pc)?.name ?? 'asmstdcall';
  return { kind: 'stdcall', tid, entry: position + 1, regs, lr: pc + 4, label: `call out through ${caller}` };
}

function pushSpan(pending: Map<number, Span[]>, s: Span): void {
  const stack = pending.get(s.tid);
  if (stack) stack.push(s);
  else pending.set(s.tid, [s]);
}

/** Exception and continue handlers: the events carry the registers at the call and at the return. */
function handlerSpans(trace: Trace, mismatches: Mismatch[], out: Violation[]): void {
  const open = new Map<number, Array<{ position: number; handler: bigint; phase: string; regs: RegWords }>>();
  for (const { position, event: e } of trace.events()) {
    if (position < 0) continue;
    if (e.kind === 'handler-called') {
      const st = open.get(e.tid) ?? [];
      st.push({ position, handler: e.handler, phase: e.phase, regs: regFileFromBytes(e.regs) });
      open.set(e.tid, st);
    } else if (e.kind === 'handler-returned') {
      const h = open.get(e.tid)?.pop();
      if (!h) continue;
      const regs = regFileFromBytes(e.regs);
      for (const slot of [...CALLEE_SAVED_SLOTS, ...CALLEE_SAVED_D_SLOTS]) {
        const k = slot * WORDS_PER_REG;
        if (h.regs[k] === regs[k] && h.regs[k + 1] === regs[k + 1]) continue;
        mismatches.push({
          span: 'handler', label: `${h.phase} handler ${trace.symbols.format(Number(h.handler))}`, tid: e.tid, entry: h.position, entryRegs: h.regs,
          exit: position, exitPc: slotNumber(regs, PC_SLOT), slot, before: slotBigint(h.regs, slot) & 0xffff_ffff_ffff_ffffn, after: slotBigint(regs, slot) & 0xffff_ffff_ffff_ffffn,
        });
      }
    } else if (e.kind === 'process-exit') {
      // A handler still running when another thread ends the process never returned to the dispatcher. One that
      // ends the process itself (Go's lastcontinuehandler through winthrow, badsignal2's abort ending in a fail
      // fast) owes no return; nor does one cut short because the recording, not the program, stopped.
      for (const [tid, st] of open) {
        if (e.reason !== 'exit' || tid === e.tid) continue;
        for (const h of st) {
          const pc = Number(h.handler);
          out.push({
            rule: 'callee-saved', position: h.position, step: undefined, tid, pc, symbol: trace.symbols.format(pc), instruction: '', subject: 'lr',
            before: 'the dispatcher stub', after: 'never returned', detail: `${h.phase} handler ${trace.symbols.format(pc)} never returned to the LR the dispatcher gave it`,
            why: rule('callee-saved')!.why, by: 'program', detectedAt: position,
          });
        }
      }
      open.clear();
    }
  }
}

/** Registers of the threads alive when the trace began, as their start routine saw them (none after --start-at). */
function headerStartRegs(trace: Trace): Map<number, { position: number; pc: number; regs: RegWords }> {
  const m = new Map<number, { position: number; pc: number; regs: RegWords }>();
  if (Number(trace.header.firstStep) !== 0) return m;
  for (const t of trace.header.threads) {
    const regs = regFileFromBytes(t.regs);
    m.set(t.tid, { position: 0, pc: slotNumber(regs, PC_SLOT), regs });
  }
  return m;
}

/** The BLR inside a function (asmstdcall calls its target through one). */
function findBlr(trace: Trace, code: CodeWords, name: string): number {
  const range = trace.symbols.range(name);
  if (!range) return -1;
  for (let pc = range[0]; pc < range[1]; pc += 4) {
    const w = code.word(pc);
    if (w !== undefined && isCall(w) && (w & 0xfffffc1f) >>> 0 === 0xd63f0000) return pc;
  }
  return -1;
}

function words64(lo: number, hi: number): bigint {
  return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
}

function lo32(v: number | undefined): number {
  return v === undefined ? -1 : v % 0x1_0000_0000;
}

function hi32(v: number | undefined): number {
  return v === undefined ? -1 : Math.floor(v / 0x1_0000_0000);
}

/** The sp-aligned violation told with what its misaligned SP led to on hardware (sp-access.ts). */
function withSpOutcome(trace: Trace, code: CodeWords, v: Violation): Violation {
  const o = spOutcome(trace, code, v.position, v.tid);
  const sym = (pc: number) => trace.symbols.format(pc);
  if (o.kind === 'access') {
    return {
      ...v, related: [...(v.related ?? []), { role: 'faults', position: o.position, pc: o.pc, symbol: sym(o.pc) }],
      detail: `${v.detail}; hardware raises an SP alignment fault (STATUS_DATATYPE_MISALIGNMENT) at ${sym(o.pc)}, the first ` +
        `access through the misaligned SP (position ${o.position}): from there this run goes on where Windows would not`,
    };
  }
  if (o.kind === 'realigned') {
    return {
      ...v, related: [...(v.related ?? []), { role: 'realigned', position: o.position, pc: o.pc, symbol: sym(o.pc) }],
      detail: `${v.detail}; ${sym(o.pc)} (position ${o.position}) aligned it again before any access through SP, so ` +
        `hardware does not fault: the rule is stricter than the CPU, for what an exception or a stack walk in between would see`,
    };
  }
  return { ...v, detail: `${v.detail}; it stays misaligned without an access through SP as far as the thread was followed` };
}
