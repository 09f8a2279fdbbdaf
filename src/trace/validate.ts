// The shapes of the trace file's frames, as data, and a checker that walks a decoded frame against them. A
// frame whose checksum is right can still hold the wrong things (a file written by a buggy or hostile tool):
// the reader refuses such a frame up front, naming the field, so nothing downstream meets an array that is not
// an array or a register file of the wrong size.

import { BYTE_BLOOM_BYTES, TRACE_REGS, WORD_BLOOM_SIZES } from './schema.ts';

export type Shape =
  | 'u64' // a non-negative bigint below 2^64
  | 'i64' // a signed 64-bit bigint (positions before the detail window are negative)
  | 'uint' // a non-negative safe integer, stored as a plain number (the writer stores counts so)
  | 'int' // a safe integer
  | 'string'
  | 'bytes' // a byte string of any length
  | 'regs' // TRACE_REGS registers of 16 bytes
  | 'page' // one 4096-byte page
  | 'bloom' // a written-words Bloom filter of one of WORD_BLOOM_SIZES
  | 'bloom?' // a Bloom filter, or an empty byte string for none
  | 'bytebloom?' // a byte filter of BYTE_BLOOM_BYTES, or an empty byte string for none
  | 'any'
  | { readonly array: Shape; readonly max?: number }
  | { readonly tuple: readonly Shape[] }
  | { readonly object: Readonly<Record<string, Shape>>; readonly optional?: readonly string[] }
  | { readonly either: readonly Shape[] }
  | { readonly literal: readonly (string | number)[] };

const u64: Shape = 'u64';
const REGFILE_BYTES = TRACE_REGS * 16;
/** Bounds on list lengths; far above any real recording, far below what could exhaust memory. */
const MAX_LIST = 1 << 24;

const eventBase = { step: 'i64', tid: 'uint' } as const;
/** [trace slot, value] pairs of the sentinels an entry filled in (src/trace/sentinels.ts). */
const sentinels: Shape = { array: { tuple: ['uint', u64] }, max: 32 };

/** Every event kind and its fields (docs/trace-format.md, "Events"). */
export const EVENT_SHAPES: Readonly<Record<string, Shape>> = {
  'api-call': { object: { ...eventBase, kind: 'string', api: 'string', args: { array: { either: [u64, 'string'] }, max: 64 }, caller: u64 } },
  'api-return': { object: { ...eventBase, kind: 'string', api: 'string', value: { either: [u64, 'string'] }, lastError: 'uint' } },
  'thread-created': { object: { ...eventBase, kind: 'string', newTid: 'uint', start: u64, parameter: u64, teb: u64, stackBase: u64, stackLimit: u64, regs: 'regs' } },
  'thread-started': { object: { ...eventBase, kind: 'string', pc: u64, regs: 'regs', sentinels }, optional: ['sentinels'] },
  'thread-switched': { object: { ...eventBase, kind: 'string', from: 'any' }, optional: ['from'] },
  'thread-exited': { object: { ...eventBase, kind: 'string', exitCode: 'int', sentinelsLost: sentinels }, optional: ['sentinelsLost'] },
  'exception-raised': { object: { ...eventBase, kind: 'string', code: 'uint', address: u64, information: { array: u64, max: 15 }, context: u64, regs: 'regs' } },
  'handler-called': { object: { ...eventBase, kind: 'string', handler: u64, phase: { literal: ['vectored', 'continue'] }, regs: 'regs', sentinels }, optional: ['sentinels'] },
  'handler-returned': {
    object: { ...eventBase, kind: 'string', handler: u64, phase: { literal: ['vectored', 'continue'] }, result: 'int', regs: 'regs', sentinelsLost: sentinels },
    optional: ['sentinelsLost'],
  },
  'context-resumed': { object: { ...eventBase, kind: 'string', pc: u64, sp: u64, stackLimit: u64, stackBase: u64, regs: 'regs' } },
  'fail-fast': {
    object: { ...eventBase, kind: 'string', code: 'uint', reason: 'string', resume: { object: { sp: u64, pc: u64, stackLimit: u64, stackBase: u64, context: u64 } } },
    optional: ['resume'],
  },
  'memory-mapped': { object: { ...eventBase, kind: 'string', base: u64, size: 'uint', prot: 'string' } },
  'memory-unmapped': { object: { ...eventBase, kind: 'string', base: u64, size: 'uint' } },
  'process-exit': { object: { ...eventBase, kind: 'string', exitCode: 'int', reason: 'string' } },
};

const threadRegisters: Shape = { object: { tid: 'uint', regs: 'regs', teb: u64, stackBase: u64, stackLimit: u64 } };
const regsChanged: Shape = { array: { tuple: ['uint', u64, u64] }, max: MAX_LIST };
const pagesWritten: Shape = { array: 'int', max: MAX_LIST };
const stubs: Shape = { array: { object: { name: 'string', address: u64 } }, max: MAX_LIST };

export const HEADER_SHAPE: Shape = {
  object: {
    formatVersion: 'uint', wintraceVersion: 'string',
    program: { object: { name: 'string', sha256: 'string', size: 'uint', goVersion: 'string', path: 'string' }, optional: ['goVersion', 'path'] },
    commandLine: 'string', options: 'any', segmentSteps: 'uint', firstStep: 'i64',
    symbols: { array: { object: { name: 'string', address: u64, size: 'uint' } }, max: MAX_LIST },
    stubs,
    regions: {
      array: {
        object: {
          base: u64, size: 'uint', prot: 'string', pages: { array: { tuple: ['uint', 'page'] }, max: MAX_LIST },
          fromProgram: { array: { tuple: ['uint', 'uint', 'uint'] }, max: MAX_LIST },
        },
        optional: ['fromProgram'],
      },
      max: MAX_LIST,
    },
    threads: { array: threadRegisters, max: MAX_LIST }, currentTid: 'uint', events: { array: 'any', max: MAX_LIST },
  },
};

export const SEGMENT_SHAPE: Shape = {
  object: {
    index: 'uint', firstStep: 'i64', steps: 'uint',
    keyframe: { object: { currentTid: 'uint', threads: { array: threadRegisters, max: MAX_LIST } } },
    data: 'bytes', events: { array: 'any', max: MAX_LIST }, switches: { array: { tuple: ['uint', 'uint'] }, max: MAX_LIST },
    idx: { object: { regsChanged, pagesWritten } },
  },
};

const footerEntries: Shape = {
  array: {
    object: {
      offset: 'uint', firstStep: 'i64', steps: 'uint', regsChanged, pagesWritten, linesWritten: 'bytes', wordBloom: 'bloom', byteBloom: 'bytebloom?',
      threadSteps: { array: { tuple: ['uint', 'uint'] }, max: MAX_LIST },
      mappings: { array: { tuple: ['i64', u64, 'uint', { literal: [0, 1] }] }, max: MAX_LIST },
      events: 'uint', eventKinds: 'uint', calls: { array: { tuple: ['uint', 'uint', 'uint'] }, max: MAX_LIST },
    },
    optional: ['linesWritten', 'wordBloom', 'byteBloom', 'threadSteps', 'mappings', 'events', 'eventKinds', 'calls'],
  },
  max: MAX_LIST,
};

const footerThread: Shape = {
  object: { tid: 'uint', teb: u64, stackBase: u64, stackLimit: u64, start: u64, createdAt: 'i64', startedAt: 'i64', exitedAt: 'i64', exitCode: 'int' },
  optional: ['createdAt', 'startedAt', 'exitedAt', 'exitCode'],
};

export const FOOTER_SHAPE: Shape = {
  object: {
    segments: footerEntries,
    parts: { array: 'uint', max: MAX_LIST },
    blooms: {
      object: { group: 'uint', parts: { array: 'uint', max: MAX_LIST }, summaries: { array: 'bloom?', max: MAX_LIST }, byteSummaries: { array: 'bytebloom?', max: MAX_LIST } },
      optional: ['byteSummaries'],
    },
    totalSteps: 'i64', stubs,
    threads: { array: footerThread, max: MAX_LIST },
    summary: { object: { instructions: 'i64', threads: 'uint', exceptions: 'uint', apiCalls: 'uint', exitCode: 'int', endReason: 'string' } },
  },
  optional: ['parts', 'blooms', 'threads'],
};

export const FOOTER_PART_SHAPE: Shape = { object: { first: 'uint', segments: footerEntries } };

export const BLOOM_PART_SHAPE: Shape = {
  object: { first: 'uint', blooms: { array: 'bloom?', max: MAX_LIST }, byteBlooms: { array: 'bytebloom?', max: MAX_LIST } },
  optional: ['byteBlooms'],
};

/**
 * Returns undefined when `v` has `shape`, else what is wrong, naming the path (`symbols[3].address: ...`). A
 * fast walk decides; only a value that fails is walked again to name the path (building path strings for
 * every element of a valid frame cost more than reading it).
 */
export function checkShape(v: unknown, shape: Shape): string | undefined {
  return hasShape(v, shape) ? undefined : explain(v, shape, '');
}

type Check = (v: unknown) => boolean;

/** Each leaf shape: its check, and what a value that fails it must be (explain's words). */
const LEAVES: Readonly<Record<string, { check: Check; must: string }>> = {
  any: { check: () => true, must: '' },
  u64: { check: (v) => typeof v === 'bigint' && v >= 0n && v < 1n << 64n, must: 'must be an unsigned 64-bit integer' },
  i64: { check: (v) => typeof v === 'bigint' && v >= -(1n << 63n) && v < 1n << 63n, must: 'must be a 64-bit integer' },
  uint: { check: (v) => Number.isSafeInteger(v) && (v as number) >= 0, must: 'must be a non-negative integer' },
  int: { check: (v) => Number.isSafeInteger(v), must: 'must be an integer' },
  string: { check: (v) => typeof v === 'string', must: 'must be a string' },
  bytes: { check: (v) => v instanceof Uint8Array, must: 'must be a byte string' },
  regs: { check: (v) => v instanceof Uint8Array && v.length === REGFILE_BYTES, must: `must hold ${TRACE_REGS} registers of 16 bytes` },
  page: { check: (v) => v instanceof Uint8Array && v.length === 4096, must: 'must be a 4096-byte page' },
  bloom: { check: (v) => v instanceof Uint8Array && WORD_BLOOM_SIZES.includes(v.length), must: `must be a Bloom filter of ${WORD_BLOOM_SIZES.join(' or ')} bytes` },
  'bloom?': {
    check: (v) => v instanceof Uint8Array && (v.length === 0 || WORD_BLOOM_SIZES.includes(v.length)),
    must: `must be a Bloom filter of ${WORD_BLOOM_SIZES.join(' or ')} bytes, or empty`,
  },
  'bytebloom?': { check: (v) => v instanceof Uint8Array && (v.length === 0 || v.length === BYTE_BLOOM_BYTES), must: `must be a byte filter of ${BYTE_BLOOM_BYTES} bytes, or empty` },
};

const compiled = new WeakMap<object, Check>();

/**
 * The shape as a tree of closures, built once per shape object: walking the shape's data for every element (a
 * string switch and `in` tests per value) took 95 ms of the 170 ms a 22,000-segment footer takes to open.
 */
function checkerOf(shape: Shape): Check {
  if (typeof shape === 'string') return LEAVES[shape]!.check;
  const known = compiled.get(shape);
  if (known) return known;
  let check: Check;
  if ('literal' in shape) {
    const values = shape.literal;
    check = (v) => values.includes(v as string);
  } else if ('either' in shape) {
    const alternatives = shape.either.map(checkerOf);
    check = (v) => alternatives.some((c) => c(v));
  } else if ('array' in shape) {
    const element = checkerOf(shape.array);
    const max = shape.max ?? MAX_LIST;
    check = (v) => {
      if (!Array.isArray(v) || v.length > max) return false;
      for (let i = 0; i < v.length; i++) if (!element(v[i])) return false;
      return true;
    };
  } else if ('tuple' in shape) {
    const parts = shape.tuple.map(checkerOf);
    const n = parts.length;
    check = (v) => {
      if (!Array.isArray(v) || v.length !== n) return false;
      for (let i = 0; i < n; i++) if (!parts[i]!(v[i])) return false;
      return true;
    };
  } else {
    const fields = Object.entries(shape.object).map(([k, s]) => ({ k, check: checkerOf(s), optional: shape.optional?.includes(k) ?? false }));
    check = (v) => {
      if (typeof v !== 'object' || v === null || Array.isArray(v) || v instanceof Uint8Array) return false;
      const o = v as Record<string, unknown>;
      for (const f of fields) {
        const x = o[f.k];
        if (x === undefined) {
          if (f.optional) continue;
          return false;
        }
        if (!f.check(x)) return false;
      }
      return true;
    };
  }
  compiled.set(shape, check);
  return check;
}

function hasShape(v: unknown, shape: Shape): boolean {
  return checkerOf(shape)(v);
}

/** What is wrong with a value that failed hasShape, with its path. */
function explain(v: unknown, shape: Shape, path: string): string | undefined {
  const at = (p: string) => (path ? `${path}${p.startsWith('[') ? '' : '.'}${p}` : p);
  const bad = (what: string) => `${path || 'value'} ${what}`;
  if (typeof shape === 'string') {
    const leaf = LEAVES[shape]!;
    return leaf.check(v) ? undefined : bad(leaf.must);
  }
  if ('literal' in shape) return shape.literal.includes(v as string) ? undefined : bad(`must be one of ${shape.literal.join(', ')}`);
  if ('either' in shape) return shape.either.some((s) => hasShape(v, s)) ? undefined : bad('has the wrong type');
  if ('array' in shape) {
    if (!Array.isArray(v)) return bad('must be a list');
    if (v.length > (shape.max ?? MAX_LIST)) return bad(`has ${v.length} entries (at most ${shape.max ?? MAX_LIST})`);
    for (let i = 0; i < v.length; i++) {
      const e = explain(v[i], shape.array, at(`[${i}]`));
      if (e) return e;
    }
    return undefined;
  }
  if ('tuple' in shape) {
    if (!Array.isArray(v) || v.length !== shape.tuple.length) return bad(`must be a list of ${shape.tuple.length}`);
    for (let i = 0; i < v.length; i++) {
      const e = explain(v[i], shape.tuple[i]!, at(`[${i}]`));
      if (e) return e;
    }
    return undefined;
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v) || v instanceof Uint8Array) return bad('must be a map');
  const o = v as Record<string, unknown>;
  for (const [k, s] of Object.entries(shape.object)) {
    if (!(k in o) || o[k] === undefined) {
      if (shape.optional?.includes(k)) continue;
      return `${at(k)} is missing`;
    }
    const e = explain(o[k], s, at(k));
    if (e) return e;
  }
  return undefined;
}

/** Checks a list of events: each of a known kind, with that kind's fields. */
export function checkEvents(events: readonly unknown[], path: string): string | undefined {
  for (let i = 0; i < events.length; i++) {
    const e = events[i] as { kind?: unknown } | null;
    const p = `${path}[${i}]`;
    const kind = typeof e === 'object' && e !== null ? e.kind : undefined;
    const shape = typeof kind === 'string' ? EVENT_SHAPES[kind] : undefined;
    if (!shape) return `${p}.kind ${typeof kind === 'string' ? `'${kind.slice(0, 40)}' is not an event kind` : 'is missing'}`;
    if (!hasShape(e, shape)) return explain(e, shape, p);
  }
  return undefined;
}

/** Is a sorted page list in increasing order ([-1] alone means "unknown")? */
export function sortedPages(pages: readonly number[]): boolean {
  if (pages.length === 1 && pages[0] === -1) return true;
  for (let i = 0; i < pages.length; i++) if (pages[i]! < 0 || (i > 0 && pages[i]! <= pages[i - 1]!)) return false;
  return true;
}
