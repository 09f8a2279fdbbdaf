// ARM64 disassembler for display and queries: a thin wrapper over Capstone 5 (the npm WASM build
// @alexaltea/capstone-js 5.0.9), plus a corrected view of which registers an instruction reads and writes.
//
// HOW MUCH TO TRUST regsRead / regsWritten
//   Capstone's own register-access lists are wrong for many ARM64 instructions in this build (measured, see
//   docs/disassembly.md): memory base/index registers are never listed, pre/post-index writeback is never
//   listed, `cmp x0, #0` claims to write x0, atomics, SVE and most post-v8.0 extensions list nothing,
//   `st1 {v0, v1}` claims to write v1, `lsl x0, x1, #3` claims to read x0, and so on. We start from Capstone's
//   lists (canonicalised) and apply the ordered table REGISTER_FIXUPS below; every rule was checked against
//   the Arm ARM and against what this Capstone build actually returns (tests/unit/disasm.test.ts).
//   * Solid: base-ISA loads/stores/atomics (rebuilt from the operands), NEON structure loads/stores,
//     compares, branches/calls/returns, mrs/msr of nzcv/fpcr/fpsr, and what Capstone already gets right.
//   * Heuristic: `unknown-fallback` (Capstone lists nothing: first register operand written, the rest read —
//     mostly SVE/SVE2 and MTE), `unlisted-operand` (an operand register nobody listed is taken as read), the
//     accumulate list in `dest-merged` (matched by mnemonic), and SVE in general (predicates are dropped, Z
//     registers are reported as their V register).
//   * Not modelled: implicit FPCR reads / FPSR cumulative-flag writes of floating-point arithmetic, nzcv
//     written by SVE while*/ptest/cmp<cc>, what the OS does on `svc` (Windows returns a status in x0), and
//     partial writes (writing w0 or d0 is reported as writing x0 / v0).
//   The recorder must NOT rely on these lists for correctness (it snapshots every register itself); they are
//   for display ("this instruction wrote x19") and for queries in the replayer.
//
// UNDECODABLE WORDS
//   `disassemble` returns undefined only when fewer than 4 bytes are supplied. A word Capstone cannot decode
//   yields an Instruction with mnemonic '(bad)', `bad: true`, no registers and all groups false, so a listing
//   can carry on past data embedded in code. (0x00000000 is not bad: it decodes as `udf #0`.)

import { createRequire } from 'node:module';
import { REGISTERS } from './arm64.ts';

// ---------------------------------------------------------------------------------------------------------
// Public types

export interface InstructionGroups {
  /** Any control transfer other than falling through: jumps, conditional branches, calls and returns. */
  readonly branch: boolean;
  /** bl, blr, blraa, ... (writes x30). */
  readonly call: boolean;
  /** ret, retaa, retab. */
  readonly return: boolean;
  /** Direct PC-relative branch with a target encoded in the word (b, bl, b.cond, cbz/cbnz, tbz/tbnz). */
  readonly relative: boolean;
  /** Exception-generating: svc, hvc, smc, brk, hlt, udf, dcps1-3. */
  readonly interrupt: boolean;
}

export interface Instruction {
  readonly address: bigint;
  /** Always 4 on ARM64. */
  readonly size: number;
  /** The 4 instruction bytes (made from `word`; treat as read-only — instructions are cached and shared). */
  readonly bytes: Uint8Array;
  /** The 32-bit instruction word (little-endian bytes as an unsigned number). */
  readonly word: number;
  readonly mnemonic: string;
  /** Capstone's operand string, e.g. `x29, x30, [sp, #-0x10]!`; '' when there are none. */
  readonly operands: string;
  /** mnemonic + ' ' + operands (just the mnemonic when there are no operands). */
  readonly text: string;
  /** Canonical register names (see canonicalRegister), in register-file order. */
  readonly regsRead: readonly string[];
  readonly regsWritten: readonly string[];
  readonly groups: InstructionGroups;
  /** Branch target for direct branches and calls (groups.relative). */
  readonly target?: bigint;
  /** True for an undecodable word (mnemonic '(bad)'). */
  readonly bad: boolean;
  /** Names of the REGISTER_FIXUPS rules that matched this instruction (and so may have changed Capstone's lists). */
  readonly fixups: readonly string[];
}

export interface Disassembler {
  /**
   * Decodes the instruction at the start of `bytes` (the first 4 bytes). Returns undefined only if fewer than
   * 4 bytes are given; an undecodable word gives a '(bad)' instruction. Results are cached per address and
   * re-decoded when the word at that address changes, so the same object comes back for unchanged code.
   */
  disassemble(bytes: Uint8Array, address: bigint): Instruction | undefined;
  /** Decodes consecutive 4-byte words (at most `count`, default: every whole word in `bytes`). */
  disassembleRange(bytes: Uint8Array, address: bigint, count?: number): Instruction[];
  /** Number of cached instructions. */
  readonly cacheSize: number;
  clearCache(): void;
}

/** Cached instructions kept before the oldest are evicted (FIFO). */
export const DISASM_CACHE_LIMIT = 1 << 18;

// ---------------------------------------------------------------------------------------------------------
// Register names

const REG_ORDER = new Map(REGISTERS.map((r) => [r.name, r.index]));

/**
 * Maps an assembler register name to the canonical register-file name: w/x registers to x0..x30 (fp → x29,
 * lr → x30), sp/wsp to sp, b/h/s/d/q/v/z views to v0..v31, nzcv, fpcr, fpsr. Returns undefined for registers
 * that have no slot in the register file: xzr/wzr, SVE predicates (p0..p15, ffr), SME za tiles, vg.
 */
export function canonicalRegister(name: string): string | undefined {
  const cached = canonCache.get(name);
  if (cached !== undefined || canonCache.has(name)) return cached;
  const result = computeCanonical(name);
  if (canonCache.size < 4096) canonCache.set(name, result); // bounded: callers may pass arbitrary strings
  return result;
}
const canonCache = new Map<string, string | undefined>();

function computeCanonical(raw: string): string | undefined {
  const name = raw.toLowerCase();
  switch (name) {
    case 'fp':
      return 'x29';
    case 'lr':
      return 'x30';
    case 'sp':
    case 'wsp':
      return 'sp';
    case 'nzcv':
    case 'fpcr':
    case 'fpsr':
      return name;
  }
  const m = /^([xwbhsdqvz])(\d{1,2})$/.exec(name);
  if (!m) return undefined;
  const n = Number(m[2]);
  if (m[1] === 'x' || m[1] === 'w') return n <= 30 ? `x${n}` : undefined;
  return n <= 31 ? `v${n}` : undefined;
}

/** Leading token of an operand that names a register (including ones with no canonical name, like xzr, p0). */
const REG_WORD =
  /^(?:[xw](?:30|[12]\d|\d)|xzr|wzr|w?sp|fp|lr|[bhsdqvz](?:3[01]|[12]\d|\d)|pn?(?:1[0-5]|\d)|za[a-z]*\d*|ffr|nzcv|fpcr|fpsr)(?![a-z0-9_])/;

function sortRegs(set: Set<string>): string[] {
  return [...set].sort((a, b) => (REG_ORDER.get(a) ?? 999) - (REG_ORDER.get(b) ?? 999));
}

// ---------------------------------------------------------------------------------------------------------
// Operand parsing (of Capstone's operand text, which is regular and is what the user sees)

export interface Operand {
  readonly text: string;
  readonly kind: 'reg' | 'list' | 'mem' | 'imm' | 'other';
  /** Canonical registers named by a reg or list operand (xzr, predicates etc. left out). */
  readonly regs: readonly string[];
  /** Register or list with an element index, e.g. `v0.s[1]`, `{v0.s, v1.s}[1]`. */
  readonly lane: boolean;
  /** For mem operands: base, optional index register, and whether the base is written back. */
  readonly base?: string;
  readonly index?: string;
  readonly writeback?: boolean;
  /** For mem operands: a post-index register (`[x0], x2`), which is read. */
  readonly postIndexReg?: string;
}

function splitTopLevel(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x5b || c === 0x7b) depth++; // [ {
    else if (c === 0x5d || c === 0x7d) depth--; // ] }
    else if (c === 0x2c && depth === 0) {
      out.push(s.slice(start, i).trim());
      start = i + 1;
    }
  }
  const last = s.slice(start).trim();
  if (last) out.push(last);
  return out;
}

function regWord(token: string): string | undefined {
  const m = REG_WORD.exec(token);
  return m ? m[0] : undefined;
}

function expandList(token: string): string[] {
  const inner = token.slice(token.indexOf('{') + 1, token.indexOf('}'));
  const regs: string[] = [];
  for (const part of inner.split(',')) {
    const range = part.split(' - ');
    if (range.length === 2) {
      const a = regWord(range[0]!.trim());
      const b = regWord(range[1]!.trim());
      const ca = a && canonicalRegister(a);
      const cb = b && canonicalRegister(b);
      if (ca && cb && ca[0] === 'v' && cb[0] === 'v') {
        const lo = Number(ca.slice(1));
        const hi = Number(cb.slice(1));
        for (let n = lo; ; n = (n + 1) % 32) {
          regs.push(`v${n}`);
          if (n === hi || regs.length >= 32) break;
        }
      }
      continue;
    }
    const w = regWord(part.trim());
    const c = w && canonicalRegister(w);
    if (c) regs.push(c);
  }
  return regs;
}

const NO_REGS: readonly string[] = Object.freeze([]);

/** Parses Capstone's operand string into operands. Exported for tests and for the replayer's queries. */
export function parseOperands(opStr: string): Operand[] {
  const tokens = splitTopLevel(opStr);
  const ops: Operand[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const text = tokens[i]!;
    const c0 = text.charCodeAt(0);
    if (c0 === 0x5b) {
      // [base, index-or-imm, extend]!   optionally followed by a post-index `#imm` or register operand
      const close = text.lastIndexOf(']');
      const parts = text.slice(1, close).split(',');
      const bw = regWord(parts[0]!.trim());
      const iw = parts[1] !== undefined ? regWord(parts[1].trim()) : undefined;
      let writeback = text.slice(close + 1).trim() === '!';
      let postIndexReg: string | undefined;
      const next = tokens[i + 1];
      if (next !== undefined && !next.endsWith('!') && (next.startsWith('#') || regWord(next))) {
        writeback = true;
        const pw = regWord(next);
        postIndexReg = pw ? canonicalRegister(pw) : undefined;
        i++; // the post-index operand belongs to this memory operand
      }
      ops.push({
        text,
        kind: 'mem',
        regs: NO_REGS,
        lane: false,
        base: bw ? canonicalRegister(bw) : undefined,
        index: iw ? canonicalRegister(iw) : undefined,
        writeback,
        postIndexReg,
      });
    } else if (c0 === 0x7b) {
      ops.push({ text, kind: 'list', regs: expandList(text), lane: text.endsWith(']') });
    } else if (c0 === 0x23) {
      ops.push({ text, kind: 'imm', regs: NO_REGS, lane: false });
    } else {
      const w = regWord(text);
      if (w) {
        const c = canonicalRegister(w);
        ops.push({ text, kind: 'reg', regs: c ? [c] : NO_REGS, lane: text.includes('[') });
      } else {
        ops.push({ text, kind: 'other', regs: NO_REGS, lane: false });
      }
    }
  }
  return ops;
}

// ---------------------------------------------------------------------------------------------------------
// Register-access fixups

export interface FixupContext {
  readonly mnemonic: string;
  readonly ops: readonly Operand[];
  /** Start as Capstone's lists (canonicalised); fixups edit them in place. */
  readonly reads: Set<string>;
  readonly writes: Set<string>;
  /** Capstone reported no register at all. */
  readonly capstoneEmpty: boolean;
}

export interface RegisterFixup {
  readonly name: string;
  /** What Capstone gets wrong and what the rule does instead. */
  readonly why: string;
  readonly applies: (c: FixupContext) => boolean;
  readonly apply: (c: FixupContext) => void;
  /** Only considered if no earlier rule applied (the heuristic fallback). */
  readonly lastResort?: boolean;
}

const addAll = (set: Set<string>, regs: Iterable<string>) => {
  for (const r of regs) set.add(r);
};
const regsOf = (ops: readonly Operand[]) => ops.flatMap((o) => o.regs);
const memOf = (c: FixupContext) => c.ops.find((o) => o.kind === 'mem');

type MemRole =
  | 'load' // data registers written
  | 'load-merge' // data registers read and written (single-lane structure loads, ldg)
  | 'store' // data registers read
  | 'store-exclusive' // first data register (status) written, the rest read
  | 'atomic' // ld<op>/swp: Rs read, Rt written
  | 'atomic-store' // st<op>: Rs read
  | 'cas' // Rs read and written, Rt read
  | 'casp' // Rs, Rs+1 read and written, Rt, Rt+1 read
  | 'prefetch'; // no data registers

const ATOMIC_OP = '(?:add|clr|eor|set|smax|smin|umax|umin)';
const RE_CASP = /^casp(?:a|al|l)?$/;
const RE_CAS = /^cas(?:a|al|l)?[bh]?$/;
const RE_ATOMIC = new RegExp(`^(?:ld${ATOMIC_OP}(?:a|al|l)?|swp(?:a|al|l)?)[bh]?$`);
const RE_ATOMIC_STORE = new RegExp(`^st${ATOMIC_OP}l?[bh]?$`);
const RE_STORE_EXCL = /^stl?x(?:r[bh]?|p)$/;

function memRole(c: FixupContext): MemRole {
  const m = c.mnemonic;
  if (m.startsWith('prf')) return 'prefetch';
  if (RE_CASP.test(m)) return 'casp';
  if (RE_CAS.test(m)) return 'cas';
  if (RE_ATOMIC.test(m)) return 'atomic';
  if (RE_ATOMIC_STORE.test(m)) return 'atomic-store';
  if (RE_STORE_EXCL.test(m)) return 'store-exclusive';
  if (m.startsWith('st')) return 'store';
  if (m === 'ldg' || c.ops.some((o) => o.kind === 'list' && o.lane)) return 'load-merge';
  return 'load';
}

function applyMemory(c: FixupContext): void {
  const memIdx = c.ops.findIndex((o) => o.kind === 'mem');
  const mem = c.ops[memIdx]!;
  const data = c.ops.slice(0, memIdx).filter((o) => o.kind === 'reg' || o.kind === 'list');
  c.reads.clear();
  c.writes.clear();
  switch (memRole(c)) {
    case 'load':
      addAll(c.writes, regsOf(data));
      break;
    case 'load-merge':
      addAll(c.reads, regsOf(data));
      addAll(c.writes, regsOf(data));
      break;
    case 'store':
    case 'atomic-store':
      addAll(c.reads, regsOf(data));
      break;
    case 'store-exclusive':
      addAll(c.writes, (data[0]?.regs ?? NO_REGS));
      addAll(c.reads, regsOf(data.slice(1)));
      break;
    case 'atomic':
      addAll(c.reads, (data[0]?.regs ?? NO_REGS));
      addAll(c.writes, (data[1]?.regs ?? NO_REGS));
      break;
    case 'cas':
      addAll(c.reads, regsOf(data));
      addAll(c.writes, (data[0]?.regs ?? NO_REGS));
      break;
    case 'casp':
      addAll(c.reads, regsOf(data));
      addAll(c.writes, [...(data[0]?.regs ?? NO_REGS), ...(data[1]?.regs ?? NO_REGS)]);
      break;
    case 'prefetch':
      break;
  }
  if (mem.base) c.reads.add(mem.base);
  if (mem.index) c.reads.add(mem.index);
  if (mem.postIndexReg) c.reads.add(mem.postIndexReg);
  if (mem.writeback && mem.base) c.writes.add(mem.base);
}

const COMPARES = new Set(['cmp', 'cmn', 'tst', 'ccmp', 'ccmn']);
const DEST_NOT_READ = new Set([
  // UBFM/SBFM and their aliases overwrite the whole destination
  'lsl', 'lsr', 'asr', 'ubfx', 'ubfiz', 'sbfx', 'sbfiz', 'ubfm', 'sbfm', 'sxtb', 'sxth', 'sxtw', 'uxtb', 'uxth',
  // non-accumulating vector right shifts by immediate; table lookup (tbx, by contrast, merges)
  'ushr', 'sshr', 'urshr', 'srshr', 'tbl',
  // vector move-immediates
  'movi', 'mvni',
]);
const RE_NARROW_HIGH = /^(?:[su]?q?r?shru?n|[su]?q?xtu?n|fcvtx?n|bfcvtn|r?addhn|r?subhn)2$/;
/** Accumulating instructions (the destination is also a source); Capstone lists nothing for most of these. */
const RE_ACCUMULATE = new RegExp(
  '^(?:' +
    [
      '(?:s|u|us|su|bf)dot', 'cdot', '(?:s|u|us|bf|f)mmla', // dot products, matrix multiply-accumulate
      'f?ml[as]', 'fcmla', 'cmla', 'sq?rdc?ml[as]h', // multiply-accumulate (incl. fp16 and RDM forms)
      'fml[as]l[bt2]?', 'bfml[as]l[bt]', '[su]ml[as]l[bt2]?', 'sqdml[as]l(?:bt|[bt2])?', // widening ones
      '[su]abal?[bt2]?', '[su]adalp', '[su]r?sra', // absolute-difference / pairwise / shift accumulate
      'tbx', // table lookup that keeps out-of-range lanes
    ].join('|') +
    ')$',
);
/** A bare condition-code operand (csel, fcsel, ccmp, ...): the instruction reads the flags. */
const CONDITIONS = new Set(['eq', 'ne', 'cs', 'hs', 'cc', 'lo', 'mi', 'pl', 'vs', 'vc', 'hi', 'ls', 'ge', 'lt', 'gt', 'le', 'al', 'nv']);
/** FEAT_MOPS memcpy/memset: cpy[f][pme]*, set[g][pme]* (setf8/setf16 are flag operations, not MOPS). */
const RE_MOPS = /^(?:cpyf?|setg?)[pme](?!8|16)[a-z]*$/;

/**
 * The fixups, applied in order to Capstone's (canonicalised) register lists. Every rule here was checked
 * against this Capstone build's actual output; see the file header for what remains heuristic.
 */
export const REGISTER_FIXUPS: readonly RegisterFixup[] = [
  {
    name: 'mops',
    why: 'Capstone lists nothing for the FEAT_MOPS memcpy/memset sequences (`cpyfp [x0]!, [x1]!, x2!`, `setp [x0]!, x1!, x2`): every register marked `!` is read and written, the others are read.',
    applies: (c) => RE_MOPS.test(c.mnemonic),
    apply: (c) => {
      for (const o of c.ops) {
        const regs = o.kind === 'mem' ? (o.base ? [o.base] : NO_REGS) : o.regs;
        addAll(c.reads, regs);
        if (o.text.endsWith('!')) addAll(c.writes, regs);
      }
    },
  },
  {
    name: 'memory',
    why:
      'Capstone never lists memory base/index registers or writeback, lists nothing for atomics and stlur*, ' +
      'and mislists NEON structure loads/stores (st1 {v0,v1} "writes" v1, ld4 lists two registers, a ' +
      'post-index register is "written"). For any instruction with a [..] operand the lists are rebuilt ' +
      'from the operands by mnemonic class: loads write their data registers (ldp two, lane loads merge), ' +
      'stores read them, stxr writes its status register, ld<op>/swp read Rs and write Rt, cas/casp read ' +
      'both and write Rs; the base and index are read; `]!` or a post-index operand writes the base.',
    applies: (c) => memOf(c) !== undefined && !RE_MOPS.test(c.mnemonic),
    apply: applyMemory,
  },
  {
    name: 'compare',
    why: 'Capstone says cmp/cmn/tst write their first operand (e.g. `cmp x0, #0` writes x0). They only read their register operands and write nzcv (ccmp/ccmn also read nzcv).',
    applies: (c) => COMPARES.has(c.mnemonic),
    apply: (c) => {
      const readsFlags = c.mnemonic === 'ccmp' || c.mnemonic === 'ccmn';
      c.reads.clear();
      c.writes.clear();
      addAll(c.reads, regsOf(c.ops));
      if (readsFlags) c.reads.add('nzcv');
      c.writes.add('nzcv');
    },
  },
  {
    name: 'dest-not-read',
    why: 'Capstone lists the destination as read for instructions that overwrite it entirely: lsl/lsr/asr #imm, ubfx/sbfx/ubfiz/sbfiz, sxt*/uxt*, ushr/sshr/urshr, tbl, movi/mvni, fmov #imm. The destination is dropped from the reads unless a source operand names it.',
    applies: (c) =>
      DEST_NOT_READ.has(c.mnemonic) || (c.mnemonic === 'fmov' && c.ops.length === 2 && c.ops[1]!.kind === 'imm'),
    apply: (c) => {
      const dest = c.ops[0]?.regs ?? NO_REGS;
      const sources = new Set(regsOf(c.ops.slice(1)));
      for (const r of dest) if (!sources.has(r)) c.reads.delete(r);
      addAll(c.reads, sources);
      addAll(c.writes, dest); // Capstone lists nothing for the SVE forms (lsl z0.d, z1.d, #3)
    },
  },
  {
    name: 'dest-merged',
    why: 'Instructions that keep part of the destination read it, which Capstone omits: writes to one vector element (`fmov v0.d[1], x0`), vector orr/bic #imm, narrowing "2" forms (xtn2, shrn2, fcvtn2, ...), accumulating extension instructions (dot products, fp16 fmla, sqrdmlah, fcmla, ...: Capstone lists nothing at all), tbx, and SVE merging predication (`p0/m`).',
    applies: (c) => {
      const d = c.ops[0];
      if (!d || (d.kind !== 'reg' && d.kind !== 'list')) return false;
      return (
        (d.kind === 'reg' && d.lane) ||
        ((c.mnemonic === 'orr' || c.mnemonic === 'bic') && c.ops[1]?.kind === 'imm') ||
        RE_NARROW_HIGH.test(c.mnemonic) ||
        RE_ACCUMULATE.test(c.mnemonic) ||
        c.ops.some((o) => o.text.endsWith('/m'))
      );
    },
    apply: (c) => {
      const dest = c.ops[0]!.regs;
      addAll(c.reads, dest);
      addAll(c.writes, dest);
      addAll(c.reads, regsOf(c.ops.slice(1)));
    },
  },
  {
    name: 'cbz-no-flags',
    why: 'Capstone says cbz/cbnz read nzcv; they (and tbz/tbnz) test a register, not the flags.',
    applies: (c) => c.mnemonic === 'cbz' || c.mnemonic === 'cbnz' || c.mnemonic === 'tbz' || c.mnemonic === 'tbnz',
    apply: (c) => {
      c.reads.delete('nzcv');
      addAll(c.reads, c.ops[0]?.regs ?? NO_REGS);
    },
  },
  {
    name: 'ret-lr',
    why: 'Capstone lists no register for a bare `ret`; it reads x30 (or the register operand).',
    applies: (c) => c.mnemonic === 'ret',
    apply: (c) => {
      if (c.ops.length === 0) c.reads.add('x30');
      else addAll(c.reads, regsOf(c.ops));
    },
  },
  {
    name: 'call-lr',
    why: 'Guard: bl/blr/blraa... write x30 (Capstone 5.0.9 already says so; Capstone 4 builds did not always).',
    applies: (c) => /^bl(?:r(?:aaz?|abz?)?)?$/.test(c.mnemonic),
    apply: (c) => {
      c.writes.add('x30');
    },
  },
  {
    name: 'svc-no-lr',
    why: 'Capstone says svc writes x30; architecturally svc writes no general register (what the OS does with x0..x8 is not modelled).',
    applies: (c) => c.mnemonic === 'svc',
    apply: (c) => {
      c.writes.delete('x30');
    },
  },
  {
    name: 'flag-ops',
    why: 'Capstone lists nothing for the flag-manipulation instructions: setf8/setf16 read a register and write nzcv; rmif also reads nzcv; cfinv/axflag/xaflag read and write nzcv.',
    applies: (c) => ['setf8', 'setf16', 'rmif', 'cfinv', 'axflag', 'xaflag'].includes(c.mnemonic),
    apply: (c) => {
      addAll(c.reads, regsOf(c.ops));
      if (!c.mnemonic.startsWith('setf')) c.reads.add('nzcv');
      c.writes.add('nzcv');
    },
  },
  {
    name: 'sysreg',
    why: 'Capstone does not list nzcv/fpcr/fpsr as read by `mrs x0, nzcv` or written by `msr nzcv, x0`.',
    applies: (c) => c.mnemonic === 'mrs' || c.mnemonic === 'msr',
    apply: (c) => {
      if (c.mnemonic === 'mrs') addAll(c.reads, c.ops[1]?.regs ?? NO_REGS);
      else addAll(c.writes, c.ops[0]?.regs ?? NO_REGS);
    },
  },
  {
    name: 'cond-flags',
    why: 'Guard: an instruction with a condition-code operand (csel, fcsel, ccmp, ...) reads nzcv; Capstone omits it for the fp16 forms (`fcsel h0, h1, h2, eq`), where it lists nothing at all.',
    applies: (c) => c.ops.some((o) => o.kind === 'other' && CONDITIONS.has(o.text)) && !c.reads.has('nzcv'),
    apply: (c) => {
      c.reads.add('nzcv');
      if (c.capstoneEmpty) {
        const first = c.ops[0]?.regs ?? NO_REGS;
        addAll(c.writes, first);
        addAll(c.reads, regsOf(c.ops.slice(1)));
      }
    },
  },
  {
    name: 'sys-ops',
    why: 'Capstone lists nothing for dc/ic/at/tlbi/sys; their register operand (an address) is read.',
    applies: (c) => ['dc', 'ic', 'at', 'tlbi', 'sys'].includes(c.mnemonic),
    apply: (c) => addAll(c.reads, regsOf(c.ops)),
  },
  {
    name: 'unknown-fallback',
    why: 'HEURISTIC. Capstone lists no register (mostly SVE, MTE irg/subp) and no rule above knows the instruction: the first register operand is taken as written and the other register operands as read.',
    lastResort: true,
    applies: (c) => c.capstoneEmpty && c.ops.some((o) => o.kind === 'reg' || o.kind === 'list'),
    apply: (c) => {
      const first = c.ops.findIndex((o) => o.kind === 'reg' || o.kind === 'list');
      addAll(c.writes, c.ops[first]!.regs);
      addAll(c.reads, regsOf(c.ops.slice(first + 1)));
    },
  },
  {
    name: 'unlisted-operand',
    why: 'HEURISTIC safety net. A register named in the operands that no list mentions is taken as read (Capstone drops the third operand of e.g. `bic v0.8b, v1.8b, v2.8b` and `pacga`).',
    applies: (c) => {
      for (const o of c.ops) for (const r of o.regs) if (!c.reads.has(r) && !c.writes.has(r)) return true;
      return false;
    },
    apply: (c) => {
      for (const o of c.ops) for (const r of o.regs) if (!c.writes.has(r)) c.reads.add(r);
    },
  },
];

/**
 * Applies REGISTER_FIXUPS to Capstone's canonicalised lists; returns the names of the rules that applied.
 * Exported so the rules can be tested without Capstone.
 */
export function fixRegisterAccess(
  mnemonic: string,
  operands: string,
  capstoneReads: Iterable<string>,
  capstoneWrites: Iterable<string>,
): { reads: string[]; writes: string[]; fixups: string[] } {
  const reads = new Set(capstoneReads);
  const writes = new Set(capstoneWrites);
  const ctx: FixupContext = {
    mnemonic,
    ops: parseOperands(operands),
    reads,
    writes,
    capstoneEmpty: reads.size === 0 && writes.size === 0,
  };
  const fired: string[] = [];
  for (const rule of REGISTER_FIXUPS) {
    if (rule.lastResort && fired.length > 0) continue;
    if (!rule.applies(ctx)) continue;
    rule.apply(ctx);
    fired.push(rule.name);
  }
  return { reads: sortRegs(reads), writes: sortRegs(writes), fixups: fired };
}

// ---------------------------------------------------------------------------------------------------------
// Branch targets, decoded from the word (Capstone prints the same value in the operand text)

const MASK64 = (1n << 64n) - 1n;

function branchTarget(word: number, address: bigint): bigint | undefined {
  let offset: number;
  if ((word & 0x7c000000) === 0x14000000) {
    offset = ((word << 6) >> 6) * 4; // b / bl: imm26
  } else if ((word & 0xff000000) >>> 0 === 0x54000000 || (word & 0x7e000000) === 0x34000000) {
    offset = ((word << 8) >> 13) * 4; // b.cond, cbz/cbnz: imm19 at bits 5..23
  } else if ((word & 0x7e000000) === 0x36000000) {
    offset = ((word << 13) >> 18) * 4; // tbz/tbnz: imm14 at bits 5..18
  } else {
    return undefined;
  }
  return (address + BigInt(offset)) & MASK64;
}

/**
 * Words whose operand text Capstone prints as an absolute address (so it depends on where the word is):
 * b/bl, b.cond, cbz/cbnz, tbz/tbnz, adr/adrp and the load-literal forms (ldr/ldrsw/prfm/SIMD ldr #label).
 */
function isPcRelative(word: number): boolean {
  return (
    (word & 0x7c000000) === 0x14000000 ||
    (word & 0xff000000) >>> 0 === 0x54000000 ||
    (word & 0x7c000000) === 0x34000000 ||
    (word & 0x1f000000) === 0x10000000 ||
    (word & 0x3b000000) === 0x18000000
  );
}

const INTERRUPTS = new Set(['svc', 'hvc', 'smc', 'brk', 'hlt', 'udf', 'dcps1', 'dcps2', 'dcps3']);

// ---------------------------------------------------------------------------------------------------------
// Capstone binding (the parts of the Emscripten module we use; it ships no type declarations)

interface CapstoneHandle {
  readonly handle_ptr: number;
  option(option: number, value: number | boolean): void;
  reg_name(id: number): string;
}

interface CapstoneModule {
  readonly ARCH_ARM64: number;
  readonly MODE_ARM: number;
  readonly OPT_DETAIL: number;
  readonly OPT_ON: number;
  readonly ARM64_REG_ENDING: number;
  readonly ARM64_GRP_JUMP: number;
  readonly ARM64_GRP_CALL: number;
  readonly ARM64_GRP_RET: number;
  readonly ARM64_GRP_INT: number;
  readonly Capstone: new (arch: number, mode: number) => CapstoneHandle;
  getValue(ptr: number, type: string): number;
  setValue(ptr: number, value: number | bigint, type: string): void;
  UTF8ToString(ptr: number, maxBytes?: number): string;
  writeArrayToMemory(array: ArrayLike<number>, ptr: number): void;
  _malloc(size: number): number;
  _cs_malloc(handle: number): number;
  _cs_disasm_iter(handle: number, codePtr: number, sizePtr: number, addrPtr: number, insn: number): number;
  _cs_regs_access(handle: number, insn: number, rd: number, rdCount: number, wr: number, wrCount: number): number;
  _cs_insn_group(handle: number, insn: number, group: number): number;
}

// cs_insn layout of this build (checked against the package's own Instruction reader): id u32 @0,
// address u64 @8, size u16 @16, bytes[24] @18, mnemonic[32] @42, op_str[160] @74, detail* @236.
const INSN_MNEMONIC = 42;
const INSN_OP_STR = 74;

class CapstoneDisassembler implements Disassembler {
  private readonly cache = new Map<bigint, Instruction>();
  private readonly templates = new Map<number, Template>();
  private readonly handle: number;
  private readonly insn: number;
  private readonly codeBuf: number;
  private readonly codePtr: number;
  private readonly sizePtr: number;
  private readonly addrPtr: number;
  private readonly regsBuf: number; // read ids @0 (64 x u16), write ids @128, read count @256, write count @257
  private readonly regNames: (string | undefined)[] = [];

  constructor(private readonly cs: CapstoneModule) {
    const d = new cs.Capstone(cs.ARCH_ARM64, cs.MODE_ARM);
    d.option(cs.OPT_DETAIL, cs.OPT_ON);
    this.handle = cs.getValue(d.handle_ptr, '*');
    for (let id = 0; id < cs.ARM64_REG_ENDING; id++) this.regNames.push(canonicalRegister(d.reg_name(id)));
    this.insn = cs._cs_malloc(this.handle);
    this.codeBuf = cs._malloc(16);
    this.codePtr = cs._malloc(4);
    this.sizePtr = cs._malloc(4);
    this.addrPtr = cs._malloc(8);
    this.regsBuf = cs._malloc(264);
    if (!this.insn || !this.codeBuf || !this.codePtr || !this.sizePtr || !this.addrPtr || !this.regsBuf) {
      throw new Error('capstone: out of WASM memory');
    }
  }

  get cacheSize(): number {
    return this.cache.size;
  }

  clearCache(): void {
    this.cache.clear();
    this.templates.clear();
  }

  disassemble(bytes: Uint8Array, address: bigint): Instruction | undefined {
    if (bytes.length < 4) return undefined;
    const word = (bytes[0]! | (bytes[1]! << 8) | (bytes[2]! << 16) | (bytes[3]! << 24)) >>> 0;
    const hit = this.cache.get(address);
    if (hit !== undefined && hit.word === word) return hit;
    const insn = this.decode(bytes, word, address);
    if (hit === undefined && this.cache.size >= DISASM_CACHE_LIMIT) {
      const oldest = this.cache.keys().next();
      if (!oldest.done) this.cache.delete(oldest.value);
    }
    this.cache.set(address, insn);
    return insn;
  }

  disassembleRange(bytes: Uint8Array, address: bigint, count?: number): Instruction[] {
    const words = Math.floor(bytes.length / 4);
    const n = count === undefined ? words : Math.max(0, Math.min(words, Math.floor(count)));
    const out: Instruction[] = [];
    for (let k = 0; k < n; k++) {
      out.push(this.disassemble(bytes.subarray(k * 4, k * 4 + 4), (address + BigInt(k * 4)) & MASK64)!);
    }
    return out;
  }

  private decode(bytes: Uint8Array, word: number, address: bigint): Instruction {
    // Words whose text does not depend on the address share one decoded template, so a word seen at another
    // address costs no Capstone call (about 60% of the words in real code are repeats).
    const shareable = !isPcRelative(word);
    let t = shareable ? this.templates.get(word) : undefined;
    if (t === undefined) {
      t = this.decodeTemplate(bytes, word, address);
      if (shareable) {
        if (this.templates.size >= DISASM_CACHE_LIMIT) this.templates.clear();
        this.templates.set(word, t);
      }
    }
    if (t.bad) return badInstruction(word, address);
    const target = branchTarget(word, address);
    return new DecodedInstruction(
      address,
      word,
      t.mnemonic,
      t.operands,
      t.regsRead,
      t.regsWritten,
      target === undefined ? t.groups : t.groupsRelative,
      target,
      false,
      t.fixups,
    );
  }

  private decodeTemplate(bytes: Uint8Array, word: number, address: bigint): Template {
    const cs = this.cs;
    cs.writeArrayToMemory(bytes.subarray(0, 4), this.codeBuf);
    cs.setValue(this.codePtr, this.codeBuf, '*');
    cs.setValue(this.sizePtr, 4, 'i32');
    cs.setValue(this.addrPtr, address, 'i64');
    if (!cs._cs_disasm_iter(this.handle, this.codePtr, this.sizePtr, this.addrPtr, this.insn)) return BAD_TEMPLATE;
    const mnemonic = cs.UTF8ToString(this.insn + INSN_MNEMONIC, 32);
    const operands = cs.UTF8ToString(this.insn + INSN_OP_STR, 160);

    const csReads: string[] = [];
    const csWrites: string[] = [];
    const buf = this.regsBuf;
    if (cs._cs_regs_access(this.handle, this.insn, buf, buf + 256, buf + 128, buf + 257) === 0) {
      const nr = cs.getValue(buf + 256, 'i8') & 0xff;
      const nw = cs.getValue(buf + 257, 'i8') & 0xff;
      for (let k = 0; k < nr && k < 64; k++) {
        const name = this.regNames[cs.getValue(buf + 2 * k, 'i16') & 0xffff];
        if (name) csReads.push(name);
      }
      for (let k = 0; k < nw && k < 64; k++) {
        const name = this.regNames[cs.getValue(buf + 128 + 2 * k, 'i16') & 0xffff];
        if (name) csWrites.push(name);
      }
    }
    const { reads, writes, fixups } = fixRegisterAccess(mnemonic, operands, csReads, csWrites);

    const call = this.inGroup(cs.ARM64_GRP_CALL);
    const ret = this.inGroup(cs.ARM64_GRP_RET);
    const branch = call || ret || this.inGroup(cs.ARM64_GRP_JUMP);
    const interrupt = INTERRUPTS.has(mnemonic) || this.inGroup(cs.ARM64_GRP_INT);
    return {
      bad: false,
      mnemonic,
      operands,
      regsRead: internRegs(reads),
      regsWritten: internRegs(writes),
      groups: internGroups(branch, call, ret, false, interrupt),
      groupsRelative: internGroups(branch, call, ret, true, interrupt),
      fixups: fixups.length ? internRegs(fixups) : NO_REGS,
    };
  }

  private inGroup(group: number): boolean {
    return this.cs._cs_insn_group(this.handle, this.insn, group) !== 0;
  }
}

/** Everything about a decoded word that does not depend on its address. */
interface Template {
  readonly bad: boolean;
  readonly mnemonic: string;
  readonly operands: string;
  readonly regsRead: readonly string[];
  readonly regsWritten: readonly string[];
  readonly groups: InstructionGroups;
  /** The same groups with `relative` set, for words that turn out to be direct branches. */
  readonly groupsRelative: InstructionGroups;
  readonly fixups: readonly string[];
}

/** Instructions are shared through the cache, so the small immutable parts are interned and frozen. */
const groupTable: InstructionGroups[] = [];
function internGroups(branch: boolean, call: boolean, ret: boolean, relative: boolean, interrupt: boolean) {
  const key = +branch | (+call << 1) | (+ret << 2) | (+relative << 3) | (+interrupt << 4);
  return (groupTable[key] ??= Object.freeze({ branch, call, return: ret, relative, interrupt }));
}

const regListTable = new Map<string, readonly string[]>();
function internRegs(list: string[]): readonly string[] {
  if (list.length === 0) return NO_REGS;
  const key = list.join(',');
  let hit = regListTable.get(key);
  if (hit === undefined) {
    hit = Object.freeze(list);
    regListTable.set(key, hit);
  }
  return hit;
}

class DecodedInstruction implements Instruction {
  readonly size = 4;
  readonly text: string;
  private cachedBytes: Uint8Array | undefined;

  constructor(
    readonly address: bigint,
    readonly word: number,
    readonly mnemonic: string,
    readonly operands: string,
    readonly regsRead: readonly string[],
    readonly regsWritten: readonly string[],
    readonly groups: InstructionGroups,
    readonly target: bigint | undefined,
    readonly bad: boolean,
    readonly fixups: readonly string[],
  ) {
    this.text = operands ? `${mnemonic} ${operands}` : mnemonic;
  }

  /** Made from the word on first use (a Uint8Array per cached instruction would cost more than the rest). */
  get bytes(): Uint8Array {
    const w = this.word;
    return (this.cachedBytes ??= Uint8Array.of(w & 0xff, (w >>> 8) & 0xff, (w >>> 16) & 0xff, w >>> 24));
  }
}

const BAD_TEMPLATE: Template = {
  bad: true,
  mnemonic: '(bad)',
  operands: '',
  regsRead: NO_REGS,
  regsWritten: NO_REGS,
  groups: internGroups(false, false, false, false, false),
  groupsRelative: internGroups(false, false, false, false, false),
  fixups: NO_REGS,
};

function badInstruction(word: number, address: bigint): Instruction {
  return new DecodedInstruction(address, word, '(bad)', '', NO_REGS, NO_REGS, internGroups(false, false, false, false, false), undefined, true, NO_REGS);
}

// ---------------------------------------------------------------------------------------------------------
// Loading

let loading: Promise<Disassembler> | undefined;

/** Loads the Capstone WASM module once (memoised) and returns the shared disassembler. */
export function loadDisassembler(): Promise<Disassembler> {
  loading ??= (async () => {
    // CommonJS package without type declarations: load it through require (works under tsx and plain node).
    const require = createRequire(import.meta.url);
    const factory = require('@alexaltea/capstone-js') as () => Promise<CapstoneModule>;
    return new CapstoneDisassembler(await factory());
  })();
  loading.catch(() => {
    loading = undefined; // let a later call retry
  });
  return loading;
}
