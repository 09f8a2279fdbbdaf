// Windows structures decoded at an address and a position, each field with its value and the last write that
// set it: an instruction (symbol and position) or the emulated Windows. The layouts are the recorder's own
// (src/arch/windows-structs.ts), so a view shows exactly the offsets the emulated Windows wrote.

import { CONTEXT, EXCEPTION_POINTERS, EXCEPTION_RECORD, KUSER_SHARED_DATA, type StructDef, TEB } from '../arch/windows-structs.ts';
import { UsageError } from '../errors.ts';
import { hex } from './describe.ts';
import type { Replay } from './replay.ts';
import { KUSER_SHARED_DATA as KUSER_ADDRESS } from './value-names.ts';

export interface StructField {
  readonly name: string;
  readonly offset: number;
  readonly size: number;
}

export interface FieldWriter {
  /** Position from which the write is visible. */
  readonly position: number;
  /** The step that wrote; undefined for the emulated Windows. */
  readonly step: number | undefined;
  readonly tid: number;
  /** `symbol+0xOFF` of the instruction, or `Windows`. */
  readonly by: string;
}

export interface FieldRow extends StructField {
  readonly address: number;
  /** Hex, or `(unmapped)`. */
  readonly value: string;
  /** The symbol a code or data address value points into. */
  readonly points?: string;
  /** undefined: never written during the trace (its initial value). */
  readonly writer?: FieldWriter;
}

export interface StructView {
  readonly name: string;
  readonly address: number;
  readonly position: number;
  readonly fields: readonly FieldRow[];
}

/** The structures a view decodes, by name. */
export const VIEWABLE_STRUCTS: readonly StructDef<string>[] = [CONTEXT, EXCEPTION_RECORD, EXCEPTION_POINTERS, TEB, KUSER_SHARED_DATA];

/** Every field with arrays spread out (`X0`..`X28`, `ExceptionInformation[0]`..), in offset order. */
export function structFields(def: StructDef<string>): StructField[] {
  const out: StructField[] = [];
  for (const [name, [offset, size]] of Object.entries(def.fields) as Array<[string, readonly [number, number]]>) {
    const count = (def.counts as Record<string, number | undefined>)[name] ?? 1;
    const stem = /\d$/.test(name) ? name.replace(/\d+$/, '') : undefined;
    for (let i = 0; i < count; i++) {
      const element = count === 1 ? name : stem !== undefined ? `${stem}${i}` : `${name}[${i}]`;
      out.push({ name: element, offset: offset + i * size, size });
    }
  }
  return out.sort((a, b) => a.offset - b.offset);
}

export function structNamed(name: string): StructDef<string> {
  const def = VIEWABLE_STRUCTS.find((s) => s.name.toLowerCase() === name.trim().toLowerCase());
  if (!def) throw new UsageError(`'${name.trim()}' is not a structure wintrace decodes: use ${VIEWABLE_STRUCTS.map((s) => s.name).join(', ')}`);
  return def;
}

/**
 * `NAME@ADDRESS` → the structure and its address at `position`. ADDRESS may be left out for TEB (the running
 * thread's) and KUSER_SHARED_DATA (its fixed page); `evaluate` reads the address syntax (register, hex,
 * register+offset, symbol).
 */
export function parseStructSpec(replay: Replay, position: number, spec: string, evaluate: (p: number, a: string) => number): { def: StructDef<string>; address: number } {
  const at = spec.indexOf('@');
  const def = structNamed(at < 0 ? spec : spec.slice(0, at));
  if (at >= 0) return { def, address: evaluate(position, spec.slice(at + 1)) };
  if (def === KUSER_SHARED_DATA) return { def, address: KUSER_ADDRESS };
  if (def === TEB) {
    const teb = replay.trace.tebOf(replay.trace.regWords(position).tid);
    if (teb !== undefined) return { def, address: Number(teb) };
  }
  throw new UsageError(`--struct ${spec.trim()}: say where the ${def.name} is, e.g. ${def.name}@x0, ${def.name}@sp+0x10 or ${def.name}@0x2001ff000`);
}

export function structView(replay: Replay, position: number, def: StructDef<string>, address: number): StructView {
  const trace = replay.trace;
  const bytes = replay.memory.read(position, address, def.size);
  const fields = structFields(def).map((f): FieldRow => {
    const at = address + f.offset;
    const mapped = bytes.mapped.subarray(f.offset, f.offset + f.size).every((x) => x === 1);
    let v = 0n;
    for (let i = Math.min(f.size, 8) - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes.bytes[f.offset + i]!);
    const value = !mapped ? '(unmapped)' : f.size > 8 ? `0x${Buffer.from(bytes.bytes.subarray(f.offset, f.offset + f.size)).reverse().toString('hex')}` : hex(v);
    const sym = mapped && f.size === 8 && v > 0xffffn ? trace.symbols.lookup(Number(v)) : undefined;
    const w = replay.memory.lastWrite(position, at, f.size);
    const writer = w && {
      position: w.position, step: w.step, tid: w.tid,
      by: w.step === undefined ? 'Windows' : trace.symbols.format(trace.stepAt(w.step).pc),
    };
    return { ...f, address: at, value, ...(sym ? { points: trace.symbols.format(Number(v)) } : {}), ...(writer ? { writer } : {}) };
  });
  return { name: def.name, address, position, fields };
}
