// Benchmark "header": what referencing the program saves. Each fixture (of each Go release asked for) is recorded
// by reference in full, and self-contained up to its first segment (the header is written before the first step,
// so it is the header of a full self-contained recording). Sizes are deterministic: one run whatever --runs says.
//
// Parent: `npm run bench -- header [--fixtures a,b] [--go 1.19,1.27] [--min-instructions N]`.
// Child:  `node --import tsx bench/header-size.ts --one NAME --go RELEASE` prints `BENCH {json}`.

import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { RecordSession } from '../src/recorder/session.ts';
import { FILE_MAGIC, FRAME_HEADER_BYTES, SEGMENT_STEPS } from '../src/trace/schema.ts';
import { fixtureExe, fixtureNames, ROOT } from '../tests/helpers/fixtures.ts';
import type { Benchmark, BenchOptions, BenchResult, Cell } from './run.ts';

const SELF = fileURLToPath(import.meta.url);
const MARK = 'BENCH ';

interface Sizes {
  instructions: number;
  /** The by-reference recording: header frame and whole file. */
  refHeader: number;
  refFile: number;
  /** The self-contained header frame. */
  selfHeader: number;
}

function headerFrameBytes(file: string): number {
  return FRAME_HEADER_BYTES + readFileSync(file).readUInt32LE(FILE_MAGIC.length);
}

function measure(name: string, release: string): Sizes {
  const dir = mkdtempSync(join(tmpdir(), 'wintrace-bench-header-'));
  try {
    const program = fixtureExe(name, release);
    const ref = join(dir, 'ref.mp');
    const s = new RecordSession({ program, output: ref, args: [], env: {} }).run();
    const alone = join(dir, 'alone.mp');
    new RecordSession({ program, output: alone, args: [], env: {}, selfContained: true, maxInstructions: BigInt(SEGMENT_STEPS) }).run();
    return { instructions: Number(s.instructions), refHeader: headerFrameBytes(ref), refFile: statSync(ref).size, selfHeader: headerFrameBytes(alone) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function child(name: string, release: string): Promise<Sizes> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', 'tsx', SELF, '--one', name, '--go', release], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.on('exit', (code) => {
      const line = out.split('\n').find((l) => l.startsWith(MARK));
      if (code !== 0 || !line) reject(new Error(`bench child ${name} (Go ${release}) failed (exit ${code})`));
      else resolve(JSON.parse(line.slice(MARK.length)) as Sizes);
    });
  });
}

const perInsn = (bytes: number, n: number): string => (bytes / n).toFixed(3);

export const headerSize: Benchmark = {
  name: 'header',
  description: 'header bytes and bytes/instruction of every fixture recorded by reference and self-contained',
  async run(opts: BenchOptions): Promise<BenchResult> {
    const known = new Set(['go', 'min-instructions']);
    const extra = Object.keys(opts.params).filter((k) => !known.has(k));
    if (extra.length) throw new Error(`header: unknown parameter --${extra[0]} (known: --go, --min-instructions)`);
    const releases = (opts.params.go ?? '1.19,1.27').split(',');
    const min = Number(opts.params['min-instructions'] ?? 1_000_000);
    const rows: Array<Record<string, Cell>> = [];
    for (const release of releases) {
      for (const name of opts.fixtures ?? fixtureNames()) {
        opts.log(`header: ${name} (Go ${release})`);
        const s = await child(name, release);
        // Each fixture's sizes as they come: a long run stopped early keeps what it measured.
        opts.log(`header: ${name} (Go ${release}): ${JSON.stringify(s)}`);
        if (s.instructions < min) continue;
        // Segments and footer are the same bytes in both (the footer's offsets shift by the header's difference).
        const selfFile = s.refFile - s.refHeader + s.selfHeader;
        rows.push({
          fixture: `${name} (Go ${release})`, instructions: s.instructions,
          refHeader: s.refHeader, selfHeader: s.selfHeader,
          refPerInsn: perInsn(s.refFile, s.instructions), selfPerInsn: perInsn(selfFile, s.instructions),
          headerPerInsn: perInsn(s.selfHeader - s.refHeader, s.instructions),
        });
      }
    }
    return {
      columns: [
        { key: 'fixture', label: 'fixture', format: 'text' },
        { key: 'instructions', label: 'instructions', format: 'int' },
        { key: 'refHeader', label: 'header bytes, by reference', format: 'int' },
        { key: 'selfHeader', label: 'header bytes, self-contained', format: 'int' },
        { key: 'refPerInsn', label: 'bytes/instr, by reference', format: 'text' },
        { key: 'selfPerInsn', label: 'bytes/instr, self-contained', format: 'text' },
        { key: 'headerPerInsn', label: 'saved bytes/instr', format: 'text' },
      ],
      rows,
      notes: [
        `Fixtures of at least ${min} instructions. bytes/instr: the whole file (header included) over the instructions recorded.`,
        'Self-contained: the header of a self-contained recording (written before the first step, so the same as a full one\'s) in place of the by-reference header in the full recording\'s file size; segments and footer are the same bytes but for the footer\'s offsets.',
      ],
    };
  },
};

if (process.argv[1] && pathToFileURL(process.argv[1]).href === import.meta.url) {
  const i = process.argv.indexOf('--one');
  const g = process.argv.indexOf('--go');
  process.stdout.write(`${MARK}${JSON.stringify(measure(process.argv[i + 1]!, process.argv[g + 1]!))}\n`);
}
