// wintrace diff between programs that are not the same file: the demo built by Go 1.19 and by Go 1.27 (compared
// episode by episode: the first divergence is where the two runtimes' dispatch paths part, inside the first
// exception episode), two recordings of one build (still no differences), and hello built twice from sources that
// differ in one string constant (aligned past the relinked code up to the WriteFile of the other string).

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gorootOf } from '../../src/toolchains.ts';
import { wintrace } from '../helpers/cli.ts';
import { FIXTURE_SOURCES, fixtureExe } from '../helpers/fixtures.ts';

const dir = mkdtempSync(join(tmpdir(), 'wintrace-diff-builds-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const pr19 = join(dir, 'pr19.mp');
const pr27 = join(dir, 'pr27.mp');
const pr27b = join(dir, 'pr27b.mp');

before(() => {
  for (const [exe, out] of [[fixtureExe('panic-recover'), pr19], [fixtureExe('panic-recover', '1.27'), pr27], [fixtureExe('panic-recover', '1.27'), pr27b]] as const) {
    assert.equal(wintrace('record', exe, '-o', out, '-q').code, 0);
  }
});

describe('wintrace diff across Go releases', () => {
  test('1.19 against 1.27: the first divergence is inside exception episode 0 of both and names each runtime\'s routine', () => {
    const r = wintrace('diff', pr19, pr27);
    assert.equal(r.code, 1, r.out + r.err);
    const lines = r.out.split('\n');
    assert.match(lines[0]!, /^wintrace diff pr19\.mp \(go1\.19\.\d+\) pr27\.mp \(go1\.27\.\d+\): compared episode by episode/);
    const first = lines.find((l) => l.startsWith('first divergence:'));
    assert.ok(first, r.out);
    const m = /^first divergence: episode:(\d+) exception .* pr19\.mp goes into sigtramp_g0 \(step (\d+)\); pr27\.mp goes into runtime\.sigtrampgo \(step (\d+)\)$/.exec(first);
    assert.ok(m, first);
    for (const [trace, step] of [[pr19, Number(m[2])], [pr27, Number(m[3])]] as const) {
      const episodes = JSON.parse(wintrace('episodes', trace, '--json').out) as Array<{ index: number; kind: string; start: number; end: number }>;
      const e = episodes.find((x) => x.kind === 'exception')!;
      assert.equal(e.index, Number(m[1]));
      assert.ok(step >= e.start && step <= e.end, `${trace}: step ${step} in [${e.start}, ${e.end}]`);
    }
  });

  test('two recordings of one build: no differences, exit 0', () => {
    const r = wintrace('diff', pr27, pr27b);
    assert.equal(r.code, 0, r.out + r.err);
    assert.match(r.out, /^no differences: [\d,]+ steps compared, 7 episodes$/m);
  });
});

describe('wintrace diff across two builds of one program', () => {
  const go = join(gorootOf('1.19'), 'bin', 'go');
  test('one string constant changed: aligned past the relinked code, the divergence is the WriteFile of the other string', { skip: !existsSync(go) && 'no Go 1.19 toolchain' }, () => {
    const exes: string[] = [];
    for (const [name, text] of [['same', 'hello, world'], ['changed', 'hello, wintrace!']] as const) {
      const src = join(dir, name);
      mkdirSync(src);
      writeFileSync(join(src, 'go.mod'), 'module wintrace.dev/fixtures\n\ngo 1.19\n');
      copyFileSync(join(FIXTURE_SOURCES, 'hello', 'main.go'), join(src, 'main.go'));
      writeFileSync(join(src, 'main.go'), readFileSync(join(src, 'main.go'), 'utf8').replace('hello, world', text));
      execFileSync(go, ['build', '-trimpath', '-buildvcs=false', '-ldflags=-buildid=', '-o', 'out.exe', '.'], {
        cwd: src, env: { ...process.env, GOTOOLCHAIN: 'local', GOFLAGS: '', CGO_ENABLED: '0', GOOS: 'windows', GOARCH: 'arm64', GOCACHE: join(dir, 'gocache') },
      });
      const trace = join(dir, `${name}.mp`);
      assert.equal(wintrace('record', join(src, 'out.exe'), '-o', trace, '-q').code, 0);
      exes.push(trace);
    }
    const r = wintrace('diff', exes[0]!, exes[1]!);
    assert.equal(r.code, 1, r.out + r.err);
    const lines = r.out.split('\n');
    assert.match(lines[0]!, /compared line by line by what values mean/);
    const i = lines.findIndex((l) => l.startsWith('first divergence:'));
    assert.ok(i > 0, r.out);
    const minus = lines.slice(i).find((l) => l.startsWith('  - '))!;
    const plus = lines.slice(i).find((l) => l.startsWith('  + '))!;
    // "hello, world\n" is 13 bytes, "hello, wintrace!\n" 17.
    assert.match(minus, /\* kernel32\.dll!WriteFile\(0x8, 0x[0-9a-f]+, 0xd, /);
    assert.match(plus, /\* kernel32\.dll!WriteFile\(0x8, 0x[0-9a-f]+, 0x11, /);
  });
});
