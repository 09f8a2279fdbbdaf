// Profiler sample episodes (issue 18), on Go 1.19 and 1.27: each pass of runtime.profileLoop over
// fixtures/go/cpu-profile (run without CPU_PROFILE_TO_STDERR, so its output is the native one): the profiler
// thread wakes from WaitForSingleObject on the profile timer, suspends the thread running main.hotLoop, reads its
// context (profilem → GetThreadContext), records the sample (sigprof) and resumes it. sysmon's preemptions of
// the same thread suspend and read it too but call SetThreadContext: they stay async-preemption episodes.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { normalizeOutput } from '../../scripts/normalize-output.ts';
import { Replay } from '../../src/replayer/replay.ts';
import { wintrace } from '../helpers/cli.ts';
import { expectedOutput, fixtureExe } from '../helpers/fixtures.ts';
import { runProgram } from '../helpers/run-program.ts';

const dir = mkdtempSync(join(tmpdir(), 'wintrace-profiler-episodes-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('profiler sample episodes', () => {
  // Samples follow virtual time (docs/windows-model.md, "The CPU profiler"): 1.19 takes 5, 1.27 takes 6.
  for (const [release, samples] of [['1.19', 5], ['1.27', 6]] as const) {
    test(`go${release} cpu-profile: one episode per profileLoop pass, each sampling main.hotLoop's thread`, () => {
      const expected = expectedOutput('cpu-profile', release);
      const run = runProgram(fixtureExe('cpu-profile', release));
      assert.equal(normalizeOutput(run.output), expected.text);
      assert.equal(run.exitCode, expected.exitCode);

      const trace = join(dir, `cpu-profile-${release}.mp`);
      const rec = wintrace('record', fixtureExe('cpu-profile', release), '-o', trace, '-q');
      assert.equal(rec.code, 0, rec.err);
      const replay = Replay.open(trace);
      try {
        const all = replay.episodes();
        const list = all.filter((e) => e.kind === 'profiler-sample');
        assert.equal(list.length, samples, JSON.stringify(list.map((e) => e.name)));
        const profiler = list[0]!.tid;
        for (const e of list) {
          assert.equal(e.tid, profiler, 'every pass runs on the one profiler thread');
          const target = /^sampled thread (0x[0-9a-f]+) at main\.hotLoop\+0x[0-9a-f]+$/.exec(e.outcome);
          assert.ok(target, e.outcome);
          const t = target[1];
          assert.notEqual(Number(t), profiler);
          assert.deepEqual(e.marks.map((m) => m.label.replace(/\+0x[0-9a-f]+/, '+N')), [
            `profiler thread 0x${profiler.toString(16)} returns from WaitForSingleObject on the profile timer`,
            `suspends thread ${t}`,
            'enters runtime.profilem',
            `GetThreadContext: thread ${t} is at main.hotLoop+N`,
            'enters runtime.sigprof: the sample is recorded',
            `resumes thread ${t}`,
          ], e.name);
          assert.ok(e.marks.every((m, i) => i === 0 || m.position > e.marks[i - 1]!.position), 'marks in trace order');
        }
        // sysmon preempts the hot loop too, through SetThreadContext: never a profiler sample.
        const preemptions = all.filter((e) => e.kind === 'async-preemption');
        assert.ok(preemptions.length >= 1, 'no preemption of the hot loop');
        assert.ok(preemptions.every((p) => !/by thread 0x([0-9a-f]+)$/.exec(p.name) || Number(/by thread (0x[0-9a-f]+)$/.exec(p.name)![1]) !== profiler));
      } finally {
        replay.close();
      }
    });
  }
});
