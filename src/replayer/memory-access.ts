// The memory an instruction reads or writes, worked out from its decoded operands and the registers before it
// runs: a trace records every write but no read, so "where did this loaded value come from" needs the load's
// address and size recomputed here. Covers the base ISA's loads and stores of one or two registers (every
// addressing mode, literal loads, exclusives, acquire/release); vector structure loads and atomics answer
// undefined, and a caller then says the memory read is not modelled rather than guess.

import { canonicalRegister, type Instruction, parseOperands } from '../arch/disasm.ts';

export interface DataRegister {
  /** Canonical register (x0..x30, v0..v31), or undefined for xzr/wzr. */
  readonly reg: string | undefined;
  /** Byte offset of this register's part of the access. */
  readonly offset: number;
  readonly size: number;
}

export interface MemoryAccess {
  readonly kind: 'load' | 'store';
  readonly address: number;
  readonly size: number;
  /** The registers loaded or stored, in the order of the bytes they occupy. */
  readonly data: readonly DataRegister[];
  /** Registers that formed the address (base, index), read by the instruction. */
  readonly addressRegs: readonly string[];
  /** The base register when the instruction writes the address back to it (pre/post-index). */
  readonly writeback: string | undefined;
}

const WIDTH: Record<string, number> = { x: 8, w: 4, b: 1, h: 2, s: 4, d: 8, q: 16 };
/** Loads and stores of one or two general or FP registers; not atomics, not structure (ld1..ld4) forms. */
const PLAIN = /^(?:ld|st)(?:a?x?r|lr|lxr|axr|ar|apu?r|u?r|tr|n?p|xp|axp|lxp|psw|l?ur)(?:s?[bhw])?$/;
const EXCLUSIVE_STORE = /^stl?x[rp]/;

/** Bytes per register of a plain load/store: the b/h/sw suffix when there is one, else the register's width. */
function unitSize(mnemonic: string, regText: string): number {
  if (mnemonic.endsWith('sw')) return 4;
  if (mnemonic.endsWith('b')) return 1;
  if (mnemonic.endsWith('h')) return 2;
  return WIDTH[regText[0]!.toLowerCase()] ?? 8;
}

function immediate(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const m = /^#(-?)(0x[0-9a-f]+|\d+)$/i.exec(text.trim());
  return m ? Number(m[2]) * (m[1] ? -1 : 1) : undefined;
}

/** `lsl #3`, `sxtw #2`, `uxtw`: how the index register is extended and shifted. */
function indexValue(raw: bigint, extend: string | undefined, indexText: string): bigint {
  const m = extend ? /^(lsl|uxtw|sxtw|sxtx|uxtx)(?:\s+#(\d+))?$/i.exec(extend.trim()) : null;
  const kind = m?.[1]?.toLowerCase() ?? (indexText.startsWith('w') ? 'uxtw' : 'lsl');
  const shift = BigInt(m?.[2] ?? 0);
  let v = BigInt.asUintN(64, raw);
  if (kind === 'uxtw') v = BigInt.asUintN(32, v);
  if (kind === 'sxtw') v = BigInt.asUintN(64, BigInt.asIntN(32, v));
  return BigInt.asUintN(64, v << shift);
}

/**
 * The memory access of `insn` given the values of registers before it runs (`value('x0')`, canonical names);
 * undefined when it is not a plain load or store.
 */
export function memoryAccess(insn: Instruction, value: (reg: string) => bigint): MemoryAccess | undefined {
  const m = insn.mnemonic;
  if (!PLAIN.test(m) || m.startsWith('ld1') || m.startsWith('st1')) return undefined;
  const ops = parseOperands(insn.operands);
  const kind = m.startsWith('ld') ? 'load' : 'store';
  const memAt = ops.findIndex((o) => o.kind === 'mem');
  // A store-exclusive's first register receives the status, it is not stored.
  const regOps = ops.slice(0, memAt < 0 ? ops.length - 1 : memAt).filter((o) => o.kind === 'reg').slice(EXCLUSIVE_STORE.test(m) ? 1 : 0);
  if (regOps.length === 0 || regOps.length > 2) return undefined;
  const unit = unitSize(m, regOps[0]!.text);
  const data = regOps.map((o, i) => ({ reg: canonicalRegister(o.text), offset: i * unit, size: unit }));
  const size = unit * regOps.length;
  if (memAt < 0) {
    // A literal load: `ldr x0, #0x100001000`, the address already resolved by the disassembler.
    const lit = immediate(ops[ops.length - 1]?.text);
    if (kind !== 'load' || lit === undefined) return undefined;
    return { kind, address: lit, size, data, addressRegs: [], writeback: undefined };
  }
  const mem = ops[memAt]!;
  if (!mem.base) return undefined;
  const inside = mem.text.slice(1, mem.text.lastIndexOf(']')).split(',').map((s) => s.trim());
  const base = BigInt.asUintN(64, value(mem.base));
  const postIndexed = mem.writeback === true && !mem.text.trim().endsWith('!');
  let address = base;
  const addressRegs = [mem.base];
  if (mem.index) {
    addressRegs.push(mem.index);
    address += indexValue(value(mem.index), inside[2], inside[1]!);
  } else if (!postIndexed) {
    address += BigInt(immediate(inside[1]) ?? 0);
  }
  return {
    kind,
    address: Number(BigInt.asUintN(64, address)),
    size,
    data,
    addressRegs,
    writeback: mem.writeback ? mem.base : undefined,
  };
}
