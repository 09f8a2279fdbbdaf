// Go's CPU profiler under the emulated Windows (issue 18): pprof.StartCPUProfile starts a thread that waits on a
// periodic waitable timer and samples the other threads through SuspendThread / GetThreadContext / ResumeThread.
// The cpu-profile fixture spends its time in main.hotLoop; its profile, handed to the toolchain's own
// `go tool pprof`, must name that function on top, with samples, and be byte-identical on a second run: the
// timer fires in virtual time, so the samples land at the same instructions every time.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { normalizeOutput } from '../../scripts/normalize-output.ts';
import { installedToolchains } from '../../src/toolchains.ts';
import { wintrace } from '../helpers/cli.ts';
import { expectedOutput, fixtureExe } from '../helpers/fixtures.ts';
import { runProgram } from '../helpers/run-program.ts';

const dir = mkdtempSync(join(tmpdir(), 'wintrace-cpu-profile-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const PROFILE = /-----BEGIN CPU PROFILE-----\n([A-Za-z0-9+/=]*)\n-----END CPU PROFILE-----\n/;
/** pprof.StartCPUProfile's rate: 100 Hz, so every sample stands for 10 ms. */
const SAMPLE_MS = 10;

/** The program's own output and its profile, from a run with CPU_PROFILE_TO_STDERR=1. */
function profiledRun(release: string): { output: string; profile: Buffer; exitCode: number } {
  const r = runProgram(fixtureExe('cpu-profile', release), { env: { CPU_PROFILE_TO_STDERR: '1' } });
  assert.equal(r.end.reason, 'exit', `ended by ${r.end.reason}`);
  const m = PROFILE.exec(r.output);
  assert.ok(m, `no profile between the markers in:\n${r.output.slice(0, 2000)}`);
  return { output: r.output.replace(PROFILE, ''), profile: Buffer.from(m[1]!, 'base64'), exitCode: r.exitCode };
}

function pprofTop(release: string, profile: Buffer): string {
  const tc = installedToolchains().find((t) => t.release === release);
  assert.ok(tc, `Go ${release} is not unpacked: run scripts/toolchains.sh`);
  const file = join(dir, `cpu-${release}.pb.gz`);
  writeFileSync(file, profile);
  const r = spawnSync(join(tc.goroot, 'bin/go'), ['tool', 'pprof', '-top', file], { encoding: 'utf8', env: { ...process.env, HOME: dir } });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

describe('the CPU profiler samples the hot loop in virtual time', () => {
  for (const release of ['1.19', '1.27']) {
    test(`go${release}: go tool pprof -top puts main.hotLoop first; a second run gives the same profile bytes`, () => {
      const first = profiledRun(release);
      const expected = expectedOutput('cpu-profile', release);
      assert.equal(normalizeOutput(first.output), expected.text, 'the lines the native run prints');
      assert.equal(first.exitCode, expected.exitCode);

      const top = pprofTop(release, first.profile);
      const total = /Total samples = (\d+)ms/.exec(top);
      assert.ok(total, top);
      const samples = Number(total[1]) / SAMPLE_MS;
      assert.ok(samples > 0, `no samples:\n${top}`);
      const rows = top.split('\n').filter((l) => /^\s+[\d.]+m?s\s+[\d.]+%/.test(l));
      assert.match(rows[0] ?? '', /\smain\.hotLoop$/, `top function:\n${top}`);

      const second = profiledRun(release);
      assert.ok(second.profile.equals(first.profile), 'the second run\'s profile differs');
    });
  }
});

describe('recording a profiled program', () => {
  test('go1.27 cpu-profile records, and the trace opens: its episodes list, and the profiler thread suspends and reads the main thread', () => {
    const trace = join(dir, 'cpu-profile-1.27.mp');
    const r = wintrace('record', fixtureExe('cpu-profile', '1.27'), '-o', trace, '-q');
    assert.equal(r.code, 0, r.err);
    assert.equal(normalizeOutput(r.out), expectedOutput('cpu-profile', '1.27').text);
    const episodes = wintrace('episodes', trace);
    assert.equal(episodes.code, 0, episodes.err);
    assert.match(episodes.out, /thread-start/);
    const calls = wintrace('events', trace, '--kind', 'api-call').out;
    const suspends = calls.match(/kernel32\.dll!SuspendThread\(/g)?.length ?? 0;
    const contexts = calls.match(/kernel32\.dll!GetThreadContext\(/g)?.length ?? 0;
    assert.ok(suspends > 0 && contexts > 0, `SuspendThread ×${suspends}, GetThreadContext ×${contexts}`);
  });
});
