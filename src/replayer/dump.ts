// A trace as reviewable text, one line per instruction (rr's `dump`, Tenet's text traces): the thread, where it
// was, the instruction, the registers it changed and the memory it wrote; between the instructions, what the
// emulated Windows did (os: registers, os-write: memory) and the recorded events (`*`). When a thread first
// appears its registers are listed once, so every later change reads against a known state. Values go through
// ValueNames (value-names.ts says what is normalised and why). No positions are printed: a dump that gained one
// instruction differs from the old one in one line, not in every line after it. Fields of a step line are
// separated by at least two spaces (instruction text never holds two in a row), so tools can split them.

import type { TraceEvent } from '../trace/schema.ts';
import { SegmentCursor } from './cursor.ts';
import { OP_OS, OP_OS_WRITE, OP_STEP, OP_SWITCH, type DecodedSegment } from './decode.ts';
import { describeEvent, slotName, tidName } from './describe.ts';
import type { DumpSelection } from './dump-selection.ts';
import { isCall } from './insn.ts';
import { PC_SLOT, type RegWords, SP_SLOT, slotNumber, V0_SLOT, V31_SLOT, WORDS_PER_REG } from './regfile.ts';
import type { Replay } from './replay.ts';
import { lineText } from './source-lines.ts';
import { TRACE_REGS } from '../trace/schema.ts';
import { type CanonicalNames, ValueNames } from './value-names.ts';

export type DumpLineKind = 'regs' | 'step' | 'os' | 'event' | 'fold';

export interface DumpLine {
  readonly kind: DumpLineKind;
  /** Steps: the step's index; other lines: the position they happen at. */
  readonly position: number;
  /** undefined for a fold of other threads' steps. */
  readonly tid: number | undefined;
  readonly text: string;
  /** Steps: the instruction's address and word (the word undefined when no memory holds it). */
  readonly pc?: number;
  readonly word?: number;
  /** With DumpOptions.keys: the line as `wintrace diff` matches it across builds (value-names.ts, CanonicalNames). */
  readonly key?: string;
}

export interface DumpOptions {
  /** Fold every call made this many calls below the selection's first step into one line. */
  readonly depth?: number;
  /** Every value in hex: no symbols, clock values shown. */
  readonly raw?: boolean;
  /** Also give every line a key made with these names. */
  readonly keys?: CanonicalNames;
  /** Each instruction's Go source line (`main.go:42`) after its location; off by default so dumps stay comparable. */
  readonly lines?: boolean;
}

const NZCV_SLOT = 33;
/** Column of --lines: `sys_windows_arm64.s:142` fits. */
const LINE_WIDTH = 24;
/** Changed words of a large os-write listed one by one before the rest is summarised by a hash. */
const LISTED_WORDS = 48;

/** Thread state for --depth: calls still open, and a call being folded. */
interface CallTrack {
  readonly open: Array<{ ret: number; sp: number }>;
  fold: { ret: number; sp: number; callee: number; steps: number } | undefined;
}

/** Lines of `sel` in trace order. Load the disassembler first (`await replay.disassembler()`). */
export function* dumpLines(replay: Replay, sel: DumpSelection, opts: DumpOptions = {}): Generator<DumpLine> {
  const trace = replay.trace;
  const names = new ValueNames(trace.symbols, opts.raw);
  const code = new CodeText(replay, names);
  const keys = opts.keys;
  const keyCode = keys ? new CodeText(replay, keys) : undefined;
  const events = trace.eventsBetween(sel.from, sel.to);
  let ev = 0;
  const seen = new Set<number>();
  const skipped = new Set<number>();
  const tracks = new Map<number, CallTrack>();
  const track = (tid: number): CallTrack => {
    let t = tracks.get(tid);
    if (!t) tracks.set(tid, (t = { open: [], fold: undefined }));
    return t;
  };
  const folding = (tid: number) => opts.depth !== undefined && track(tid).fold !== undefined;

  // A line of thread `tid` is about to be printed: first the fold of what was left out before it.
  function* lead(tid: number, position: number): Generator<DumpLine> {
    if (skipped.size === 0) return;
    const text = skipped.has(tid) ? '~ steps outside the selection' : '~ other threads run';
    skipped.clear();
    yield { kind: 'fold', position, tid: undefined, text };
  }

  function* flushEvents(upTo: number): Generator<DumpLine> {
    for (; ev < events.length && events[ev]!.position <= upTo; ev++) {
      const { position, event: e } = events[ev]!;
      if (!eventSelected(sel, e, position) || folding(e.tid)) continue;
      yield* lead(e.tid, position);
      const text = `${tidName(e.tid)} * ${eventText(e, names, replay)}`;
      yield { kind: 'event', position, tid: e.tid, text, ...(keys ? { key: keys.text(`${tidName(e.tid)} * ${eventText(e, keys, replay)}`) } : {}) };
    }
  }

  if (trace.segmentCount > 0) {
    // decoded(), not the borrowing scan(): reading a stub's code from memory, or walking a second trace (diff),
    // decodes other segments in between, which would overwrite borrowed arrays.
    for (let i = trace.segmentOf(sel.from); i < trace.segmentCount; i++) {
      const seg = trace.decoded(i);
      if (seg.firstStep > sel.to) break;
      const cur = new SegmentCursor(seg);
      let stepsDone = 0;
      for (let k = 0; k < seg.opCount; k++) {
        const kind = seg.opKind[k]!;
        const q = seg.firstStep + stepsDone;
        if (q > sel.to) break;
        if (q < sel.from) {
          if (kind === OP_STEP) stepsDone++;
          cur.forward();
          continue;
        }
        yield* flushEvents(q);
        const tid = kind === OP_SWITCH ? seg.opArg[k]! : seg.opTid[k]!;
        if (kind === OP_STEP) stepsDone++;
        if (!sel.includes(tid, q)) {
          if (kind === OP_STEP) skipped.add(tid);
          cur.forward();
          continue;
        }
        if (kind === OP_STEP) {
          yield* stepLine(seg, k, q, tid, cur);
          continue;
        }
        if (folding(tid)) {
          cur.forward();
          continue;
        }
        if (kind === OP_SWITCH) {
          // A thread's first switch-in is its registers line; a later one shows what changed while it was off
          // the CPU (SetThreadContext), if anything did.
          cur.forward();
          const changed = seg.opCh[k] !== seg.opCh[k + 1];
          if (seen.has(tid) && !changed) continue;
          yield* lead(tid, q);
          if (!seen.has(tid)) yield* regsOnce(tid, q, cur.regs);
          else yield { kind: 'os', position: q, tid, text: `${tidName(tid)} switched in ${changesText(seg, k, cur.regs, names, true)}`, ...(keys ? { key: `${tidName(tid)} switched in ${changesText(seg, k, cur.regs, keys, true)}` } : {}) };
          continue;
        }
        yield* lead(tid, q);
        yield* regsOnce(tid, q, cur.regs);
        cur.forward();
        const osText = (n: ValueNames) => (kind === OP_OS_WRITE ? `os-write ${osWriteText(seg, seg.opArg[k]!, n)}` : `os ${changesText(seg, k, cur.regs, n, true)}`);
        yield { kind: 'os', position: q, tid, text: `${tidName(tid)} ${osText(names)}`, ...(keys ? { key: `${tidName(tid)} ${osText(keys)}` } : {}) };
      }
    }
  }
  yield* flushEvents(sel.to);
  for (const [tid, t] of tracks) if (t.fold) yield foldLine(tid, sel.to, t.fold, ' (it has not returned when the dump ends)');
  if (skipped.size > 0) yield { kind: 'fold', position: sel.to, tid: undefined, text: '~ other threads run' };

  function foldLine(tid: number, position: number, f: NonNullable<CallTrack['fold']>, note: string): DumpLine {
    const text = `${tidName(tid)} ~ ${f.steps} step${f.steps === 1 ? '' : 's'} inside the call to ${names.number(f.callee)}${note}`;
    return { kind: 'fold', position, tid, text };
  }

  function* regsOnce(tid: number, position: number, r: RegWords): Generator<DumpLine> {
    if (seen.has(tid)) return;
    seen.add(tid);
    yield { kind: 'regs', position, tid, text: `${tidName(tid)} regs ${registersText(r, names)}`, ...(keys ? { key: `${tidName(tid)} regs ${registersText(r, keys)}` } : {}) };
  }

  function* stepLine(seg: DecodedSegment, k: number, q: number, tid: number, cur: SegmentCursor): Generator<DumpLine> {
    const s = seg.opArg[k]!;
    const pc = seg.stepPc[s]!;
    const sp = slotNumber(cur.regs, SP_SLOT);
    const t = opts.depth !== undefined ? track(tid) : undefined;
    if (t?.fold) {
      const f = t.fold;
      if (pc !== f.ret || sp !== f.sp) {
        f.steps++;
        cur.forward();
        return;
      }
      t.fold = undefined;
      yield* lead(tid, q);
      yield foldLine(tid, q, f, '');
    }
    if (t && t.open.length > 0 && t.open.at(-1)!.ret === pc && t.open.at(-1)!.sp === sp) t.open.pop();
    yield* lead(tid, q);
    yield* regsOnce(tid, q, cur.regs);
    cur.forward();
    const { word, text } = code.at(pc, q);
    const effectsOf = (n: ValueNames) => [changesText(seg, k, cur.regs, n, false), writesText(seg, k, n)].filter((x) => x !== '').join('  ');
    const effects = effectsOf(names);
    let key: string | undefined;
    if (keys) {
      const insn = keys.step(word, replay.code.word(pc - 4), keyCode!.at(pc, q).text, effectsOf(keys));
      key = `${tidName(tid)} ${code.location(pc)}  ${insn}`;
    }
    yield {
      kind: 'step', position: q, tid, pc, ...(word !== undefined ? { word } : {}),
      text: `${tidName(tid)} ${code.location(pc).padEnd(32)}  ${opts.lines ? `${(lineText(trace.sourceLines, pc) ?? '').padEnd(LINE_WIDTH)}  ` : ''}` +
        `${effects ? `${text.padEnd(28)}  ${effects}` : text}`,
      ...(key !== undefined ? { key } : {}),
    };
    if (t && word !== undefined && isCall(word)) {
      if (t.open.length >= opts.depth!) t.fold = { ret: pc + 4, sp, callee: seg.stepNextPc[s]!, steps: 0 };
      else t.open.push({ ret: pc + 4, sp });
    }
  }
}

/** The dump's text lines: a first line naming the program and the selection, the lines, a last line. */
export function* dumpTextLines(replay: Replay, sel: DumpSelection, opts: DumpOptions = {}): Generator<string> {
  yield `# wintrace dump of ${replay.trace.header.program.name}: ${sel.label}${opts.depth !== undefined ? `, calls ${opts.depth} deep folded` : ''}`;
  let steps = 0;
  for (const l of dumpLines(replay, sel, opts)) {
    if (l.kind === 'step') steps++;
    yield l.text;
  }
  // How the recorded run ended, from the footer: a fact of the whole run, whatever window was recorded.
  const s = replay.trace.footer?.summary;
  yield `# ${steps} steps shown; ${s ? `the run ended with exit code ${s.exitCode} (${s.endReason})` : 'the recording stopped early (no footer)'}`;
}

export function dumpText(replay: Replay, sel: DumpSelection, opts: DumpOptions = {}): string {
  return `${[...dumpTextLines(replay, sel, opts)].join('\n')}\n`;
}

function eventSelected(sel: DumpSelection, e: TraceEvent, position: number): boolean {
  if (e.kind === 'thread-created' && sel.concerns?.(e.newTid)) return true;
  if (!sel.includes(e.tid, position)) return false;
  // A switch from a thread left out of the dump is already the fold line before this thread's next line.
  return e.kind !== 'thread-switched' || e.from === undefined || sel.includes(e.from, position);
}

function eventText(e: TraceEvent, names: ValueNames, replay: Replay): string {
  const v = (x: bigint | string) => (typeof x === 'string' ? JSON.stringify(x) : names.bigint(x));
  if (e.kind === 'api-call') return `${e.api}(${e.args.map(v).join(', ')}) from ${replay.trace.symbols.format(Number(e.caller) - 4)}`;
  if (e.kind === 'api-return') return `${e.api} returned ${v(e.value)}${e.lastError ? `, LastError ${e.lastError}` : ''}`;
  return describeEvent(e, replay.trace.symbols);
}

/** Instruction words and their text by address, with the symbolised location. */
class CodeText {
  private readonly cache = new Map<number | string, { word: number | undefined; text: string }>();
  private readonly locations = new Map<number, string>();

  constructor(private readonly replay: Replay, private readonly names: ValueNames) {}

  /** Where an instruction is: symbolic even with --raw, which is about values. */
  location(pc: number): string {
    let l = this.locations.get(pc);
    if (l === undefined) this.locations.set(pc, (l = this.replay.trace.symbols.format(pc)));
    return l;
  }

  /**
   * The word at pc as it was at `position` (Replay.codeWord: code the program rewrote, stubs placed during the run),
   * and its text; cached by pc where the run never wrote the page, else by pc and word.
   */
  at(pc: number, position: number): { word: number | undefined; text: string } {
    const fixed = !this.replay.code.writtenDuringRun(pc);
    const hit = fixed ? this.cache.get(pc) : undefined;
    if (hit) return hit;
    const word = this.replay.codeWord(pc, position);
    const key = fixed ? pc : `${pc}:${word}`;
    const seen = fixed ? undefined : this.cache.get(key);
    if (seen) return seen;
    const d = this.replay.loadedDisassembler;
    let text = '??';
    if (word !== undefined) {
      const b = new Uint8Array(4);
      new DataView(b.buffer).setUint32(0, word, true);
      text = d ? this.names.instruction(d.disassemble(b, BigInt(pc))?.text ?? '??') : `.word 0x${word.toString(16).padStart(8, '0')}`;
    }
    const out = { word, text };
    this.cache.set(key, out);
    return out;
  }
}

function regText(r: RegWords, slot: number, names: ValueNames): string {
  const k = slot * WORDS_PER_REG;
  if (slot >= V0_SLOT && slot <= V31_SLOT) {
    const v = (BigInt(r[k + 3]!) << 96n) | (BigInt(r[k + 2]!) << 64n) | (BigInt(r[k + 1]!) << 32n) | BigInt(r[k]!);
    return `0x${v.toString(16)}`;
  }
  if (slot === NZCV_SLOT || slot > V31_SLOT) return `0x${slotNumber(r, slot).toString(16)}`;
  return names.words(r[k]!, r[k + 1]!);
}

/** Every register that is not zero (pc included): the state later lines change. */
function registersText(r: RegWords, names: ValueNames): string {
  const out: string[] = [];
  for (let slot = 0; slot < TRACE_REGS; slot++) {
    const k = slot * WORDS_PER_REG;
    if ((r[k]! | r[k + 1]! | r[k + 2]! | r[k + 3]!) === 0) continue;
    out.push(`${slotName(slot)}=${regText(r, slot, names)}`);
  }
  return out.length ? out.join(' ') : '(all zero)';
}

/** The registers op k changed, with their new values in `after` (a step's pc is the next line). */
function changesText(seg: DecodedSegment, k: number, after: RegWords, names: ValueNames, withPc: boolean): string {
  const done = new Set<number>();
  const out: string[] = [];
  for (let c = seg.opCh[k]!; c < seg.opCh[k + 1]!; c++) {
    const slot = seg.chReg[c]!;
    if (done.has(slot) || (slot === PC_SLOT && !withPc)) continue;
    done.add(slot);
    out.push(`${slotName(slot)}=${regText(after, slot, names)}`);
  }
  return out.join(' ');
}

function u32(b: Uint8Array, at: number): number {
  return (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0;
}

function word8(b: Uint8Array, at: number, names: ValueNames): string {
  return names.words(u32(b, at), u32(b, at + 4));
}

/** Little-endian bytes as one hex number, zero-padded to the size so the size shows. */
function hexLE(b: Uint8Array, at: number, size: number): string {
  let s = '';
  for (let i = size - 1; i >= 0; i--) s += b[at + i]!.toString(16).padStart(2, '0');
  return `0x${s}`;
}

/** `[addr]=value` for 8 bytes, `[addr]=lo,hi` for 16, `[addr]:n=0x..` for other sizes. */
function storeText(address: number, b: Uint8Array, at: number, size: number, names: ValueNames): string {
  const a = names.number(address);
  if (size === 8) return `[${a}]=${word8(b, at, names)}`;
  if (size === 16) return `[${a}]=${word8(b, at, names)},${word8(b, at + 8, names)}`;
  return `[${a}]:${size}=${hexLE(b, at, size)}`;
}

function writesText(seg: DecodedSegment, k: number, names: ValueNames): string {
  const out: string[] = [];
  for (let w = seg.opWr[k]!; w < seg.opWr[k + 1]!; w++) {
    const size = seg.wrSize[w]!;
    out.push(storeText(seg.wrAddr[w]!, seg.data, seg.wrNew[w]!, size, names));
  }
  return out.join(' ');
}

/** An os-write: small ones like a store; large ones (an exception frame, an API's buffer) as the words they changed. */
function osWriteText(seg: DecodedSegment, w: number, names: ValueNames): string {
  const address = seg.wrAddr[w]!;
  const size = seg.wrSize[w]!;
  const old = seg.wrData[w]!;
  const now = seg.wrNew[w]!;
  const b = seg.data;
  if (names.isClock(address, size)) return `[${names.number(address)}] ${size} bytes: clock`;
  if (size <= 16) return storeText(address, b, now, size, names);
  const listed: string[] = [];
  let more = 0;
  let hash = 0x811c9dc5;
  for (let off = 0; off < size; off += 8) {
    const n = Math.min(8, size - off);
    let same = true;
    for (let i = 0; i < n; i++) if (b[old + off + i] !== b[now + off + i]) same = false;
    if (same) continue;
    const text = n === 8 ? word8(b, now + off, names) : hexLE(b, now + off, n);
    if (listed.length < LISTED_WORDS) listed.push(`+0x${off.toString(16)}=${text}`);
    else {
      more++;
      // FNV-1a over what is not listed, so a change there still changes the line.
      for (const ch of `${off}=${text};`) hash = Math.imul(hash ^ ch.charCodeAt(0), 0x01000193) >>> 0;
    }
  }
  const rest = more ? ` (+${more} more changed words, fnv1a 0x${hash.toString(16).padStart(8, '0')})` : '';
  return `[${names.number(address)}] ${size} bytes: ${listed.length ? listed.join(' ') : 'unchanged'}${rest}`;
}
