// A digest of the complete emulated state at an instruction count: every mapped region (bounds, protection,
// bytes), every live thread's registers, and the emulated Windows' own state (handles, threads, waits, the
// scheduler, the virtual clock, heaps...). Execution is deterministic, so two runs of the same program with the
// same options that reached the same count must have the same digest, traced or not; a parallel recording
// checks this where one worker takes over from another, and a difference is a determinism bug.

import { createHash } from 'node:crypto';
import type { Engine } from './engine/engine.ts';
import { loadNative } from './engine/native.ts';
import type { ThreadRegisters } from '../trace/schema.ts';

const CHUNK = 0x100000;

/** The three parts separately, so a mismatch says which one differs. */
export interface StateDigest {
  memory: string;
  threads: string;
  windows: string;
}

/**
 * `constants`: objects inside `windows` that never change after the process is loaded (the parsed PE image, 75,000
 * values for a Go program): walked once per process, then named by that walk's digest.
 */
export function stateDigest(engine: Engine, threads: readonly ThreadRegisters[], windows: object, constants: readonly object[] = []): StateDigest {
  return { memory: memoryDigest(engine), threads: threadsDigest(threads), windows: objectDigest(windows, engine, constants) };
}

const constantDigests = new WeakMap<object, string>();

/** The parts that differ, by name; empty when the states are the same. */
export function digestDifference(a: StateDigest, b: StateDigest): string[] {
  return (['memory', 'threads', 'windows'] as const).filter((k) => a[k] !== b[k]);
}

function memoryDigest(engine: Engine): string {
  const h = createHash('sha256');
  // [accumulator, accumulator, pages] of native/digest.c, carried across every host chunk.
  const state = new BigUint64Array(3);
  for (const r of engine.regions()) {
    h.update(`${r.begin}-${r.end}:${r.prot};`);
    // Chunks end on CHUNK boundaries, so none crosses a host block.
    for (let at = r.begin; at < r.end;) {
      const next = (at / BigInt(CHUNK) + 1n) * BigInt(CHUNK);
      const end = next < r.end ? next : r.end;
      const size = Number(end - at);
      const host = engine.hostAddress(at, size);
      if (host !== undefined) digestLib().pages(host, BigInt(size), at, state);
      else h.update(engine.read(at, size));
      at = end;
    }
  }
  h.update(new Uint8Array(state.buffer));
  return h.digest('hex');
}

let lib: { pages(host: bigint, len: bigint, guest: bigint, state: BigUint64Array): number } | undefined;
function digestLib(): NonNullable<typeof lib> {
  lib ??= { pages: loadNative('digest').func('int wt_digest_pages(uint64_t host, uint64_t len, uint64_t guest, _Inout_ uint64_t *state)') };
  return lib;
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
function objectDigest(root: object, engine: Engine, constants: readonly object[] = []): string {
  const h = new BatchedHash();
  const seen = new Map<object, number>();
  const constant = new Set(constants);
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
    if (constant.has(o)) {
      let d = constantDigests.get(o);
      if (d === undefined) constantDigests.set(o, (d = objectDigest(o, engine)));
      h.update(`c${d};`);
      return;
    }
    if (ArrayBuffer.isView(o)) {
      h.update(`b${o.byteLength}:`);
      h.bytes(new Uint8Array(o.buffer, o.byteOffset, o.byteLength));
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

/**
 * sha256 of a walk's many short strings, handed to the hash in large pieces: one update per value made the walk of
 * the emulated Windows cost ~140 ms a digest (compute at 40M instructions), two digests per share of record --jobs.
 */
class BatchedHash {
  private readonly h = createHash('sha256');
  private parts: string[] = [];
  private length = 0;

  update(s: string): void {
    this.parts.push(s);
    this.length += s.length;
    if (this.length > 1 << 16) this.flush();
  }

  bytes(b: Uint8Array): void {
    this.flush();
    this.h.update(b);
  }

  digest(enc: 'hex'): string {
    this.flush();
    return this.h.digest(enc);
  }

  private flush(): void {
    if (this.parts.length === 0) return;
    this.h.update(this.parts.join(''));
    this.parts = [];
    this.length = 0;
  }
}

function isEngineContext(o: object): boolean {
  return 'engine' in o && typeof (o as { free?: unknown }).free === 'function' && Object.keys(o).includes('engine');
}

