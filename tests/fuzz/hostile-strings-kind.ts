// The "hostile-strings" fuzz kind: every string a guest or a file controls, filled with what a terminal obeys or
// what disguises text (hostile-text.ts), in a trace (hostile-trace.ts) stored under a hostile file name, read
// through every text view a user has (hostile-views.ts): the verbs' own handlers in-process, the TUI's first frame
// in one case in ten, and the installed command in a subprocess in one case in fifty. Each view's output must be
// inert (no raw control character but LF), have as many lines as the same view of the trace's benign twin (no
// line forged), exit as the twin does, and its --json must parse back to the exact strings the reader decoded,
// which are the strings written wherever those were well-formed. Anything but wintrace's one-line errors fails.

import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { WintraceError } from '../../src/errors.ts';
import { Replay } from '../../src/replayer/replay.ts';
import { escapeControl } from '../../src/text/terminal.ts';
import type { TraceEvent } from '../../src/trace/schema.ts';
import { startTui } from '../helpers/tui-app.ts';
import { HostileText, RAW, rawByteAt } from './hostile-text.ts';
import { benignStrings, hostileStrings, type TraceStrings, traceShape, writeTrace } from './hostile-trace.ts';
import { TRACE, type View, viewName, VIEWS } from './hostile-views.ts';
import type { CheckResult, FuzzKind, SeedInput } from './kind.ts';
import { Rng } from './rng.ts';
import { scratchDir } from './scratch.ts';
import type { VerbResult } from './verb-run.ts';
import { WINTRACE_BIN } from '../helpers/bin.ts';

const WORK = scratchDir('wintrace-fuzz-hostile');
let serial = 0;

/** A short, inert excerpt of text around `at`, for a failure message. */
function around(text: string, at: number): string {
  return JSON.stringify(text.slice(Math.max(0, at - 40), at + 40));
}

const lineCount = (text: string) => text.split('\n').length;

function assertInert(what: string, text: string): void {
  const m = RAW.exec(text);
  if (m) throw new Error(`${what}: raw U+${m[0].charCodeAt(0).toString(16).padStart(4, '0')} at line ${lineCount(text.slice(0, m.index))}: ${around(text, m.index)}`);
}

/** A string written as it was is read back exactly (one with a lone surrogate or invalid UTF-8 cannot be). */
const WELL_FORMED = (s: string) => !/[\ud800-\udfff]/.test(s.replace(/[\ud800-\udbff][\udc00-\udfff]/g, ''));

function sameString(what: string, got: unknown, want: string): void {
  if (got !== want) throw new Error(`${what}: ${JSON.stringify(String(got).slice(0, 80))} where ${JSON.stringify(want.slice(0, 80))} was written`);
}

/** The reader gives back every well-formed string exactly as written. */
function checkDecoded(replay: Replay, s: TraceStrings, swaps: ReadonlyMap<string, Uint8Array>): void {
  const exact = (v: string) => WELL_FORMED(v) && ![...swaps.keys()].some((p) => v.includes(p));
  const h = replay.trace.header;
  if (exact(s.program)) sameString('header program name', h.program.name, s.program);
  if (exact(s.commandLine)) sameString('header command line', h.commandLine, s.commandLine);
  s.symbols.forEach((name, i) => {
    if (exact(name)) sameString(`symbol ${i}`, h.symbols[i]?.name, name);
  });
  for (const { event } of replay.trace.events()) {
    if (event.kind === 'api-call' && event.api === s.api) {
      event.args.forEach((a, i) => {
        const w = s.apiArgs[i];
        if (typeof w === 'string' && exact(w)) sameString(`argument ${i} of ${s.api.slice(0, 20)}`, a, w);
      });
    }
    if (event.kind === 'process-exit' && exact(s.exitReason)) sameString('exit reason', event.reason, s.exitReason);
  }
}

/** The string leaves of an event, by path (bigints are written as hex strings in JSON, so only strings compare). */
function stringLeaves(v: unknown, path: string, out: Map<string, string>): Map<string, string> {
  if (typeof v === 'string') out.set(path, v);
  else if (Array.isArray(v)) v.forEach((x, i) => stringLeaves(x, `${path}[${i}]`, out));
  else if (v !== null && typeof v === 'object' && !(v instanceof Uint8Array)) {
    for (const [k, x] of Object.entries(v)) if (k !== 'regs') stringLeaves(x, `${path}.${k}`, out);
  }
  return out;
}

/** --json parses, and gives back exactly the strings the trace holds. */
function checkJson(v: View, r: VerbResult, replay: Replay, path: string): void {
  const name = viewName(v);
  if (r.code !== 0 && r.code !== 1) return;
  if (v.json === 'lines') {
    const events: TraceEvent[] = [...replay.trace.events()].map((e) => e.event);
    const lines = r.out === '' ? [] : r.out.replace(/\n$/, '').split('\n');
    if (lines.length !== events.length) throw new Error(`${name}: ${lines.length} lines for ${events.length} events`);
    lines.forEach((l, i) => {
      const got = stringLeaves(JSON.parse(l), '', new Map());
      for (const [p, want] of stringLeaves(events[i], '', new Map())) sameString(`${name} event ${i}${p}`, got.get(p), want);
    });
    return;
  }
  const doc = JSON.parse(r.out) as Record<string, unknown>;
  if (v.argv[0] === 'check') sameString(`${name} trace`, doc.trace, path);
  if (v.argv[0] === 'episodes') {
    const want = stringLeaves(JSON.parse(JSON.stringify(replay.episodes())), '', new Map());
    const got = stringLeaves(doc, '', new Map());
    for (const [p, w] of want) sameString(`${name}${p}`, got.get(p), w);
  }
}

/** One view of the hostile trace against the same view of its twin. */
function compare(v: View, h: VerbResult, b: VerbResult): void {
  const name = viewName(v);
  assertInert(`${name} stdout`, h.out);
  assertInert(`${name} stderr`, h.err);
  if (h.code !== b.code) throw new Error(`${name}: exit ${h.code} where the benign twin exits ${b.code}: ${h.err.slice(0, 200)}`);
  if (lineCount(h.out) !== lineCount(b.out)) throw new Error(`${name}: ${lineCount(h.out)} lines where the benign twin prints ${lineCount(b.out)}`);
  if (h.err !== '' && (!h.err.endsWith('\n') || h.err.indexOf('\n') !== h.err.length - 1)) throw new Error(`${name}: stderr is not one line: ${around(h.err, 0)}`);
}

/** The TUI's first frame at position 1, against the twin's. */
async function tuiFrame(hostile: Replay, benign: Replay): Promise<void> {
  const frames: string[] = [];
  for (const r of [hostile, benign]) {
    const tui = await startTui(r, 1, { width: 100, height: 30 });
    frames.push(tui.frame());
    tui.unmount();
  }
  assertInert('tui frame', frames[0]!);
  if (lineCount(frames[0]!) !== lineCount(frames[1]!)) throw new Error(`tui: ${lineCount(frames[0]!)} rows where the benign twin has ${lineCount(frames[1]!)}`);
}

/** The installed command in a subprocess, from a directory outside the checkout: the bytes it writes. */
function installed(v: View, path: string, inProcess: VerbResult): void {
  const argv = v.argv.map((a) => (a === TRACE ? path : a));
  const r = spawnSync(process.execPath, [WINTRACE_BIN, ...argv], { cwd: WORK, timeout: 120_000 });
  const name = `wintrace ${viewName(v)}`;
  if (r.status !== inProcess.code) throw new Error(`${name}: exit ${r.status} ${r.signal ?? ''} where the verb in-process exits ${inProcess.code}: ${r.stderr.toString().slice(0, 300)}`);
  for (const [stream, bytes] of [['stdout', r.stdout], ['stderr', r.stderr]] as const) {
    const at = rawByteAt(bytes);
    if (at >= 0) throw new Error(`${name}: raw byte 0x${bytes[at]!.toString(16)} in ${stream}: ${around(bytes.toString('latin1'), at)}`);
  }
  // The same text the handler printed in-process, as UTF-8 makes it (lone surrogates become U+FFFD); timings aside.
  const norm = (s: string) => Buffer.from(s, 'utf8').toString('utf8').replace(/\d+\.\d\d s\b/g, 'T s');
  if (norm(r.stdout.toString('utf8')) !== norm(inProcess.out)) throw new Error(`${name}: prints other text than the verb in-process`);
}

/** The slower views, drawn first: the TUI in one case in ten, the installed command in one in fifty. */
export function extraViews(rng: Rng): { tui: boolean; command: View | undefined } {
  return { tui: rng.chance(0.1), command: rng.chance(0.02) ? rng.pick(VIEWS) : undefined };
}

export const hostileStringsKind: FuzzKind = {
  name: 'hostile-strings',

  seeds(): SeedInput[] {
    // The bytes only seed the generator: every string and choice derives from their hash.
    const fields = [0, 8, 16, 24].map((offset) => ({ name: `word${offset / 8}`, offset, size: 8 as const }));
    return [{ name: 'strings', bytes: new Uint8Array(64).map((_, i) => i * 37), map: { fields, hot: [[0, 64]] } }];
  },

  async check(bytes): Promise<CheckResult> {
    const digest = createHash('sha256').update(bytes).digest();
    const rng = new Rng(digest.readBigUInt64LE(0));
    const { tui, command } = extraViews(rng);
    const text = new HostileText(rng);
    const shape = traceShape(rng);
    const strings = hostileStrings(text, rng);
    const dir = join(WORK, `c${serial++}`);
    mkdirSync(join(dir, 'h'), { recursive: true });
    const hostile = join(dir, 'h', text.fileName());
    const benign = join(dir, 'benign.mp');
    try {
      writeTrace(hostile, strings, shape, text.swaps);
      writeTrace(benign, benignStrings(strings), shape);
      let hr: Replay;
      try {
        hr = Replay.open(hostile);
      } catch (e) {
        if (!(e instanceof WintraceError)) throw e;
        try {
          Replay.open(benign).close();
        } catch (b) {
          if (b instanceof WintraceError) return { outcome: 'rejected', message: b.message.replace(benign, 'benign.mp') };
          throw b;
        }
        throw new Error(`the hostile strings alone make the trace unreadable: ${e.message}`);
      }
      const br = Replay.open(benign);
      try {
        checkDecoded(hr, strings, text.swaps);
        const results = new Map<View, VerbResult>();
        for (const v of VIEWS) {
          const h = await v.run(hostile);
          compare(v, h, await v.run(benign));
          if (v.json) checkJson(v, h, hr, hostile);
          results.set(v, h);
        }
        const events = results.get(VIEWS.find((v) => viewName(v) === 'events')!)!;
        const api = [...hr.trace.events()].map((e) => e.event).find((e) => e.kind === 'api-call' && e.caller === 0x10014n);
        if (api?.kind === 'api-call' && api.api.length < 4096 && !events.out.includes(escapeControl(api.api))) {
          throw new Error(`events: the API ${JSON.stringify(api.api.slice(0, 60))} is not shown escaped`);
        }
        const extra: string[] = [];
        if (tui) {
          await tuiFrame(hr, br);
          extra.push('tui');
        }
        if (command) {
          installed(command, hostile, results.get(command)!);
          extra.push(`command: ${viewName(command)}`);
        }
        return { outcome: 'loaded', detail: `${VIEWS.length} views inert${extra.length ? `, ${extra.join(', ')}` : ''}` };
      } finally {
        hr.close();
        br.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
