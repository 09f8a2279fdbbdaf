// npm run golden:update [-- NAME...]: re-records the golden traces (tests/golden/scenarios.ts) and writes
// traces/<name>.mp, traces/<name>.dump, traces/goldens.json and the generated part of traces/README.md, then
// prints what changed in each dump (the first divergent line and how many lines differ) and in each .mp's size.
// The one command to run after an intended change of behaviour, or after a change of the trace file's
// encoding (the dumps then stay the same and only the .mp files are rewritten).

import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeDifference, firstDifference, type ManifestEntry, MANIFEST, produce, readManifest, TRACES, unlistedViolations } from '../tests/golden/goldens.ts';
import { SCENARIOS } from '../tests/golden/scenarios.ts';
import { fixtureExe } from '../tests/helpers/fixtures.ts';

const README = join(TRACES, 'README.md');
const BEGIN = '<!-- golden:update writes from here -->';
const END = '<!-- golden:update writes up to here -->';

function kib(n: number): string {
  return n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(2)} MiB` : `${(n / 1024).toFixed(1)} KiB`;
}

/** The README part that lists each golden with its window, command lines and sizes. */
function generated(manifest: Record<string, ManifestEntry>): string {
  const out = [BEGIN, '', '| golden | fixture | window (instructions) | steps | .mp | .dump |', '|---|---|---|---:|---:|---:|'];
  for (const s of SCENARIOS) {
    const m = manifest[s.name];
    if (m) out.push(`| ${s.name} | ${m.fixture} | ${m.start}–${m.stop} | ${m.steps} | ${kib(m.mpBytes)} | ${m.dumpLines} lines |`);
  }
  const total = SCENARIOS.reduce((n, s) => n + (manifest[s.name]?.mpBytes ?? 0), 0);
  out.push('', `The .mp files take ${kib(total)} together.`);
  for (const s of SCENARIOS) {
    const m = manifest[s.name];
    if (!m) continue;
    out.push('', `### ${s.name}`, '', `Shows ${s.shows}.`, '', `Window: ${s.window}.`, '', '```sh', ...m.commands, '```');
  }
  out.push('', END);
  return out.join('\n');
}

async function main(): Promise<void> {
  const asked = process.argv.slice(2);
  const unknown = asked.filter((n) => !SCENARIOS.some((s) => s.name === n));
  if (unknown.length) {
    process.stderr.write(`golden:update: no golden named ${unknown.join(', ')}; the goldens are ${SCENARIOS.map((s) => s.name).join(', ')}\n`);
    process.exit(2);
  }
  const chosen = SCENARIOS.filter((s) => asked.length === 0 || asked.includes(s.name));
  const work = mkdtempSync(join(tmpdir(), 'wintrace-golden-'));
  const manifest = readManifest();
  let changed = 0;
  try {
    for (const s of chosen) {
      const t0 = performance.now();
      const run = produce(s, fixtureExe(s.fixture, s.go), work);
      const mp = join(TRACES, `${s.name}.mp`);
      const dump = join(TRACES, `${s.name}.dump`);
      const oldDump = existsSync(dump) ? readFileSync(dump, 'utf8') : undefined;
      const oldBytes = existsSync(mp) ? statSync(mp).size : undefined;
      copyFileSync(run.trace, mp);
      writeFileSync(dump, run.dump);
      const bytes = statSync(mp).size;
      const d = oldDump === undefined ? undefined : firstDifference(oldDump, run.dump);
      if (oldDump === undefined || d) changed++;
      const what = oldDump === undefined ? 'new' : d ? `DUMP CHANGED\n${describeDifference(dump, d)}` : 'dump unchanged';
      const size = oldBytes === undefined || oldBytes === bytes ? `${kib(bytes)}` : `${kib(oldBytes)} -> ${kib(bytes)}`;
      process.stdout.write(`${s.name}: ${what}; .mp ${size}; ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
      const unlisted = await unlistedViolations(s.name, mp);
      if (unlisted.length) process.stdout.write(`  ABI violations the README does not list (the golden test fails until it does):\n${unlisted.map((l) => `    ${l}`).join('\n')}\n`);
      manifest[s.name] = {
        fixture: s.fixture, start: run.window.start, stop: run.window.stop, dumpArgs: run.window.dumpArgs, commands: run.commands,
        steps: run.window.stop - run.window.start, mpBytes: bytes, dumpLines: run.dump.split('\n').length - 1,
      };
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  writeFileSync(MANIFEST, `${JSON.stringify(manifest, null, 2)}\n`);
  const readme = readFileSync(README, 'utf8');
  const from = readme.indexOf(BEGIN);
  const to = readme.indexOf(END);
  if (from < 0 || to < from) throw new Error(`traces/README.md lacks the markers ${BEGIN} ... ${END}`);
  writeFileSync(README, `${readme.slice(0, from)}${generated(manifest)}${readme.slice(to + END.length)}`);
  process.stdout.write(`${chosen.length} golden${chosen.length === 1 ? '' : 's'} written, ${changed} with a new or changed dump; review with git diff traces/\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`golden:update: ${(e as Error).message}\n`);
  process.exit(1);
});
