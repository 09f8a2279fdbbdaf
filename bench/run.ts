// Benchmark runner (`npm run bench`): runs the registered benchmarks in order and prints one table per benchmark.
//
//   npm run bench [-- NAME...] [--runs N] [--json FILE] [--fixtures a,b] [--markdown] [--PARAM VALUE...]
//
// A benchmark is a module exporting `{ name, description, run(opts) }`; register it in BENCHMARKS below. It
// returns rows whose measured cells hold one sample per run (number[]); the runner reports their median and the
// min–max range. Cells that are equal in every run (instruction counts, which are deterministic) print once.

import { readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { pathToFileURL } from 'node:url';
import { headerSize } from './header-size.ts';
import { replay } from './replay.ts';
import { traced } from './traced.ts';
import { tui } from './tui.ts';
import { untraced } from './untraced.ts';

export interface BenchOptions {
  /** Repetitions of each measurement (the report gives the median, min and max). */
  runs: number;
  /** Restrict fixture-based benchmarks to these fixtures (default: all). */
  fixtures?: string[];
  /** Benchmark-specific `--key value` flags, e.g. `--quantum 10000`. */
  params: Readonly<Record<string, string>>;
  /** Progress lines (stderr). */
  log(message: string): void;
}

export type Format = 'int' | 'ms' | 's' | 'rate' | 'mib' | 'text' | 'pct' | 'x';

export interface Column {
  key: string;
  label: string;
  format: Format;
}

/** A measured value: one sample per run. A plain number or string is a single value. */
export type Cell = string | number | number[];

export interface BenchResult {
  columns: Column[];
  rows: Array<Record<string, Cell>>;
  /** Lines printed under the table (what a column means, caveats). */
  notes?: string[];
}

export interface Benchmark {
  name: string;
  description: string;
  run(opts: BenchOptions): Promise<BenchResult>;
}

/** Registry, in running order. */
export const BENCHMARKS: Benchmark[] = [untraced, traced, headerSize, replay, tui];

// ---- statistics and formatting ------------------------------------------------------------------------------

export interface Stat {
  median: number;
  min: number;
  max: number;
  samples: number[];
}

export function stat(samples: number[]): Stat {
  if (samples.length === 0) return { median: NaN, min: NaN, max: NaN, samples };
  const s = [...samples].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  return { median, min: s[0]!, max: s[s.length - 1]!, samples };
}

function group(n: number, digits = 0): string {
  const [int, frac] = n.toFixed(digits).split('.');
  const withSep = int!.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return frac === undefined ? withSep : `${withSep}.${frac}`;
}

export function formatValue(v: number, f: Format): string {
  if (!Number.isFinite(v)) return '–';
  switch (f) {
    case 'int': return group(v);
    case 'ms': return v >= 100 ? group(v) : v.toFixed(1);
    case 's': return v.toFixed(3);
    case 'rate': return `${(v / 1e6).toFixed(2)}M`;
    case 'mib': return group(v / (1024 * 1024));
    case 'pct': return `${v.toFixed(1)}%`;
    case 'x': return `${v.toFixed(2)}x`;
    case 'text': return String(v);
  }
}

function formatCell(c: Cell | undefined, f: Format): string {
  if (c === undefined) return '';
  if (typeof c === 'string') return c;
  if (typeof c === 'number') return formatValue(c, f);
  const s = stat(c);
  const med = formatValue(s.median, f);
  if (s.min === s.max) return med;
  return `${med} (${formatValue(s.min, f)}–${formatValue(s.max, f)})`;
}

function renderTable(result: BenchResult, markdown: boolean): string {
  const head = result.columns.map((c) => c.label);
  const body = result.rows.map((r) => result.columns.map((c) => formatCell(r[c.key], c.format)));
  const numeric = result.columns.map((c) => c.format !== 'text');
  if (markdown) {
    const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
    return [line(head), line(numeric.map((n) => (n ? '---:' : '---'))), ...body.map(line)].join('\n');
  }
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const pad = (cells: string[]) =>
    cells.map((c, i) => (numeric[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [pad(head), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(pad)].join('\n');
}

// ---- machine description ------------------------------------------------------------------------------------

export interface MachineInfo {
  cpus: number;
  cpuModel: string;
  node: string;
  unicorn: string;
  platform: string;
  /** 1-minute load average when the benchmarks started (other work on the machine skews timings). */
  loadAverage: number;
}

export async function machineInfo(): Promise<MachineInfo> {
  let cpuModel = 'unknown';
  try {
    const info = readFileSync('/proc/cpuinfo', 'utf8');
    cpuModel = /^(?:model name|Model|Hardware)\s*:\s*(.+)$/m.exec(info)?.[1]?.trim() ?? cpuModel;
  } catch {
    // not Linux
  }
  let unicorn = 'unknown';
  try {
    const { UnicornEngine } = await import('../src/recorder/engine/unicorn.ts');
    unicorn = UnicornEngine.version();
  } catch {
    // libunicorn missing: the benchmarks will say so
  }
  return {
    cpus: availableParallelism(),
    cpuModel,
    node: process.version,
    unicorn,
    platform: `${process.platform}/${process.arch}`,
    loadAverage: loadavg()[0]!,
  };
}

// ---- command line -------------------------------------------------------------------------------------------

interface Cli {
  names: string[];
  runs: number;
  json?: string;
  markdown: boolean;
  fixtures?: string[];
  params: Record<string, string>;
}

const USAGE = `usage: npm run bench [-- NAME...] [--runs N] [--json FILE] [--fixtures a,b] [--markdown] [--PARAM VALUE...]
benchmarks:
${BENCHMARKS.map((b) => `  ${b.name.padEnd(12)} ${b.description}`).join('\n')}`;

function parseCli(argv: string[]): Cli {
  const cli: Cli = { names: [], runs: 3, markdown: false, params: {} };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--help' || a === '-h') {
      console.log(USAGE);
      process.exit(0);
    } else if (a === '--runs') {
      cli.runs = Number(value());
      if (!Number.isInteger(cli.runs) || cli.runs < 1) throw new Error('--runs must be a positive integer');
    } else if (a === '--json') cli.json = value();
    else if (a === '--markdown') cli.markdown = true;
    else if (a === '--fixtures') cli.fixtures = value().split(',').filter(Boolean);
    else if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      if (eq > 0) cli.params[a.slice(2, eq)] = a.slice(eq + 1);
      else {
        const next = argv[i + 1];
        cli.params[a.slice(2)] = next === undefined || next.startsWith('--') ? 'true' : value();
      }
    } else cli.names.push(a);
  }
  return cli;
}

async function main(): Promise<number> {
  let cli: Cli;
  try {
    cli = parseCli(process.argv.slice(2));
  } catch (e) {
    console.error(`${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  const unknown = cli.names.filter((n) => !BENCHMARKS.some((b) => b.name === n));
  if (unknown.length > 0) {
    console.error(`unknown benchmark: ${unknown.join(', ')}\n${USAGE}`);
    return 2;
  }
  const selected = cli.names.length === 0 ? BENCHMARKS : BENCHMARKS.filter((b) => cli.names.includes(b.name));
  const machine = await machineInfo();
  const started = new Date();
  console.log(`wintrace benchmarks — ${started.toISOString()}`);
  console.log(`${machine.cpus} CPUs (${machine.cpuModel}), ${machine.platform}, node ${machine.node}, unicorn ${machine.unicorn}`);
  console.log(`runs per measurement: ${cli.runs} (median, with min–max when the runs differ); ` +
    `load average at start: ${machine.loadAverage.toFixed(2)}`);
  const params = Object.entries(cli.params).map(([k, v]) => `--${k} ${v}`).join(' ');
  if (params) console.log(`parameters: ${params}`);
  const results: Array<{ name: string; description: string; seconds: number; result: BenchResult }> = [];
  for (const b of selected) {
    console.log(`\n## ${b.name}: ${b.description}\n`);
    const t0 = performance.now();
    const result = await b.run({
      runs: cli.runs,
      ...(cli.fixtures ? { fixtures: cli.fixtures } : {}),
      params: cli.params,
      log: (m) => process.stderr.write(`  [${b.name}] ${m}\n`),
    });
    const seconds = (performance.now() - t0) / 1000;
    console.log(renderTable(result, cli.markdown));
    for (const n of result.notes ?? []) console.log(`  ${n}`);
    console.log(`  (${seconds.toFixed(1)} s)`);
    results.push({ name: b.name, description: b.description, seconds, result });
  }
  if (cli.json) {
    const out = {
      date: started.toISOString(),
      machine,
      runs: cli.runs,
      params: cli.params,
      benchmarks: results.map((r) => ({
        name: r.name,
        description: r.description,
        seconds: r.seconds,
        columns: r.result.columns,
        rows: r.result.rows.map((row) =>
          Object.fromEntries(Object.entries(row).map(([k, v]) => [k, Array.isArray(v) ? stat(v) : v]))),
        notes: r.result.notes ?? [],
      })),
    };
    writeFileSync(cli.json, `${JSON.stringify(out, null, 2)}\n`);
    console.log(`\nwrote ${cli.json}`);
  }
  console.log(`load average at end: ${loadavg()[0]!.toFixed(2)}`);
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().then((code) => { process.exitCode = code; }, (e: unknown) => {
    console.error(e instanceof Error ? e.stack ?? e.message : e);
    process.exitCode = 1;
  });
}
