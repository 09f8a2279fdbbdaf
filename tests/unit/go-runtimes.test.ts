// Each Go release's builds get the runtime profile of their generation, and that profile's boundary routines are
// in the binary: a renamed or moved routine (asmstdcall into internal/runtime/syscall/windows in 1.26) fails here.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadImage } from '../../src/recorder/program.ts';
import { GO_RUNTIMES, goRelease, goRuntimeProfile } from '../../src/replayer/go-runtimes.ts';
import { Symbols } from '../../src/replayer/symbols.ts';
import { fixtureExe, fixtureGoReleases } from '../helpers/fixtures.ts';

function symbolsOf(path: string): Symbols {
  const img = loadImage(path);
  return new Symbols(img.symbols.map((s) => ({ name: s.name, address: s.address, size: s.size })), []);
}

test('goRelease reads the release from a build-info version', () => {
  assert.equal(goRelease('go1.27.3'), '1.27');
  assert.equal(goRelease('go1.19.8'), '1.19');
  assert.equal(goRelease('go1.22rc1'), '1.22');
  assert.equal(goRelease('devel go1.28-abcdef'), undefined);
  assert.equal(goRelease(undefined), undefined);
});

test('every pinned release has exactly one profile', () => {
  for (const r of fixtureGoReleases()) {
    assert.equal(GO_RUNTIMES.filter((p) => p.releases.includes(r)).length, 1, `go${r}`);
  }
});

describe('each release\'s build has its profile\'s boundary routines', () => {
  for (const release of fixtureGoReleases()) {
    test(`go${release}`, () => {
      const symbols = symbolsOf(fixtureExe('panic-recover', release));
      const byVersion = goRuntimeProfile(symbols, `go${release}.0`)!;
      assert.ok(byVersion.releases.includes(release));
      // Without build info the symbol table alone picks the same generation.
      assert.equal(goRuntimeProfile(symbols)?.name, byVersion.name, `go${release}: profile from symbols alone`);
      for (const name of [byVersion.stdcall, byVersion.callbackTable, byVersion.scheduler, byVersion.threadStart, byVersion.resumeWorkaround, ...byVersion.dispatchPath, ...byVersion.only,
        byVersion.lastContinueHandler, byVersion.lastContinueReport, ...byVersion.gLoadedAt,
        ...(byVersion.badsignal !== undefined ? [byVersion.badsignal] : [])]) {
        assert.notEqual(symbols.resolve(name), undefined, `go${release}: ${name} not in the binary`);
      }
      // The profiler's routines are linked only into a program that can start it.
      const profiling = symbolsOf(fixtureExe('cpu-profile', release));
      for (const name of [byVersion.profileThread, byVersion.sigprof]) {
        assert.notEqual(profiling.resolve(name), undefined, `go${release}: ${name} not in cpu-profile`);
      }
    });
  }
});
