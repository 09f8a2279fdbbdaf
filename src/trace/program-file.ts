// A trace recorded by reference (the default) leaves out of its header the pages that are the program file's
// bytes (src/recorder/program-pages.ts): opening it finds the program, checks that it is the one recorded, and
// puts those pages back, so that everything after the reader sees the regions a self-contained trace stores.
// Where it looks, in order: `--program FILE` (only there, when given), a file of the recorded name beside the
// trace, the recorded absolute path.

import { createHash } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { ExitCode, WintraceError } from '../errors.ts';
import { readRegularFile } from '../regular-file.ts';
import type { MemoryRegion, TraceHeader } from './schema.ts';

const PAGE = 0x1000;
/** Largest program a reader loads (the recorder's own limit, src/recorder/program.ts). */
const MAX_PROGRAM_BYTES = 512 * 1024 * 1024;
/** Program pages a header may name in all: 4 GiB of image, far above any program. */
const MAX_FILLED_PAGES = 1 << 20;

/** The program a recording by reference needs cannot be found or is not the one recorded: bad input. */
export class ProgramFileError extends WintraceError {
  constructor(readonly trace: string, what: string) {
    super(`${trace}: ${what}`, ExitCode.traceFormat);
  }
}

/** Does any region name pages of the program file? */
export function needsProgram(header: TraceHeader): boolean {
  return header.regions.some((r) => (r.fromProgram?.length ?? 0) > 0);
}

const short = (sha: string): string => `${sha.slice(0, 12)}…`;

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Why `bytes` is not the recorded program, or undefined when it is (same size and sha256). */
function mismatch(header: TraceHeader, bytes: Uint8Array): string | undefined {
  const p = header.program;
  if (bytes.length !== p.size) return `${bytes.length} bytes is not the recorded program's ${p.size}`;
  const sha = sha256(bytes);
  return sha === p.sha256 ? undefined : `sha256 ${short(sha)} is not the recorded program's ${short(p.sha256)}`;
}

/** The recorded program's bytes, found by the rule above; a ProgramFileError naming the trace when it cannot be. */
export function findProgram(tracePath: string, header: TraceHeader, program: string | undefined): Uint8Array {
  const p = header.program;
  if (program !== undefined) {
    const bytes = readRegularFile(program, MAX_PROGRAM_BYTES);
    if ('defect' in bytes) throw new ProgramFileError(tracePath, `--program ${program}: ${bytes.defect}`);
    const wrong = mismatch(header, bytes);
    if (wrong) throw new ProgramFileError(tracePath, `--program ${program}: ${wrong} (${p.name})`);
    return bytes;
  }
  // The recorded name is a file name: a hostile `../x` must not make the reader look outside the trace's directory.
  const beside = join(dirname(tracePath), basename(p.name));
  const tried: string[] = [];
  for (const candidate of p.path !== undefined && p.path !== beside ? [beside, p.path] : [beside]) {
    const bytes = readRegularFile(candidate, MAX_PROGRAM_BYTES);
    if ('defect' in bytes) continue;
    const wrong = mismatch(header, bytes);
    if (!wrong) return bytes;
    tried.push(`${candidate}: ${wrong}`);
  }
  const where = p.path !== undefined ? `neither beside the trace nor at ${p.path}` : 'not beside the trace';
  const differs = tried.length ? ` (${tried.join('; ')})` : '';
  throw new ProgramFileError(tracePath,
    `the program it recorded, ${p.name} (sha256 ${short(p.sha256)}), is ${where}${differs}: pass --program FILE or record with --self-contained`);
}

/** Checks one region's runs against the region, its stored pages and the program; what is wrong, or undefined. */
function runsDefect(r: MemoryRegion, programSize: number): string | undefined {
  let end = 0;
  let stored = 0;
  for (const [off, at, n] of r.fromProgram ?? []) {
    if (off % PAGE !== 0) return `run [${off}, ${at}, ${n}] does not start on a page of the region`;
    if (n === 0 || off < end) return `run [${off}, ${at}, ${n}] is empty or overlaps the run before it`;
    end = off + n * PAGE;
    if (end > r.size) return `run [${off}, ${at}, ${n}] runs past the region's ${r.size} bytes`;
    if (at + n * PAGE > programSize) return `run [${off}, ${at}, ${n}] runs past the program's ${programSize} bytes`;
    while (stored < r.pages.length && r.pages[stored]![0] + PAGE <= off) stored++;
    if (stored < r.pages.length && r.pages[stored]![0] < end) return `run [${off}, ${at}, ${n}] overlaps a stored page at ${r.pages[stored]![0]}`;
  }
  return undefined;
}

/**
 * The header with every region's `fromProgram` runs turned into stored pages read from `program` (already checked
 * against the recorded size and sha256). A run that does not fit its region or the file is a format error: `fail`.
 */
export function fillProgramPages(header: TraceHeader, program: Uint8Array, fail: (what: string) => never): TraceHeader {
  let filled = 0;
  const regions = header.regions.map((r, i) => {
    if (!r.fromProgram?.length) return r;
    const defect = runsDefect(r, program.length);
    if (defect) fail(`header: regions[${i}].fromProgram: ${defect}`);
    // Runs may name the same file pages again and again: bound what a hostile header makes the reader hold.
    filled += r.fromProgram.reduce((n, run) => n + run[2], 0);
    if (filled > MAX_FILLED_PAGES) fail(`header: regions[${i}].fromProgram: more than ${MAX_FILLED_PAGES} program pages in all`);
    const pages: MemoryRegion['pages'] = [...r.pages];
    for (const [off, at, n] of r.fromProgram) {
      for (let k = 0; k < n; k++) pages.push([off + k * PAGE, program.subarray(at + k * PAGE, at + (k + 1) * PAGE)]);
    }
    pages.sort((a, b) => a[0] - b[0]);
    const { fromProgram: _runs, ...rest } = r;
    return { ...rest, pages };
  });
  return { ...header, regions };
}
