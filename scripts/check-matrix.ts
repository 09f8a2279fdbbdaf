// Records every fixture built by the chosen Go releases and checks each trace against the ABI rules, as a user
// would (`wintrace record`, then `wintrace check --json`, each in its own process): the table of violations per
// fixture and release that says whether the checker is quiet on correct programs (issue 15's acceptance); known
// findings in Go's own runtime (src/replayer/abi/known-findings.ts) in a column of their own.
// Runaway fixtures (spin, deadlock) are left out: they never end by themselves.
//
// Usage: node --import tsx scripts/check-matrix.ts [--go 1.19,1.27] [--only name,name] [--keep DIR]
//   --go     releases (default: every pinned one whose fixtures are built)
//   --only   fixtures (default: all)
//   --keep   keep the traces in DIR (default: a temporary directory, removed as each cell is done)

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { fixtureExe, fixtureGoReleases, fixtureNames } from '../tests/helpers/fixtures.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
// The code on disk, as the scripts run it (no build needed).
const BIN = join(ROOT, 'scripts', 'wintrace-src.js');

const argv = yargs(hideBin(process.argv))
  .option('go', { type: 'string', describe: 'comma list of Go releases' })
  .option('only', { type: 'string', describe: 'comma list of fixtures' })
  .option('keep', { type: 'string', describe: 'keep the traces in this directory' })
  .strict()
  .parseSync();

const list = (s: string | undefined) => s?.split(',').map((x) => x.trim().replace(/^go/, '')).filter(Boolean);
const releases = list(argv.go) ?? fixtureGoReleases();
const names = (list(argv.only) ?? fixtureNames()).filter((n) => !existsSync(join(ROOT, 'fixtures', 'go', n, 'runaway')));
const dir = argv.keep ?? mkdtempSync(join(tmpdir(), 'wintrace-check-matrix-'));
mkdirSync(dir, { recursive: true });

interface Cell { release: string; name: string; steps: number; violations: Record<string, number>; known: number; note: string; seconds: number }
const cells: Cell[] = [];

function wintrace(...args: string[]) {
  return spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
}

for (const release of releases) {
  for (const name of names) {
    const t0 = performance.now();
    const trace = join(dir, `${name}-go${release}.mp`);
    const rec = wintrace('record', fixtureExe(name, release), '-o', trace);
    const cell: Cell = { release, name, steps: 0, violations: {}, known: 0, note: '', seconds: 0 };
    if (!existsSync(trace)) {
      cell.note = `record failed (exit ${rec.status}): ${rec.stderr.trim().split('\n').pop()}`;
    } else {
      const chk = wintrace('check', trace, '--json');
      try {
        const r = JSON.parse(chk.stdout) as { steps: number; violations: Array<{ rule: string; symbol: string; subject: string; known?: string }> };
        cell.steps = r.steps;
        // Known findings in Go's own runtime are counted apart, as check counts them.
        cell.known = r.violations.filter((v) => v.known).length;
        for (const v of r.violations.filter((x) => !x.known)) {
          const k = `${v.rule} ${v.symbol} ${v.subject.split(/[ :]/)[0]}`;
          cell.violations[k] = (cell.violations[k] ?? 0) + 1;
        }
      } catch {
        cell.note = `check failed (exit ${chk.status}): ${chk.stderr.trim().split('\n').pop()}`;
      }
      if (rec.status !== 0 && rec.status !== null) cell.note ||= `record exit ${rec.status}`;
      cell.note ||= `${(statSync(trace).size / 2 ** 20).toFixed(0)} MiB`;
      if (argv.keep === undefined) rmSync(trace, { force: true });
    }
    cell.seconds = (performance.now() - t0) / 1000;
    cells.push(cell);
    const count = Object.values(cell.violations).reduce((a, b) => a + b, 0);
    console.log(`go${release} ${name.padEnd(20)} ${String(cell.steps).padStart(11)} steps  ${String(count).padStart(4)} violations  ` +
      `${String(cell.known).padStart(5)} known  ` +
      `${cell.seconds.toFixed(0).padStart(4)} s  load ${loadavg()[0]!.toFixed(1)}  ${cell.note}` +
      (count ? `\n    ${Object.entries(cell.violations).map(([k, n]) => `${k} x${n}`).join('\n    ')}` : ''));
  }
}
if (argv.keep === undefined) rmSync(dir, { recursive: true, force: true });
const clean = cells.filter((c) => !c.note.startsWith('record failed') && !c.note.startsWith('check failed') && Object.keys(c.violations).length === 0).length;
console.log(`${clean} of ${cells.length} cells check clean`);
