// Goroutines at a position, decoded from the Go runtime's own structures in guest memory: which g a thread runs
// (X28 while Go code runs; the TEB slot runtime.tls_g names whenever Go code is not running — a Windows API, the
// first instructions of sigtramp or a callback, before load_g), whether it is its m's g0 or the user goroutine
// (m.curg), the m's id, and the list of every goroutine through runtime.allgs. Field offsets come from
// go-runtimes.ts (GOROUTINE_RUNTIMES), per release.

import { GOROUTINE_RUNTIMES, goRelease, goRuntimeProfile, type GoStructLayout } from './go-runtimes.ts';
import type { Replay } from './replay.ts';
import type { Trace } from './trace.ts';

/** The bit a GC stack scan sets on top of the status (_Gscan in every release). */
const GSCAN = 0x1000;

export interface GoRuntimeView {
  readonly layout: GoStructLayout;
  /** Address of runtime.tls_g: the TEB offset of the slot holding g. */
  readonly tlsG: number | undefined;
  /** Address of runtime.allgs (a slice header: pointer, length, capacity). */
  readonly allgs: number | undefined;
  /** [runtime.text, runtime.etext): where X28 is g, but for the ranges of fromWindows. */
  readonly text: readonly [number, number] | undefined;
  /** [start, end) of the release's gFromTls routines present in the program. */
  readonly fromWindows: ReadonlyArray<readonly [number, number]>;
}

/** What the trace's program needs for goroutines, or the reason it cannot have them (one line for a user). */
export function goRuntimeView(trace: Trace): GoRuntimeView | string {
  const version = trace.header.program.goVersion;
  if (!goRuntimeProfile(trace.symbols, version)) return 'not a Go program this knows (no Go runtime symbols)';
  const release = goRelease(version);
  const known = release === undefined ? undefined : GOROUTINE_RUNTIMES[release];
  if (!known) return `no g/m layout for ${version ?? 'an unknown Go release'} (known: go${Object.keys(GOROUTINE_RUNTIMES).join(', go')})`;
  const s = trace.symbols;
  const text = s.resolve('runtime.text');
  const etext = s.resolve('runtime.etext');
  const fromWindows = known.gFromTls.map((n) => s.range(n)).filter((r): r is [number, number] => r !== undefined);
  return { layout: known.layout, tlsG: s.resolve('runtime.tls_g'), allgs: s.resolve('runtime.allgs'), text: text !== undefined && etext !== undefined ? [text, etext] : undefined, fromWindows };
}

export interface GoroutineAt {
  /** Address of the runtime.g. */
  readonly g: number;
  /** 0 for a g0 (the runtime numbers user goroutines from 1: main is 1). */
  readonly goid: number;
  /** g0: the m's scheduler/system stack g; user: the m's curg; other: neither (a switch in progress). */
  readonly kind: 'g0' | 'user' | 'other';
  readonly m: number;
  readonly mid: number;
  /** The m's curg while on g0: the goroutine the system stack works for (undefined when none). */
  readonly curgGoid: number | undefined;
  /** Where g was found: X28 (Go code) or the TEB's TLS slot. */
  readonly source: 'x28' | 'tls';
}

function num(v: bigint | undefined): number | undefined {
  return v === undefined ? undefined : Number(v);
}

/** Reads the g at `g` as the current goroutine of its m; undefined unless g.m names an m that owns it. */
function asCurrent(replay: Replay, view: GoRuntimeView, position: number, g: number, source: GoroutineAt['source']): GoroutineAt | undefined {
  if (g === 0 || g % 8 !== 0) return undefined;
  const mem = replay.memory;
  const { layout } = view;
  const m = num(mem.u64(position, g + layout.g.m));
  if (!m || m % 8 !== 0) return undefined;
  const g0 = num(mem.u64(position, m + layout.m.g0));
  const curg = num(mem.u64(position, m + layout.m.curg));
  const kind = g === g0 ? 'g0' : g === curg ? 'user' : 'other';
  if (kind === 'other' && g0 === undefined) return undefined;
  const goid = num(mem.u64(position, g + layout.g.goid)) ?? 0;
  const mid = num(mem.u64(position, m + layout.m.id)) ?? -1;
  const curgGoid = kind === 'g0' && curg ? num(mem.u64(position, curg + layout.g.goid)) : undefined;
  return { g, goid, kind, m, mid, curgGoid, source };
}

/** The g in thread `tid`'s TLS slot at a position (0 when not yet set). */
function tlsSlotG(replay: Replay, view: GoRuntimeView, position: number, tid: number): number | undefined {
  if (view.tlsG === undefined) return undefined;
  const teb = replay.trace.tebOf(tid);
  const offset = num(replay.memory.u64(position, view.tlsG));
  if (teb === undefined || !offset) return undefined;
  return num(replay.memory.u64(position, Number(teb) + offset));
}

/**
 * The goroutine thread `tid` (default: the one that runs step `position`) runs at a position: X28 first while
 * its pc is in Go's text (but for the routines Windows enters), the TLS slot first elsewhere, each accepted only
 * if its g.m owns it. Undefined when
 * neither holds a g (a thread before its first save_g) or the program has no decodable runtime.
 */
export function goroutineAt(replay: Replay, position: number, tid?: number): GoroutineAt | undefined {
  const view = goRuntimeView(replay.trace);
  if (typeof view === 'string') return undefined;
  const trace = replay.trace;
  const p = trace.clamp(position);
  const snap = trace.state(p);
  const t = tid ?? snap.tid;
  const regs = snap.threads.get(t);
  if (!regs) return undefined;
  const pc = Number(regs[32]!);
  const x28 = Number(regs[28]!);
  const inGo = view.text !== undefined && pc >= view.text[0] && pc < view.text[1] && !view.fromWindows.some(([a, b]) => pc >= a && pc < b);
  const fromX28 = () => asCurrent(replay, view, p, x28, 'x28');
  const fromTls = () => {
    const g = tlsSlotG(replay, view, p, t);
    return g === undefined ? undefined : asCurrent(replay, view, p, g, 'tls');
  };
  return inGo ? (fromX28() ?? fromTls()) : (fromTls() ?? fromX28());
}

/** `goroutine 1 (m0)`, `g0 of m2, for goroutine 7`: how a status line or `show` names it. */
export function describeGoroutine(g: GoroutineAt | undefined): string {
  if (!g) return 'no goroutine';
  const m = `m${g.mid}`;
  if (g.kind === 'g0') return `g0 of ${m}${g.curgGoid ? `, for goroutine ${g.curgGoid}` : ''}`;
  return `goroutine ${g.goid} (${m}${g.kind === 'other' ? ', switching' : ''})`;
}

/**
 * The goroutine at a position in a status line's few columns, as the runtime names gs: `g1 m0`, `g0 m0 for g1`;
 * `no g` on a thread without one; '' for a program without decodable goroutines (nothing to show).
 */
export function goroutineLabel(replay: Replay, position: number): string {
  if (typeof goRuntimeView(replay.trace) === 'string') return '';
  const g = goroutineAt(replay, position);
  if (!g) return 'no g';
  if (g.kind === 'g0') return `g0 m${g.mid}${g.curgGoid ? ` for g${g.curgGoid}` : ''}`;
  return `g${g.goid} m${g.mid}`;
}

export interface GoroutineInfo {
  readonly g: number;
  readonly goid: number;
  readonly status: string;
  /** Entry function of the goroutine (runtime.main for goroutine 1). */
  readonly startpc: number;
  /** The `go` statement that created it. */
  readonly gopc: number;
  /** Id of the m running it (status running or syscall), else undefined. */
  readonly mid: number | undefined;
}

/**
 * Every goroutine in runtime.allgs at a position, in allgs order (creation order of the g structures; a dead g is
 * reused by a later `go`, which gives it a new goid). Empty before the runtime's first allgadd.
 */
export function goroutinesAt(replay: Replay, position: number): GoroutineInfo[] | string {
  const view = goRuntimeView(replay.trace);
  if (typeof view === 'string') return view;
  if (view.allgs === undefined) return 'the program has no runtime.allgs symbol';
  const mem = replay.memory;
  const p = replay.trace.clamp(position);
  const header = mem.read(p, view.allgs, 16);
  const hv = new DataView(header.bytes.buffer);
  const base = Number(hv.getBigUint64(0, true));
  const len = Number(hv.getBigUint64(8, true));
  if (!base || !len) return [];
  const list = mem.read(p, base, len * 8);
  const lv = new DataView(list.bytes.buffer);
  const { g: gl, m: ml } = view.layout;
  const out: GoroutineInfo[] = [];
  for (let i = 0; i < len; i++) {
    const g = Number(lv.getBigUint64(i * 8, true));
    if (!g) continue;
    const st = mem.read(p, g + gl.atomicstatus, 4);
    const status = new DataView(st.bytes.buffer).getUint32(0, true) & ~GSCAN;
    const name = view.layout.statuses[status] ?? `status ${status}`;
    const running = status === 2 || status === 3;
    const m = running ? num(mem.u64(p, g + gl.m)) : undefined;
    out.push({
      g,
      goid: num(mem.u64(p, g + gl.goid)) ?? 0,
      status: name,
      startpc: num(mem.u64(p, g + gl.startpc)) ?? 0,
      gopc: num(mem.u64(p, g + gl.gopc)) ?? 0,
      mid: m ? num(mem.u64(p, m + ml.id)) : undefined,
    });
  }
  return out;
}
