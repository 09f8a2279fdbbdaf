// "Where did this value come from": from a register or a memory range at a position, back through the
// instructions that produced it. Each node is a value at a position and the write that put it there (an
// instruction, the emulated Windows, or the initial state); its children are the inputs of that write — the
// registers an instruction read, the memory a load read, the register a store stored, the CONTEXT field a
// resumed exception restored a register from, the register Windows saved into an exception's CONTEXT. Children
// are computed on demand, so a view can expand one node at a time.

import type { Disassembler, Instruction } from '../arch/disasm.ts';
import { UsageError } from '../errors.ts';
import { hex, slotName, slotOf, tidName } from './describe.ts';
import { type MemoryAccess, memoryAccess } from './memory-access.ts';
import { canonicalName, RegisterWriters } from './register-writer.ts';
import { slotBigint } from './regfile.ts';
import type { Replay } from './replay.ts';
import { contextFieldOfSlot, contextSlotAt } from './context-fields.ts';
import type { EventAt } from './trace.ts';

export type OriginTarget =
  | { readonly kind: 'register'; readonly tid: number; readonly slot: number }
  | { readonly kind: 'memory'; readonly tid: number; readonly address: number; readonly size: number };

/** How a child feeds its parent: its value, an address it was read from or written to, a condition it tested. */
export type OriginRole = 'value' | 'address' | 'condition';

export interface OriginSource {
  readonly kind: 'instruction' | 'windows' | 'initial' | 'pieces';
  /** Position from which the value is visible (0 for the initial state). */
  readonly position: number;
  readonly step?: number;
  readonly tid: number;
  readonly pc?: number;
  /** `symbol+0xOFF` of the instruction. */
  readonly symbol?: string;
  readonly instruction?: string;
  /** An instruction that wrote the value the register already held (no delta in the trace). */
  readonly silent?: boolean;
  /** What the emulated Windows was doing, or which initial state. */
  readonly detail?: string;
}

export interface OriginNode {
  /** Path from the root, unique in a tree: `0.2.1`. */
  readonly id: string;
  readonly target: OriginTarget;
  /** `x0` or `[0x40000c7de8, 8]`. */
  readonly label: string;
  readonly role: OriginRole;
  /** Where the value is asked for. */
  readonly position: number;
  readonly value: string;
  readonly source: OriginSource;
}

/** Memory pieces a range's last writes split it into, at most this many. */
const MAX_PIECES = 16;

export class OriginExplorer {
  private readonly writers: RegisterWriters;
  private readonly children = new Map<string, OriginNode[]>();

  constructor(private readonly replay: Replay, private readonly disasm: Disassembler) {
    this.writers = new RegisterWriters(replay.trace, disasm, (pc, p) => replay.codeWord(pc, p));
  }

  /** The tree's root: `target` at `position`. */
  root(target: OriginTarget, position: number): OriginNode {
    this.children.clear();
    return this.node('0', target, 'value', position);
  }

  /** The inputs of the write that set `node`'s value (cached: a view re-asks on every frame). */
  childrenOf(node: OriginNode): OriginNode[] {
    const hit = this.children.get(node.id);
    if (hit) return hit;
    const specs = this.inputs(node);
    const out = specs.map((s, i) => this.node(`${node.id}.${i}`, s.target, s.role, s.position));
    this.children.set(node.id, out);
    return out;
  }

  private node(id: string, target: OriginTarget, role: OriginRole, position: number): OriginNode {
    const { source } = this.sourceOf(target, position);
    return { id, target, label: targetLabel(target), role, position, value: this.valueText(target, position), source };
  }

  private valueText(t: OriginTarget, position: number): string {
    if (t.kind === 'register') {
      const r = this.regsOf(position, t.tid);
      return r === undefined ? '?' : hex(slotBigint(r, t.slot));
    }
    const m = this.replay.memory.read(position, t.address, t.size);
    if (m.mapped.some((x) => x === 0)) return '(unmapped)';
    if (t.size > 8) return Buffer.from(m.bytes).toString('hex');
    let v = 0n;
    for (let i = t.size - 1; i >= 0; i--) v = (v << 8n) | BigInt(m.bytes[i]!);
    return hex(v);
  }

  private regsOf(position: number, tid: number) {
    return this.replay.trace.cursorAt(position).files.get(tid);
  }

  private sourceOf(t: OriginTarget, position: number): { source: OriginSource } {
    if (t.kind === 'register') {
      const w = this.writers.lastWrite(position, t.tid, t.slot);
      if (!w) return { source: { kind: 'initial', position: 0, tid: t.tid, detail: `thread ${tidName(t.tid)}'s registers at the start of the trace` } };
      if (w.step === undefined) return { source: { kind: 'windows', position: w.position, tid: t.tid, detail: this.windowsDetail(w.position, t.tid, false) } };
      const s = this.instructionSource(w.step, w.silent);
      return s.instruction?.startsWith('svc') ? { source: { ...s, kind: 'windows', detail: `API result (${s.symbol})` } } : { source: s };
    }
    const pieces = this.memoryPieces(position, t.address, t.size);
    if (pieces.length > 1) return { source: { kind: 'pieces', position, tid: t.tid, detail: `${pieces.length} writes` } };
    const hit = pieces[0]!.hit;
    if (!hit) return { source: { kind: 'initial', position: 0, tid: t.tid, detail: 'memory as the trace began (the image, a stack, a heap page)' } };
    if (hit.step === undefined) return { source: { kind: 'windows', position: hit.position, tid: hit.tid, detail: this.windowsDetail(hit.position, hit.tid, true) } };
    return { source: this.instructionSource(hit.step, false) };
  }

  private instructionSource(step: number, silent: boolean): OriginSource {
    const trace = this.replay.trace;
    const { tid, pc } = trace.stepAt(step);
    return {
      kind: 'instruction', position: step + 1, step, tid, pc, symbol: trace.symbols.format(pc),
      instruction: this.replay.instructionText(pc, step), ...(silent ? { silent } : {}),
    };
  }

  /** The events of thread tid at a position where the emulated Windows acted: what it was doing. */
  private windowsDetail(position: number, tid: number, memory: boolean): string {
    const here = this.replay.trace.eventsBetween(position, position).filter((e) => e.event.tid === tid);
    // Where Windows raised an exception and called a handler at once, it wrote memory (the exception frame) for
    // the first and set registers (the handler's arguments) for the second.
    const e = (memory ? here[0] : here[here.length - 1]) ?? this.replay.trace.eventFrom(position + 1, -1, (x) => x.event.tid === tid);
    return e ? eventLine(e) : 'the emulated Windows';
  }

  /** The last writes that make up [address, address + size) at a position, each with the bytes it covers. */
  private memoryPieces(position: number, address: number, size: number): Array<{ address: number; size: number; hit: ReturnType<Replay['memory']['lastWrite']> }> {
    const out: Array<{ address: number; size: number; hit: ReturnType<Replay['memory']['lastWrite']> }> = [];
    const walk = (a: number, n: number): void => {
      if (n <= 0) return;
      if (out.length >= MAX_PIECES) {
        out.push({ address: a, size: n, hit: undefined });
        return;
      }
      const hit = this.replay.memory.lastWrite(position, a, n);
      if (!hit) {
        out.push({ address: a, size: n, hit });
        return;
      }
      const lo = Math.max(a, hit.address);
      const hi = Math.min(a + n, hit.address + hit.data.length);
      walk(a, lo - a);
      out.push({ address: lo, size: hi - lo, hit });
      walk(hi, a + n - hi);
    };
    walk(address, size);
    return out.sort((x, y) => x.address - y.address);
  }

  private decoded(pc: number, step: number): Instruction | undefined {
    const w = this.replay.codeWord(pc, step);
    if (w === undefined) return undefined;
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, w, true);
    return this.disasm.disassemble(b, BigInt(pc));
  }

  private inputs(node: OriginNode): InputSpec[] {
    const t = node.target;
    const src = node.source;
    if (src.kind === 'pieces' && t.kind === 'memory') {
      return this.memoryPieces(node.position, t.address, t.size).map((p) => ({ target: { kind: 'memory', tid: t.tid, address: p.address, size: p.size }, role: 'value', position: node.position }));
    }
    if (src.kind === 'windows' && src.step === undefined) return this.windowsInputs(t, src);
    if (src.step === undefined || src.pc === undefined) return [];
    const insn = this.decoded(src.pc, src.step);
    if (!insn) return [];
    const regs = this.regsOf(src.step, src.tid);
    const value = (r: string) => (regs ? slotBigint(regs, slotOf(r)!) : 0n);
    const access = memoryAccess(insn, value);
    const reg = (name: string, role: OriginRole): InputSpec => ({ target: { kind: 'register', tid: src.tid, slot: slotOf(name)! }, role, position: src.step! });
    const addressInputs = (a: MemoryAccess) => a.addressRegs.map((r) => reg(r, 'address'));
    if (t.kind === 'register' && access?.kind === 'load') {
      const name = canonicalName(t.slot);
      const d = access.data.find((x) => x.reg === name);
      if (d) return [{ target: { kind: 'memory', tid: src.tid, address: access.address + d.offset, size: d.size }, role: 'value', position: src.step }, ...addressInputs(access)];
    }
    if (t.kind === 'memory' && access?.kind === 'store') {
      const fed = access.data.filter((d) => access.address + d.offset < t.address + t.size && access.address + d.offset + d.size > t.address);
      return [...fed.filter((d) => d.reg !== undefined).map((d) => reg(d.reg!, 'value')), ...addressInputs(access)];
    }
    if (access && t.kind === 'register' && canonicalName(t.slot) === access.writeback) return [reg(access.writeback, 'value')];
    const name = t.kind === 'register' ? canonicalName(t.slot) : undefined;
    return insn.regsRead.filter((r) => slotOf(r) !== undefined).map((r) => reg(r, r === 'nzcv' && name !== 'nzcv' ? 'condition' : 'value'));
  }

  /**
   * Inputs of what the emulated Windows wrote: a register a resumed exception restored comes from its CONTEXT
   * field; a CONTEXT field written when an exception was raised comes from the faulting thread's register.
   */
  private windowsInputs(t: OriginTarget, src: OriginSource): InputSpec[] {
    const trace = this.replay.trace;
    const here = trace.eventsBetween(src.position, src.position).filter((e) => e.event.tid === src.tid);
    if (t.kind === 'register' && here.some((e) => e.event.kind === 'context-resumed')) {
      const raised = trace.eventFrom(src.position, -1, (e) => e.event.kind === 'exception-raised' && e.event.tid === src.tid);
      const field = contextFieldOfSlot(t.slot);
      if (raised?.event.kind === 'exception-raised' && field) {
        return [{ target: { kind: 'memory', tid: t.tid, address: Number(raised.event.context) + field.offset, size: field.size }, role: 'value', position: src.position }];
      }
    }
    const raised = here.find((e) => e.event.kind === 'exception-raised');
    if (t.kind === 'memory' && raised?.event.kind === 'exception-raised') {
      const slot = contextSlotAt(t.address - Number(raised.event.context));
      // The faulting step changed nothing: the registers before it are the ones Windows saved.
      if (slot !== undefined && src.position > 0) return [{ target: { kind: 'register', tid: src.tid, slot }, role: 'value', position: src.position - 1 }];
    }
    return [];
  }
}

interface InputSpec {
  readonly target: OriginTarget;
  readonly role: OriginRole;
  readonly position: number;
}

/** The same write of the same value, reached again by another path: a view shows it once and refers back. */
export function sourceKey(n: OriginNode): string | undefined {
  const s = n.source;
  if (s.kind === 'instruction') return `s${s.step}:${n.label}`;
  if (s.kind === 'windows') return `w${s.position}:${n.label}`;
  return undefined;
}

export function targetLabel(t: OriginTarget): string {
  return t.kind === 'register' ? slotName(t.slot) : `[${hex(t.address)}, ${t.size}]`;
}

function eventLine(e: EventAt): string {
  const ev = e.event;
  switch (ev.kind) {
    case 'api-call': case 'api-return': return `${ev.kind === 'api-call' ? 'in' : 'returning from'} ${ev.api}`;
    case 'exception-raised': return `raising exception 0x${(ev.code >>> 0).toString(16).toUpperCase()} (the exception frame)`;
    case 'context-resumed': return 'resuming an exception\'s CONTEXT';
    case 'thread-created': case 'thread-started': return 'starting a thread';
    case 'handler-called': case 'handler-returned': return `calling an exception handler (${ev.phase})`;
    default: return ev.kind;
  }
}

/**
 * The target a user names at a position: a register (`x0`, `sp`, `fp`) of the thread running there, or memory as
 * `[ADDRESS]` / `[ADDRESS,SIZE]` with ADDRESS in the address syntax (`0x...`, `sp+0x10`, `SYMBOL+0x8`).
 */
export function parseOriginTarget(replay: Replay, position: number, text: string, evaluate: (p: number, a: string) => number): OriginTarget {
  const t = text.trim();
  const tid = replay.trace.regWords(position).tid;
  const mem = /^\[(.+?)(?:,\s*(0x[0-9a-f]+|\d+))?\]$/i.exec(t);
  if (mem) {
    const size = mem[2] === undefined ? 8 : Number(mem[2]);
    if (!(size >= 1 && size <= 4096)) throw new UsageError(`'${t}': a size is 1 to 4096 bytes`);
    return { kind: 'memory', tid, address: evaluate(position, mem[1]!), size };
  }
  const slot = slotOf(t);
  if (slot === undefined || slot === 32) {
    throw new UsageError(`'${t}' is not a register or memory range: use x0-x30, fp, lr, sp, nzcv, v0-v31, or [ADDRESS] / [ADDRESS,SIZE]`);
  }
  return { kind: 'register', tid, slot };
}

export interface OriginTree {
  readonly node: OriginNode;
  /** Its write was already shown earlier (depth first, in display order); not expanded again. */
  readonly repeated: boolean;
  /** undefined: not expanded (depth reached, a repeat, or a role the caller did not ask to follow). */
  readonly children?: readonly OriginTree[];
}

/** The tree below `node` to `depth` levels, following children of the given roles (every role by default). */
export function expandOrigin(explorer: OriginExplorer, node: OriginNode, depth: number, roles: ReadonlySet<OriginRole> = ALL_ROLES,
  seen = new Set<string>()): OriginTree {
  const key = sourceKey(node);
  const repeated = key !== undefined && seen.has(key);
  if (key !== undefined) seen.add(key);
  if (repeated || depth <= 0 || !roles.has(node.role)) return { node, repeated };
  return { node, repeated, children: explorer.childrenOf(node).map((c) => expandOrigin(explorer, c, depth - 1, roles, seen)) };
}

const ALL_ROLES: ReadonlySet<OriginRole> = new Set(['value', 'address', 'condition']);

/**
 * Why an instruction's value has no inputs to follow: a call's link register, a pc-relative address, or an
 * immediate (zero registers included).
 */
export function constantKind(n: OriginNode): string | undefined {
  const text = n.source.kind === 'instruction' ? n.source.instruction ?? '' : undefined;
  if (text === undefined) return undefined;
  if (/^bl/.test(text) && n.target.kind === 'register' && n.target.slot === 30) return 'the return address';
  if (/^adrp?\b/.test(text)) return 'a pc-relative address';
  return 'a constant';
}

/** One line for a node: `x0 = 0x0  <- main.main+0xbc  mov x0, #0  (step 685130)`. */
export function originLine(n: OriginNode, repeated = false): string {
  const role = n.role === 'value' ? '' : `${n.role}: `;
  const s = n.source;
  let from: string;
  if (s.kind === 'instruction') from = `${s.symbol}  ${s.instruction}  (step ${s.step}${s.silent ? ', wrote the value it already held' : ''})`;
  else if (s.kind === 'windows') from = `Windows: ${s.detail}  (position ${s.position}${s.step !== undefined ? `, step ${s.step}` : ''})`;
  else if (s.kind === 'pieces') from = `${s.detail}, byte ranges below`;
  else from = `initial: ${s.detail}`;
  return `${role}${n.label} = ${n.value}  <- ${from}${repeated ? '  (shown above)' : ''}`;
}
