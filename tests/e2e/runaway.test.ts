// Programs that do not end well, through the command line: one that spins forever (stopped by
// --max-instructions or --timeout), one whose goroutines all block in Windows waits forever (reported as a
// deadlock with each thread's wait), one that reads host files (refused, and reported). Every recording of them
// must be a complete, readable trace.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { TraceReader } from '../../src/trace/reader.ts';
import { FIXTURE_SOURCES, fixtureExe } from '../helpers/fixtures.ts';
import { WINTRACE_BIN } from '../helpers/bin.ts';

const dir = mkdtempSync(join(tmpdir(), 'wintrace-runaway-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function wintrace(args: string[], env: Record<string, string> = {}) {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [WINTRACE_BIN, ...args], {
    encoding: 'utf8', timeout: 180_000, env: { ...process.env, ...env },
  });
  return { code: r.status, out: r.stdout, err: r.stderr, seconds: (performance.now() - t0) / 1000 };
}

/** Opens the trace, checks that it is complete, and returns the steps it holds. */
function readTrace(path: string, stderr: string): bigint {
  const m = /recorded .*: (\d+) instructions \((\d+) in full detail\)/.exec(stderr);
  assert.ok(m, `no summary line in: ${stderr}`);
  const r = new TraceReader(path);
  try {
    assert.equal(r.trace.truncated, false);
    assert.ok(r.trace.segments.length > 0, 'the trace has segments');
    const steps = r.trace.segments.reduce((n, s) => n + BigInt(s.steps), 0n);
    assert.equal(steps, BigInt(m[2]!), 'the segments hold every recorded step');
    return steps;
  } finally {
    r.close();
  }
}

const DEADLOCK_HEADER = 'wintrace: deadlock: every thread waits, and for 24 h of virtual time only timeouts expired, each into another wait';

/** The deadlock report: the header, then one line per thread, two of them the goroutines stuck on the event. */
function assertDeadlockReport(lines: string[]): void {
  const at = lines.indexOf(DEADLOCK_HEADER);
  assert.ok(at >= 0, `no deadlock line in:\n${lines.join('\n')}`);
  const waits = lines.slice(at + 1).filter((l) => l.startsWith('  thread '));
  assert.ok(waits.length >= 3, `one line per thread:\n${waits.join('\n')}`);
  for (const w of waits) assert.match(w, /^ {2}thread 0x[0-9a-f]+: \w+ on .+ \((no timeout|timeout in \d+\.\d{3} s)\)$/);
  const stuck = waits.filter((w) => w.endsWith(': WaitForSingleObject on Event(manual, unset) (no timeout)'));
  assert.equal(stuck.length, 2, 'main and the second goroutine wait on the event nobody sets');
  assert.ok(stuck[0]!.startsWith('  thread 0x1000:'), 'the main thread is one of them');
  assert.ok(waits.some((w) => / \(timeout in /.test(w)), "Go's sysmon sleeps with a timeout");
}

describe('spin: a program that never ends', () => {
  test('run --max-instructions stops it with one line, exit 5', () => {
    const r = wintrace(['run', fixtureExe('spin'), '--max-instructions', '3000000']);
    assert.equal(r.out, 'spinning forever\n');
    assert.equal(r.err, 'wintrace: stopped after --max-instructions 3000000\n');
    assert.equal(r.code, 5);
  });

  test('run --timeout stops it after about that long, exit 5', () => {
    const r = wintrace(['run', fixtureExe('spin'), '--timeout', '2']);
    assert.equal(r.out, 'spinning forever\n');
    assert.equal(r.err, 'wintrace: stopped after --timeout 2 s\n');
    assert.equal(r.code, 5);
    assert.ok(r.seconds >= 2 && r.seconds < 60, `took ${r.seconds} s`);
  });

  test('record --max-instructions leaves a complete trace of exactly that many steps', () => {
    const trace = join(dir, 'spin-budget.mp');
    const r = wintrace(['record', fixtureExe('spin'), '-o', trace, '--max-instructions', '2000000']);
    assert.equal(r.code, 5, r.err);
    assert.equal(r.out, 'spinning forever\n');
    assert.match(r.err, /program exit code 5 \(budget\)\nwintrace: stopped after --max-instructions 2000000\n$/);
    assert.equal(readTrace(trace, r.err), 2_000_000n);
  });

  test('record --timeout leaves a complete trace', () => {
    const trace = join(dir, 'spin-timeout.mp');
    const r = wintrace(['record', fixtureExe('spin'), '-o', trace, '--timeout', '2']);
    assert.equal(r.code, 5, r.err);
    assert.match(r.err, /program exit code 5 \(timeout\)\nwintrace: stopped after --timeout 2 s\n$/);
    assert.ok(readTrace(trace, r.err) > 0n);
  });
});

describe('deadlock: every goroutine blocked in a Windows wait forever', () => {
  test('run reports a deadlock with each thread\'s wait, exit 5', () => {
    const r = wintrace(['run', fixtureExe('deadlock')]);
    assert.equal(r.out, 'waiting for an event nobody sets\n');
    assertDeadlockReport(r.err.trimEnd().split('\n'));
    assert.equal(r.code, 5);
  });

  test('record writes the whole trace, then reports the same deadlock', () => {
    const trace = join(dir, 'deadlock.mp');
    const r = wintrace(['record', fixtureExe('deadlock'), '-o', trace]);
    assert.equal(r.code, 5, r.err);
    const lines = r.err.trimEnd().split('\n');
    const summary = lines.findIndex((l) => l.startsWith('wintrace: recorded '));
    assert.ok(summary >= 0 && summary < lines.indexOf(DEADLOCK_HEADER), 'the report follows the summary of the written trace');
    assert.match(lines[summary]!, /program exit code 5 \(deadlock\)$/);
    assertDeadlockReport(lines);
    assert.ok(readTrace(trace, r.err) > 0n);
    const run = wintrace(['run', fixtureExe('deadlock')]);
    assert.deepEqual(lines.slice(lines.indexOf(DEADLOCK_HEADER)), run.err.trimEnd().split('\n'), 'the same waits as an untraced run');
  });
});

describe('hostfile: a program that reads host files', () => {
  const REFUSALS = [
    'wintrace: sandbox refused: GetFileAttributesExW /etc/passwd (no --mount covers it)',
    'wintrace: sandbox refused: CreateFileW /etc/passwd (no --mount covers it) (2 times)',
    'wintrace: sandbox refused: FindFirstFileW /etc/passwd\\* (no --mount covers it)',
    'wintrace: sandbox refused: GetFileAttributesExW C:\\Windows\\win.ini (no --mount covers it)',
    'wintrace: sandbox refused: CreateFileW C:\\Windows\\win.ini (no --mount covers it) (2 times)',
    'wintrace: sandbox refused: FindFirstFileW C:\\Windows\\win.ini\\* (no --mount covers it)',
  ];
  const expected = readFileSync(join(FIXTURE_SOURCES, 'hostfile/expected.windows.out'), 'utf8');

  test('run: the guest gets "file not found", the host environment stays out, every attempt is reported', () => {
    const r = wintrace(['run', fixtureExe('hostfile')], { WINTRACE_PROBE: 'from the host' });
    assert.equal(r.out, expected);
    assert.deepEqual(r.err.trimEnd().split('\n'), REFUSALS);
    assert.equal(r.code, 0);
  });

  test('record: the same, after a complete trace', () => {
    const trace = join(dir, 'hostfile.mp');
    const r = wintrace(['record', fixtureExe('hostfile'), '-o', trace]);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out, expected);
    const lines = r.err.trimEnd().split('\n');
    assert.match(lines[0]!, /^wintrace: recorded /);
    assert.deepEqual(lines.slice(1), REFUSALS);
    assert.ok(readTrace(trace, r.err) > 0n);
  });

  test('--mount lets it read and list one host directory but nothing beside it, and --env passes a variable', () => {
    const host = join(dir, 'shared');
    mkdirSync(join(host, 'sub'), { recursive: true });
    writeFileSync(join(host, 'note.txt'), 'hello from the host\n');
    writeFileSync(join(dir, 'outside.txt'), 'not shared');
    for (const verb of ['run', 'record']) {
      const extra = verb === 'record' ? ['-o', join(dir, 'mounted.mp'), '--quiet'] : [];
      const r = wintrace([verb, fixtureExe('hostfile'), ...extra, '--mount', `${host}:C:\\data`, '--env', 'WINTRACE_PROBE=given', '--',
        'C:\\data\\note.txt', 'c:/DATA', 'C:\\data\\..\\outside.txt'], { WINTRACE_PROBE: 'from the host' });
      assert.equal(r.code, 0, r.err);
      assert.equal(r.out, [
        'C:\\data\\note.txt: 20 bytes: "hello from the host\\n"',
        'c:/DATA: entry note.txt (dir false)',
        'c:/DATA: entry sub (dir true)',
        'error: open C:\\data\\..\\outside.txt: The system cannot find the file specified.',
        'WINTRACE_PROBE="given"',
        '',
      ].join('\n'), verb);
      assert.deepEqual(r.err.trimEnd().split('\n'), [
        'wintrace: sandbox refused: GetFileAttributesExW C:\\data\\..\\outside.txt (climbs out of --mount C:\\data)',
        'wintrace: sandbox refused: CreateFileW C:\\data\\..\\outside.txt (climbs out of --mount C:\\data) (2 times)',
        'wintrace: sandbox refused: FindFirstFileW C:\\data\\..\\outside.txt\\* (climbs out of --mount C:\\data)',
      ], verb);
    }
  });
});
