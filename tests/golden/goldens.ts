// Producing and comparing golden traces, shared by the golden tests and `npm run golden:update`: a full
// recording of the fixture locates the window (scenarios.ts), the window is recorded and dumped with the
// command lines traces/README.md lists, and dumps are compared as text, line by line.

import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Violation } from '../../src/replayer/abi/violation.ts';
import { Replay } from '../../src/replayer/replay.ts';
import { wintrace } from '../helpers/cli.ts';
import { ROOT, fixtureExe } from '../helpers/fixtures.ts';
import type { GoldenWindow, Scenario } from './scenarios.ts';

export const TRACES = join(ROOT, 'traces');

export interface GoldenRun {
  readonly window: GoldenWindow;
  /** The window's trace, in the work directory. */
  readonly trace: string;
  readonly dump: string;
  /** The command lines, with paths as traces/README.md gives them. */
  readonly commands: readonly string[];
}

/** Full recordings by program path, made once per work directory. */
const fullRecordings = new Map<string, string>();

function run(args: string[]): string {
  const r = wintrace(...args);
  if (r.code !== 0) throw new Error(`wintrace ${args.join(' ')} exited with ${r.code}: ${r.err.trim().split('\n').at(-1)}`);
  return r.out;
}

/** A full recording of `exe` in `dir` (the program's own exit code does not matter: crash exits 2). */
function fullRecording(exe: string, dir: string, recordArgs: readonly string[]): string {
  const key = `${dir}\0${exe}\0${recordArgs.join(' ')}`;
  const hit = fullRecordings.get(key);
  if (hit) return hit;
  const out = join(dir, `full-${fullRecordings.size}.mp`);
  const r = wintrace('record', exe, '-o', out, '-q', ...recordArgs);
  if (!existsSync(out)) throw new Error(`wintrace record ${exe} wrote no trace (exit ${r.code}): ${r.err.trim().split('\n').at(-1)}`);
  fullRecordings.set(key, out);
  return out;
}

export function locateWindow(scenario: Scenario, exe: string, dir: string): GoldenWindow {
  const replay = Replay.open(fullRecording(exe, dir, scenario.recordArgs ?? []));
  try {
    return scenario.locate(replay);
  } finally {
    replay.close();
  }
}

/** Records and dumps `scenario`'s window of `exe` (the fixture, or a patched copy) into `dir`. */
export function produce(scenario: Scenario, exe: string, dir: string): GoldenRun {
  const window = locateWindow(scenario, exe, dir);
  const trace = join(dir, `${scenario.name}.mp`);
  // Self-contained: a golden travels alone in traces/, and names no path of the checkout that recorded it.
  const record = ['record', exe, '-o', trace, '--start-at', String(window.start), '--stop-at', String(window.stop), '--self-contained', '-q', ...(scenario.recordArgs ?? [])];
  const r = wintrace(...record);
  if (!existsSync(trace)) throw new Error(`wintrace ${record.join(' ')} wrote no trace (exit ${r.code}): ${r.err.trim().split('\n').at(-1)}`);
  const dumpArgs = ['dump', trace, ...window.dumpArgs];
  const dump = run(dumpArgs);
  // The fixture's own path even for a patched copy, as the README lists the command lines.
  const shown = (p: string) => (p === exe ? relative(ROOT, fixtureExe(scenario.fixture, scenario.go)) : p === trace ? `traces/${scenario.name}.mp` : p);
  const commands = [
    ['wintrace', ...record.map(shown)].join(' '),
    `${['wintrace', ...dumpArgs.map(shown)].join(' ')} > traces/${scenario.name}.dump`,
  ];
  return { window, trace, dump, commands };
}

export interface TextDifference {
  /** 1-based line number of the first differing line. */
  readonly line: number;
  readonly expected: string | undefined;
  readonly actual: string | undefined;
  /** The lines before it, equal in both. */
  readonly before: readonly string[];
  /** Lines that differ, counted position by position over the longer text. */
  readonly changedLines: number;
}

export function firstDifference(expected: string, actual: string, context = 6): TextDifference | undefined {
  const e = expected.split('\n');
  const a = actual.split('\n');
  let line = -1;
  let changedLines = 0;
  for (let i = 0; i < Math.max(e.length, a.length); i++) {
    if (e[i] === a[i]) continue;
    changedLines++;
    if (line < 0) line = i;
  }
  if (line < 0) return undefined;
  return { line: line + 1, expected: e[line], actual: a[line], before: e.slice(Math.max(0, line - context), line), changedLines };
}

/** The failure message: the first divergent instruction, what the golden expected, what this run did. */
export function describeDifference(golden: string, d: TextDifference): string {
  const trimmed = (s: string | undefined) => (s === undefined ? '(nothing: the dump ends here)' : s.replace(/\s{2,}/g, '  '));
  return [
    `${relative(ROOT, golden)} line ${d.line}: first divergence${d.expected?.startsWith('0x') ? ` at ${instructionOf(d.expected)}` : ''}`,
    ...d.before.map((l) => `    ${trimmed(l)}`),
    `  - ${trimmed(d.expected)}   (golden)`,
    `  + ${trimmed(d.actual)}   (this run)`,
    `  ${d.changedLines} line${d.changedLines === 1 ? '' : 's'} differ position by position; if the change is intended, run npm run golden:update and review its diff`,
  ].join('\n');
}

/** `symbol+off  instruction` of a step line (`<tid> <location> <instruction> <effects>`). */
function instructionOf(line: string): string {
  const [, location, rest] = /^\S+ (\S+)\s+(.*)$/.exec(line) ?? [];
  if (!location) return line;
  return `${location} (${(rest ?? '').split(/\s{2,}/)[0]})`;
}

export function readGolden(scenario: Scenario): string {
  return readFileSync(join(TRACES, `${scenario.name}.dump`), 'utf8');
}

/** What the committed goldens were made with (traces/goldens.json, written by npm run golden:update). */
export interface ManifestEntry {
  readonly fixture: string;
  readonly start: number;
  readonly stop: number;
  readonly dumpArgs: readonly string[];
  readonly commands: readonly string[];
  readonly steps: number;
  readonly mpBytes: number;
  readonly dumpLines: number;
}

export const MANIFEST = join(TRACES, 'goldens.json');

export function readManifest(): Record<string, ManifestEntry> {
  return existsSync(MANIFEST) ? JSON.parse(readFileSync(MANIFEST, 'utf8')) as Record<string, ManifestEntry> : {};
}

/** An ABI violation a golden may show: `| golden | rule | where | reason |` rows of traces/README.md. */
export interface AllowedViolation {
  readonly golden: string;
  readonly rule: string;
  readonly where: string;
  readonly reason: string;
}

/** The rows of the table under the README's `## Allowed ABI violations` heading. */
export function allowedViolations(readme = readFileSync(join(TRACES, 'README.md'), 'utf8')): AllowedViolation[] {
  const section = readme.split(/^## /m).find((x) => x.startsWith('Allowed ABI violations'));
  if (!section) throw new Error('traces/README.md has no "## Allowed ABI violations" section');
  const rows = section.split('\n').filter((l) => l.trim().startsWith('|')).map((l) => l.split('|').slice(1, -1).map((c) => c.trim().replace(/^`|`$/g, '')));
  return rows.slice(2).filter((r) => r.length === 4 && r[3]).map(([golden, rule, where, reason]) => ({ golden: golden!, rule: rule!, where: where!, reason: reason! }));
}

function violationText(v: Violation): string {
  return `${v.rule} at ${v.symbol}${v.instruction ? ` (${v.instruction})` : ''}, position ${v.position}: ${v.subject} ${v.before} -> ${v.after}; ${v.detail}`;
}

/** The ABI violations of `trace` that traces/README.md does not list for `golden`, one line each. */
export async function unlistedViolations(golden: string, trace: string): Promise<string[]> {
  const allowed = allowedViolations().filter((a) => a.golden === golden);
  const replay = Replay.open(trace);
  try {
    const { violations } = await replay.check();
    // Known findings in Go's own runtime are explained where they are matched (known-findings.ts).
    return violations.filter((v) => !v.known && !allowed.some((a) => a.rule === v.rule && a.where === v.symbol)).map(violationText);
  } finally {
    replay.close();
  }
}

/** Everything wrong with a fresh run of a golden: its dump against the committed one, then its ABI check. */
export async function goldenFailures(scenario: Scenario, run: GoldenRun): Promise<string[]> {
  const failures: string[] = [];
  const golden = join(TRACES, `${scenario.name}.dump`);
  if (!existsSync(golden)) failures.push(`${relative(ROOT, golden)} is missing: run npm run golden:update`);
  else {
    const d = firstDifference(readGolden(scenario), run.dump);
    if (d) failures.push(describeDifference(golden, d));
  }
  const unlisted = await unlistedViolations(scenario.name, run.trace);
  if (unlisted.length) {
    failures.push(`ABI violations in ${scenario.name} that traces/README.md does not list under "Allowed ABI violations":\n${unlisted.map((l) => `  ${l}`).join('\n')}`);
  }
  return failures;
}
