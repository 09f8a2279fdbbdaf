// Ctrl-C (SIGINT) and SIGTERM during `record` and `run`. Before, the synchronous run loop never let Node's SIGINT
// handler run: Ctrl-C was ignored and a recording without a limit could only be killed, losing its footer. Now
// the first signal ends the run like a limit (the segment in progress and the footer written, exit 130 or 143),
// and a second one leaves at once with the trace under its name, opening up to its last complete segment.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { TraceReader } from '../../src/trace/reader.ts';
import { fixtureExe } from '../helpers/fixtures.ts';
import { WINTRACE_BIN } from '../helpers/bin.ts';

const dir = mkdtempSync(join(tmpdir(), 'wintrace-interrupt-'));
after(() => rmSync(dir, { recursive: true, force: true }));

interface Ended {
  code: number | null;
  signal: NodeJS.Signals | null;
  out: string;
  err: string;
}

/**
 * Starts wintrace, waits until the guest has printed its line and `afterMs` more, sends `signals` (`gapMs`
 * apart), and returns how it ended; fails if it has not ended 60 s later.
 */
async function interrupt(args: string[], signals: NodeJS.Signals[], afterMs = 1500, gapMs = 10): Promise<Ended> {
  const p = spawn(process.execPath, [WINTRACE_BIN, ...args], { cwd: dir });
  let out = '';
  let err = '';
  p.stdout.on('data', (b: Buffer) => {
    out += b.toString();
  });
  p.stderr.on('data', (b: Buffer) => {
    err += b.toString();
  });
  const ended = new Promise<Ended>((done) => p.on('exit', (code, signal) => done({ code, signal, out, err })));
  for (let i = 0; i < 1200 && !out.includes('\n'); i++) await new Promise((s) => setTimeout(s, 50));
  assert.ok(out.includes('\n'), `the guest started: ${err}`);
  await new Promise((s) => setTimeout(s, afterMs));
  for (const [i, s] of signals.entries()) {
    if (i > 0) await new Promise((w) => setTimeout(w, gapMs));
    p.kill(s);
  }
  const bound = setTimeout(() => p.kill('SIGKILL'), 60_000);
  const r = await ended;
  clearTimeout(bound);
  assert.equal(r.signal, null, `ended by ${r.signal}: ${r.err}`);
  return { ...r, out, err };
}

function open(path: string): { truncated: boolean; steps: bigint; endReason: string | undefined } {
  const r = new TraceReader(path);
  try {
    // Every segment decodes: the last one is whole.
    for (let i = 0; i < r.trace.segments.length; i++) r.segment(i);
    return { truncated: r.trace.truncated, steps: r.trace.totalSteps, endReason: r.trace.footer?.summary.endReason };
  } finally {
    r.close();
  }
}

describe('record', () => {
  test('Ctrl-C: the trace is complete, exit 130', async () => {
    const t = join(dir, 'once.mp');
    const r = await interrupt(['record', fixtureExe('spin'), '-o', t], ['SIGINT']);
    assert.equal(r.code, 130, r.err);
    assert.match(r.err, /^wintrace: recorded .*once\.mp: (\d+) instructions .*\(interrupted\)\nwintrace: interrupted\n$/);
    const got = open(t);
    assert.equal(got.truncated, false);
    assert.equal(got.endReason, 'interrupted');
    assert.ok(got.steps > 1_000_000n, `${got.steps} steps`);
    assert.equal(BigInt(/: (\d+) instructions/.exec(r.err)![1]!), got.steps);
    assert.ok(!existsSync(`${t}.partial`) && !existsSync(`${t}.lock`));
  });

  test('SIGTERM: the same, exit 143', async () => {
    const t = join(dir, 'term.mp');
    const r = await interrupt(['record', fixtureExe('spin'), '-o', t, '-q'], ['SIGTERM']);
    assert.equal(r.code, 143, r.err);
    assert.equal(open(t).truncated, false);
  });

  test('Ctrl-C twice: leaves at once, the trace without its footer opens with what was written', async () => {
    const t = join(dir, 'twice.mp');
    const r = await interrupt(['record', fixtureExe('spin'), '-o', t], ['SIGINT', 'SIGINT']);
    assert.equal(r.code, 130, r.err);
    assert.equal(r.err, 'wintrace: interrupted again: stopped at once; the trace keeps its complete segments, without a footer\n');
    const got = open(t);
    assert.equal(got.truncated, true);
    assert.ok(got.steps > 0n);
    assert.ok(!existsSync(`${t}.partial`) && !existsSync(`${t}.lock`));
  });
});

describe('run', () => {
  test('Ctrl-C: stops, exit 130', async () => {
    const r = await interrupt(['run', fixtureExe('spin')], ['SIGINT'], 500);
    assert.deepEqual([r.code, r.out, r.err], [130, 'spinning forever\n', 'wintrace: interrupted\n']);
  });
});
