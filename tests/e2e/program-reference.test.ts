// A trace recorded by reference (record's default) leaves the program's image out of its header and finds the
// program when opened: `--program FILE`, else beside the trace, else the recorded path, checked by size and
// sha256; `record --self-contained` stores the image and opens alone. Each failure is one line naming the trace.

import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { FILE_MAGIC, FRAME_HEADER_BYTES } from '../../src/trace/schema.ts';
import { wintrace } from '../helpers/cli.ts';
import { fixtureExe } from '../helpers/fixtures.ts';

const work = mkdtempSync(join(tmpdir(), 'wintrace-program-ref-'));
after(() => rmSync(work, { recursive: true, force: true }));

/** Bytes of the header frame, as stored (the first frame after the magic). */
function headerBytes(trace: string): number {
  return FRAME_HEADER_BYTES + readFileSync(trace).readUInt32LE(FILE_MAGIC.length);
}

function ok(...args: string[]): string {
  const r = wintrace(...args);
  assert.equal(r.code, 0, `wintrace ${args.join(' ')} exited ${r.code}: ${r.err}`);
  return r.out;
}

/** A failure: exit 2 and one line on stderr, which is returned. */
function fails(...args: string[]): string {
  const r = wintrace(...args);
  assert.equal(r.code, 2, `wintrace ${args.join(' ')} exited ${r.code}: ${r.out}${r.err}`);
  const lines = r.err.trim().split('\n');
  assert.equal(lines.length, 1, r.err);
  return lines[0]!;
}

describe('a trace that references its program', () => {
  // The program is a copy the tests move about: the fixture stays where it is.
  const progDir = join(work, 'build');
  const prog = join(progDir, 'pr.exe');
  const ref = join(work, 'ref.mp');
  const alone = join(work, 'alone.mp');
  let instructions = 0;

  before(() => {
    mkdirSync(progDir);
    copyFileSync(fixtureExe('panic-recover'), prog);
    const r = wintrace('record', prog, '-o', ref);
    assert.equal(r.code, 0, r.err);
    instructions = Number(/: (\d+) instructions/.exec(r.err)![1]);
    assert.equal(wintrace('record', prog, '--self-contained', '-o', alone, '-q').code, 0);
  });

  test('its header holds the pages that differ from the file only: under 100 KB, against over 1 MB self-contained', (t) => {
    const [byRef, selfContained] = [headerBytes(ref), headerBytes(alone)];
    t.diagnostic(`panic-recover: header ${byRef} bytes by reference, ${selfContained} self-contained; ` +
      `${(statSync(ref).size / instructions).toFixed(2)} against ${(statSync(alone).size / instructions).toFixed(2)} bytes/instruction`);
    assert.ok(byRef < 100_000, `header of ${byRef} bytes`);
    assert.ok(selfContained > 1_000_000, `self-contained header of ${selfContained} bytes`);
  });

  test('show, dump and episodes print the same by reference as self-contained', () => {
    for (const args of [['show', '--at', '50%'], ['dump', '--depth', '1'], ['episodes']]) {
      assert.equal(ok(args[0]!, ref, ...args.slice(1)), ok(args[0]!, alone, ...args.slice(1)), args.join(' '));
    }
  });

  test('moved away from its program: the missing error; --program finds it; beside the trace finds it', () => {
    const moved = join(work, 'elsewhere.exe');
    renameSync(prog, moved);
    try {
      const line = fails('episodes', ref);
      assert.match(line, /sha256 [0-9a-f]{12}…/);
      assert.equal(line.replace(/sha256 [0-9a-f]{12}…/, 'sha256 X'),
        `wintrace: ${ref}: the program it recorded, pr.exe (sha256 X), is neither beside the trace nor at ${prog}: pass --program FILE or record with --self-contained`);
      assert.match(ok('episodes', ref, '--program', moved), /episode:0/);
      // The self-contained one needs no program.
      assert.equal(ok('episodes', alone), ok('episodes', ref, '--program', moved));
      copyFileSync(moved, join(work, 'pr.exe'));
      assert.match(ok('events', ref, '--kind', 'process-exit'), /process-exit/);
    } finally {
      rmSync(join(work, 'pr.exe'), { force: true });
      renameSync(moved, prog);
    }
  });

  test('a wrong program, a FIFO or a directory as --program: one line naming the trace, never a hang', () => {
    const wrong = fails('show', ref, '--at', '0', '--program', fixtureExe('hello'));
    assert.match(wrong, new RegExp(`^wintrace: ${ref}: --program ${fixtureExe('hello')}: (sha256 [0-9a-f]{12}… is not the recorded program's [0-9a-f]{12}…|\\d+ bytes is not the recorded program's \\d+) \\(pr\\.exe\\)$`));
    const fifo = join(work, 'fifo');
    execFileSync('mkfifo', [fifo]);
    assert.equal(fails('dump', ref, '--program', fifo), `wintrace: ${ref}: --program ${fifo}: is a FIFO (named pipe), not a regular file`);
    assert.equal(fails('check', ref, '--program', work), `wintrace: ${ref}: --program ${work}: is a directory, not a file`);
  });

  test('a rebuilt program at the recorded path: the missing error says how it differs', () => {
    const saved = readFileSync(prog);
    copyFileSync(fixtureExe('hello'), prog);
    try {
      assert.match(fails('episodes', ref), new RegExp(`is neither beside the trace nor at ${prog} \\(${prog}: .* is not the recorded program's .*\\): pass --program FILE`));
    } finally {
      writeFileSync(prog, saved);
    }
  });

  test('diff takes --program once for both traces, or once per trace in their order', () => {
    const moved = join(work, 'moved.exe');
    renameSync(prog, moved);
    try {
      assert.match(fails('diff', ref, ref), /the program it recorded, pr\.exe/);
      assert.match(ok('diff', ref, ref, '--program', moved), /no differences/);
      assert.match(ok('diff', ref, alone, '--program', moved, '--program', fixtureExe('hello')), /no differences/);
      assert.match(fails('diff', ref, ref, '--program', moved, '--program', fixtureExe('hello')), /--program .*hello\.exe: .* is not the recorded program's/);
    } finally {
      renameSync(moved, prog);
    }
  });
});
