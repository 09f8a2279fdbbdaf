// Records every fixture built by the chosen Go releases twice, with `--jobs 1` and with `--jobs 2`, as a user
// would (the installed command, each recording its own process), and compares the two files byte for byte:
// issue 16's acceptance that a parallel recording is the recording. Small shares (default 4 segments) make every
// fixture change workers many times, so each take-over's state digest is exercised. Prints one line per cell with
// both wall times and the load, and exits 1 when any pair differs or any recording fails.
// Runaway fixtures (spin, deadlock) are left out: they never end by themselves.
//
// Usage: node --import tsx scripts/jobs-matrix.ts [--go 1.19,1.27] [--only name,name] [--share N]

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { fixtureExe, fixtureGoReleases, fixtureNames, ROOT } from '../tests/helpers/fixtures.ts';
import { WINTRACE_BIN } from '../tests/helpers/bin.ts';

const argv = yargs(hideBin(process.argv))
  .option('go', { type: 'string', describe: 'comma list of Go releases' })
  .option('only', { type: 'string', describe: 'comma list of fixtures' })
  .option('share', { type: 'number', default: 4 * 16384, describe: 'instructions per share of the --jobs 2 recording' })
  .strict()
  .parseSync();

const list = (s: string | undefined) => s?.split(',').map((x) => x.trim().replace(/^go/, '')).filter(Boolean);
const releases = list(argv.go) ?? fixtureGoReleases();
const names = (list(argv.only) ?? fixtureNames()).filter((n) => !existsSync(join(ROOT, 'fixtures', 'go', n, 'runaway')));
const dir = mkdtempSync(join(tmpdir(), 'wintrace-jobs-matrix-'));

function record(exe: string, out: string, jobs: string[]): { status: number | null; err: string; seconds: number } {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [WINTRACE_BIN, 'record', exe, '-o', out, '-q', ...jobs], { encoding: 'utf8', maxBuffer: 1 << 28 });
  return { status: r.status, err: r.stderr.trim().split('\n').pop() ?? '', seconds: (performance.now() - t0) / 1000 };
}

let same = 0;
let cells = 0;
try {
  for (const release of releases) {
    for (const name of names) {
      cells++;
      const exe = fixtureExe(name, release);
      const one = join(dir, 'one.mp');
      const two = join(dir, 'two.mp');
      const a = record(exe, one, ['--jobs', '1']);
      const b = record(exe, two, ['--jobs', '2', '--jobs-share', String(argv.share)]);
      let verdict: string;
      if (!existsSync(one) || !existsSync(two)) verdict = `record failed: --jobs 1 exit ${a.status} ${a.err} / --jobs 2 exit ${b.status} ${b.err}`;
      else {
        const x = readFileSync(one);
        const y = readFileSync(two);
        const at = x.findIndex((v, i) => v !== y[i]);
        if (at < 0 && x.length === y.length) {
          same++;
          verdict = `identical, ${x.length} bytes`;
        } else verdict = `DIFFER at byte ${at < 0 ? Math.min(x.length, y.length) : at} (${x.length} and ${y.length} bytes)`;
      }
      console.log(`go${release} ${name.padEnd(20)} jobs1 ${a.seconds.toFixed(1).padStart(6)} s  jobs2 ${b.seconds.toFixed(1).padStart(6)} s  load ${loadavg()[0]!.toFixed(1)}  ${verdict}`);
      rmSync(one, { force: true });
      rmSync(two, { force: true });
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
console.log(`${same} of ${cells} cells: --jobs 2 is byte for byte --jobs 1`);
process.exitCode = same === cells ? 0 : 1;
