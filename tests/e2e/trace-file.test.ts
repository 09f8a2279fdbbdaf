// Properties of the trace file a user relies on: the same program recorded twice gives the same bytes, and a
// recording killed with SIGKILL still opens and replays up to its last complete segment.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { RecordSession } from '../../src/recorder/session.ts';
import { TraceReader } from '../../src/trace/reader.ts';
import { fixtureExe } from '../helpers/fixtures.ts';
import { WINTRACE_BIN } from '../helpers/bin.ts';

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'wintrace-file-'));
}

describe('trace file', () => {
  for (const name of ['panic-recover', 'goroutines']) {
    test(`${name}: recording twice gives byte-identical files`, () => {
      const dir = tempDir();
      try {
        const a = join(dir, 'a.mp');
        const b = join(dir, 'b.mp');
        new RecordSession({ program: fixtureExe(name), output: a, args: [], env: {} }).run();
        new RecordSession({ program: fixtureExe(name), output: b, args: [], env: {} }).run();
        const ba = readFileSync(a);
        const bb = readFileSync(b);
        assert.ok(ba.length > 100_000, `${name} trace is ${ba.length} bytes`);
        assert.equal(Buffer.compare(ba, bb), 0, `${name}: the two recordings differ`);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }

  test('registers read straight from the CPU state give the same file as uc_reg_read', () => {
    const dir = tempDir();
    try {
      const a = join(dir, 'direct.mp');
      const b = join(dir, 'uc.mp');
      new RecordSession({ program: fixtureExe('goroutines'), output: a, args: [], env: {} }).run();
      process.env.WINTRACE_NO_DIRECT = '1';
      try {
        new RecordSession({ program: fixtureExe('goroutines'), output: b, args: [], env: {} }).run();
      } finally {
        delete process.env.WINTRACE_NO_DIRECT;
      }
      assert.equal(Buffer.compare(readFileSync(a), readFileSync(b)), 0, 'direct register reads changed the trace');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a complete recording has a footer whose totals match its segments', () => {
    const dir = tempDir();
    try {
      const file = join(dir, 't.mp');
      const s = new RecordSession({ program: fixtureExe('panic-recover'), output: file, args: [], env: {} }).run();
      const r = new TraceReader(file);
      try {
        assert.equal(r.trace.truncated, false);
        assert.equal(r.trace.totalSteps, s.steps);
        assert.equal(r.trace.footer!.summary.exceptions, 3);
        assert.equal(r.trace.segments.reduce((n, e) => n + e.steps, 0), Number(s.steps));
        const kinds = new Set<string>();
        for (let i = 0; i < r.trace.segments.length; i++) for (const e of r.segment(i).events) kinds.add(e.kind);
        for (const k of ['api-call', 'api-return', 'thread-created', 'thread-started', 'thread-switched', 'thread-exited',
          'exception-raised', 'handler-called', 'handler-returned', 'context-resumed', 'memory-mapped', 'process-exit']) {
          assert.ok(kinds.has(k), `no ${k} event in the panic-recover trace`);
        }
      } finally {
        r.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a recording killed with SIGKILL opens and replays up to its last complete segment', async () => {
    const dir = tempDir();
    try {
      const file = join(dir, 'killed.mp');
      const child = spawn(process.execPath, [WINTRACE_BIN, 'record', fixtureExe('gc'), '-o', file, '-q'], {
        stdio: 'ignore',
      });
      // Wait until a few segments are on disk, then kill without warning.
      const deadline = Date.now() + 120_000;
      while (Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
        let size = 0;
        try {
          size = statSync(`${file}.partial`).size;
        } catch {
          /* not created yet */
        }
        if (size > 6_000_000) break;
      }
      child.kill('SIGKILL');
      await new Promise((r) => child.on('exit', r));
      // Nothing runs after SIGKILL: the trace stays under its temporary name beside the target, which it was to
      // replace only once readable (src/recorder/trace-output.ts).
      assert.ok(!existsSync(file), 'the target is not touched');
      const r = new TraceReader(`${file}.partial`);
      try {
        assert.equal(r.trace.truncated, true, 'a killed recording has no footer');
        assert.ok(r.trace.segments.length >= 2, `only ${r.trace.segments.length} segments recovered`);
        let steps = 0;
        for (let i = 0; i < r.trace.segments.length; i++) r.replaySegment(i, () => void steps++);
        assert.equal(BigInt(steps), r.trace.totalSteps);
      } finally {
        r.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
