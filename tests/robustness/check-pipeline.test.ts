// `wintrace check` reads a long trace with a worker thread decompressing the next segments (Trace.framesAhead).
// The pipelined check must find exactly what the one-thread check finds, and a segment that does not
// decompress must stop it with the same error, naming the file and the segment's offset, without leaving the
// worker behind (a live worker would keep this test process from ending).

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { TraceFormatError } from '../../src/errors.ts';
import { RecordSession } from '../../src/recorder/session.ts';
import { check, checkAsync, type CheckResult } from '../../src/replayer/abi/check.ts';
import { Replay } from '../../src/replayer/replay.ts';
import { PIPELINE_SEGMENTS } from '../../src/replayer/trace.ts';
import { FRAME_HEADER_BYTES } from '../../src/trace/schema.ts';
import { fixtureExe } from '../helpers/fixtures.ts';
import { repairChecksums } from '../helpers/trace-bytes.ts';

const dir = mkdtempSync(join(tmpdir(), 'wintrace-check-pipeline-'));
const good = join(dir, 'goroutines.mp');
after(() => rmSync(dir, { recursive: true, force: true }));

before(() => {
  new RecordSession({ program: fixtureExe('goroutines'), output: good, args: [], env: {} }).run();
});

type Outcome = { result?: CheckResult; error?: unknown };

async function outcome(file: string, run: (r: Replay) => CheckResult | Promise<CheckResult>): Promise<Outcome> {
  const r = Replay.open(file);
  try {
    return { result: await run(r) };
  } catch (e) {
    return { error: e };
  } finally {
    r.close();
  }
}

async function both(file: string): Promise<{ sync: Outcome; piped: Outcome }> {
  const sync = await outcome(file, (r) => check(r.trace, r.memory, r.code));
  const piped = await outcome(file, (r) => checkAsync(r.trace, r.memory, r.code));
  return { sync, piped };
}

test('the pipelined check finds what the one-thread check finds', async () => {
  const r = Replay.open(good);
  const segments = r.trace.segmentCount;
  r.close();
  assert.ok(segments >= PIPELINE_SEGMENTS, `the recording has ${segments} segments: too few to use the worker`);
  const { sync, piped } = await both(good);
  assert.equal(sync.error, undefined);
  assert.deepEqual(piped, sync);
});

test('a segment that does not decompress stops both with the same one-line error', async () => {
  const r = Replay.open(good);
  const victim = r.trace.entries[Math.floor(r.trace.segmentCount * 0.75)]!;
  r.close();
  const bytes = new Uint8Array(readFileSync(good));
  // Scramble the middle of the segment's compressed body, then make the checksum agree, so decompression fails.
  const length = new DataView(bytes.buffer).getUint32(victim.offset, true);
  const body = victim.offset + FRAME_HEADER_BYTES + 1;
  for (let i = body + 8; i < body + Math.min(length - 9, 64); i++) bytes[i] = bytes[i]! ^ 0x5a;
  repairChecksums(bytes);
  const bad = join(dir, 'bad.mp');
  writeFileSync(bad, bytes);
  const { sync, piped } = await both(bad);
  assert.ok(sync.error instanceof TraceFormatError, `one-thread check: ${String(sync.error ?? 'no error')}`);
  assert.ok(piped.error instanceof TraceFormatError, `pipelined check: ${String(piped.error ?? 'no error')}`);
  assert.equal((piped.error as Error).message, (sync.error as Error).message);
  assert.match((sync.error as Error).message, new RegExp(`^${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: .*offset ${victim.offset + FRAME_HEADER_BYTES}\\b`));
  assert.equal((sync.error as Error).message.split('\n').length, 1);
});
