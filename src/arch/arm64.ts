// The ARM64 register file as data: every layer (engine, recorder, trace format, replayer, ABI rules) indexes
// registers through this one table, so a register's trace slot, Unicorn id and ABI role live side by side.
// Unicorn ids are from <unicorn/arm64.h> (unchanged from 2.0.1 to 2.1.4, the build wintrace loads); they are not contiguous.

export type RegKind = 'gpr' | 'sp' | 'pc' | 'flags' | 'vector' | 'fpctl';

export interface RegInfo {
  /** Slot in the register file; stable across versions of the trace format. */
  readonly index: number;
  /** Canonical lower-case name: x0..x30, sp, pc, nzcv, v0..v31, fpcr, fpsr. */
  readonly name: string;
  readonly ucId: number;
  /** Width in bits as Unicorn reads it: 64 for X/SP/PC, 32 for NZCV/FPCR/FPSR, 128 for V. */
  readonly bits: 32 | 64 | 128;
  readonly kind: RegKind;
  /** Callee-saved under the Windows ARM64 ABI (X19–X28, FP, SP; for V8–V15 only the low 64 bits, D8–D15). */
  readonly calleeSaved: boolean;
}

const UC_ARM64_REG_X29 = 1;
const UC_ARM64_REG_X30 = 2;
const UC_ARM64_REG_NZCV = 3;
const UC_ARM64_REG_SP = 4;
const UC_ARM64_REG_X0 = 199; // X0..X28 are contiguous
const UC_ARM64_REG_V0 = 228; // V0..V31 are contiguous
const UC_ARM64_REG_PC = 260;
const UC_ARM64_REG_FPCR = 291;
const UC_ARM64_REG_FPSR = 292;

function gprUcId(n: number): number {
  if (n === 29) return UC_ARM64_REG_X29;
  if (n === 30) return UC_ARM64_REG_X30;
  return UC_ARM64_REG_X0 + n;
}

function build(): RegInfo[] {
  const regs: RegInfo[] = [];
  const add = (r: Omit<RegInfo, 'index'>) => regs.push({ index: regs.length, ...r });
  for (let n = 0; n <= 30; n++) {
    add({ name: `x${n}`, ucId: gprUcId(n), bits: 64, kind: 'gpr', calleeSaved: n >= 19 && n <= 29 });
  }
  add({ name: 'sp', ucId: UC_ARM64_REG_SP, bits: 64, kind: 'sp', calleeSaved: true });
  add({ name: 'pc', ucId: UC_ARM64_REG_PC, bits: 64, kind: 'pc', calleeSaved: false });
  add({ name: 'nzcv', ucId: UC_ARM64_REG_NZCV, bits: 32, kind: 'flags', calleeSaved: false });
  for (let n = 0; n <= 31; n++) {
    add({ name: `v${n}`, ucId: UC_ARM64_REG_V0 + n, bits: 128, kind: 'vector', calleeSaved: n >= 8 && n <= 15 });
  }
  add({ name: 'fpcr', ucId: UC_ARM64_REG_FPCR, bits: 32, kind: 'fpctl', calleeSaved: false });
  add({ name: 'fpsr', ucId: UC_ARM64_REG_FPSR, bits: 32, kind: 'fpctl', calleeSaved: false });
  return regs;
}

export const REGISTERS: readonly RegInfo[] = Object.freeze(build());
export const REGISTER_COUNT = REGISTERS.length;

const byName = new Map(REGISTERS.map((r) => [r.name, r]));
const ALIASES: Record<string, string> = { fp: 'x29', lr: 'x30', ip0: 'x16', ip1: 'x17', xr: 'x8', teb: 'x18' };

/** Looks a register up by canonical name or ABI alias (fp, lr, ...); throws on an unknown name. */
export function reg(name: string): RegInfo {
  const key = name.toLowerCase();
  const r = byName.get(ALIASES[key] ?? key);
  if (!r) throw new Error(`unknown ARM64 register '${name}'`);
  return r;
}

/** Registers with a fixed role in the Windows ARM64 ABI, by name, for rules and the UI. */
export const ROLE = {
  pc: reg('pc'),
  sp: reg('sp'),
  lr: reg('x30'),
  fp: reg('x29'),
  teb: reg('x18'),
  nzcv: reg('nzcv'),
} as const;

export const GPRS = REGISTERS.filter((r) => r.kind === 'gpr');
export const VECTORS = REGISTERS.filter((r) => r.kind === 'vector');
/** The registers a scalar snapshot carries: X0–X30, SP, PC, NZCV, FPCR, FPSR (V registers kept separately). */
export const SCALARS = REGISTERS.filter((r) => r.kind !== 'vector');
