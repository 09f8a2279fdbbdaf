// A digest of the complete emulated state at an instruction count: every mapped region (bounds, protection,
// bytes), every live thread's registers, and the emulated Windows' own state (handles, threads, waits, the
// scheduler, the virtual clock, heaps...). Execution is deterministic, so two runs of the same program with the
// same options that reached the same count must have the same digest, traced or not; a parallel recording
// checks this where one worker takes over from another, and a difference is a determinism bug.

import { createHash } from 'node:crypto';
import type { Engine } from './engine/engine.ts';
import type { ThreadRegisters } from '../trace/schema.ts';

const CHUNK = 0x100000;

/** The three parts separately, so a mismatch says which one differs. */
export interface StateDigest {
  memory: string;
  threads: string;
  windows: string;
}

export function stateDigest(engine: Engine, threads: readonly ThreadRegisters[], windows: object): StateDigest {
  return { memory: memoryDigest(engine), threads: threadsDigest(threads), windows: objectDigest(windows, engine) };
}

/** The parts that differ, by name; empty when the states are the same. */
export function digestDifference(a: StateDigest, b: StateDigest): string[] {
  return (['memory', 'threads', 'windows'] as const).filter((k) => a[k] !== b[k]);
}

function memoryDigest(engine: Engine): string {
  const h = createHash('sha256');
  for (const r of engine.regions()) {
    h.update(`${r.begin}-${r.end}:${r.prot};`);
    for (let at = r.begin; at < r.end; at += BigInt(CHUNK)) {
      const n = r.end - at < BigInt(CHUNK) ? Number(r.end - at) : CHUNK;
      h.update(engine.read(at, n));
    }
  }
  return h.digest('hex');
}

function threadsDigest(threads: readonly ThreadRegisters[]): string {
  const h = createHash('sha256');
  for (const t of threads) {
    h.update(`${t.tid}:${t.teb}:${t.stackBase}:${t.stackLimit};`);
    h.update(t.regs);
  }
  return h.digest('hex');
}

/**
 * The emulated Windows' objects, walked in property and insertion order. Left out: functions (observers, output
 * callbacks), the engine (its memory and registers are digested above), and saved register contexts (native
 * buffers whose registers are the threads' part); objects met again are named by their first visit, so shared
 * objects and cycles are part of the state too.
 */
function objectDigest(root: object, engine: Engine): string {
  const h = createHash('sha256');
  const seen = new Map<object, number>();
  const walk = (v: unknown): void => {
    switch (typeof v) {
      case 'function':
      case 'undefined':
      case 'symbol':
        h.update('u;');
        return;
      case 'bigint':
        h.update(`n${v};`);
        return;
      case 'number':
      case 'boolean':
        h.update(`${typeof v === "number" ? "d" : "t"}${String(v)};`);
        return;
      case 'string':
        h.update(`s${v.length}:${v};`);
        return;
    }
    if (v === null) {
      h.update('z;');
      return;
    }
    const o = v as object;
    if (o === engine || isEngineContext(o)) {
      h.update('x;');
      return;
    }
    const id = seen.get(o);
    if (id !== undefined) {
      h.update(`r${id};`);
      return;
    }
    seen.set(o, seen.size);
    if (ArrayBuffer.isView(o)) {
      h.update(`b${o.byteLength}:`);
      h.update(new Uint8Array(o.buffer, o.byteOffset, o.byteLength));
      return;
    }
    if (o instanceof Map) {
      h.update(`m${o.size}{`);
      for (const [k, x] of o) {
        walk(k);
        walk(x);
      }
      h.update('}');
      return;
    }
    if (o instanceof Set) {
      h.update(`e${o.size}{`);
      for (const x of o) walk(x);
      h.update('}');
      return;
    }
    if (Array.isArray(o)) {
      h.update(`a${o.length}[`);
      for (const x of o) walk(x);
      h.update(']');
      return;
    }
    if (o instanceof WeakMap || o instanceof WeakSet || o instanceof WeakRef) {
      // Caches keyed by object identity: what they hold is derived from the state walked elsewhere.
      h.update('w;');
      return;
    }
    h.update(`o${o.constructor?.name ?? ''}{`);
    for (const k of Object.keys(o)) {
      h.update(`${k}=`);
      walk((o as Record<string, unknown>)[k]);
    }
    h.update('}');
  };
  walk(root);
  return h.digest('hex');
}

function isEngineContext(o: object): boolean {
  return 'engine' in o && typeof (o as { free?: unknown }).free === 'function' && Object.keys(o).includes('engine');
}

