// Recorded with every pinned Go release, as a user runs it: the trace names the Go version that built the program,
// `episodes` finds the exception dispatch and the thread starts and says which runtime routines the dispatch went
// through (1.19's sigtramp_g0, 1.21+'s sigtrampgo), and `check` finds no violation.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { GO_RUNTIMES } from '../../src/replayer/go-runtimes.ts';
import { installedToolchains } from '../../src/toolchains.ts';
import { wintrace } from '../helpers/cli.ts';
import { fixtureExe, fixtureGoReleases } from '../helpers/fixtures.ts';

const dir = mkdtempSync(join(tmpdir(), 'wintrace-go-versions-'));
after(() => rmSync(dir, { recursive: true, force: true }));

interface EpisodeJson { kind: string; outcome: string; path?: { runtime: string; routines: string[] } }

describe('panic-recover recorded with each Go release', () => {
  for (const release of fixtureGoReleases()) {
    test(`go${release}: version in the trace, dispatch path of its runtime, no ABI violation`, () => {
      const trace = join(dir, `pr-${release}.mp`);
      const rec = wintrace('record', fixtureExe('panic-recover', release), '-o', trace);
      assert.equal(rec.code, 0, rec.err);
      const version = installedToolchains().find((t) => t.release === release)!.version;

      const show = wintrace('show', trace, '--at', '0');
      assert.equal(show.code, 0, show.err);
      assert.match(show.out, new RegExp(`built by ${version.replace(/\./g, '\\.')}\\b`));

      const list = JSON.parse(wintrace('episodes', trace, '--json').out) as EpisodeJson[];
      const profile = GO_RUNTIMES.find((p) => p.releases.includes(release))!;
      const dispatches = list.filter((e) => e.kind === 'exception');
      assert.equal(dispatches.length, 3, 'three recovered nil dereferences');
      for (const d of dispatches) {
        assert.match(d.outcome, /^resumed at (runtime\.)?sigresume /);
        assert.equal(d.path?.runtime, profile.name);
        // Every routine of the runtime's path a handled fault on a Go thread takes ran, in its order, the handler and
        // its first continue handler included: not the no-g routine, and not the last continue pair, which Windows
        // reaches only when nothing before it handled the exception.
        const skipped = new Set([profile.badsignal, 'runtime.lastcontinuetramp', profile.lastContinueHandler]);
        const expected = profile.dispatchPath.filter((r) => !skipped.has(r));
        assert.deepEqual(d.path?.routines.map((r) => r.replace(/^runtime\./, '')), expected.map((r) => r.replace(/^runtime\./, '')));
      }
      assert.ok(list.some((e) => e.kind === 'thread-start' && e.outcome === 'reached the scheduler'), 'a thread start reaches runtime.schedule');

      const check = wintrace('check', trace);
      assert.equal(check.code, 0, `go${release}: ${check.out}${check.err}`);
    });
  }
});
