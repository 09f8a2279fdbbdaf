// The C segment decoder (native/decode.c) against the TypeScript one (src/replayer/decode.ts, the reference): on
// every segment of a real recording the two produce identical arrays, and on mutated streams they agree on
// whether the stream is well formed and, when it is, on every array.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { TraceFormatError } from '../../src/errors.ts';
import { RecordSession } from '../../src/recorder/session.ts';
import { type DecodedSegment, decodeSegment } from '../../src/replayer/decode.ts';
import { nativeDecoderAvailable } from '../../src/replayer/native-decode.ts';
import { TraceReader } from '../../src/trace/reader.ts';
import type { Segment } from '../../src/trace/schema.ts';
import { fixtureExe } from '../helpers/fixtures.ts';

const KEYS = ['opKind', 'opArg', 'opPrev', 'opTid', 'opCh', 'opWr', 'chReg', 'chVal', 'wrAddr', 'wrSize', 'wrData', 'wrNew', 'wrStep', 'wrOp', 'stepOp', 'stepTid', 'stepPc', 'stepNextPc'] as const;

const dir = mkdtempSync(join(tmpdir(), 'wintrace-native-decode-'));
let reader: TraceReader;

before(() => {
  const file = join(dir, 'goroutines.mp');
  new RecordSession({ program: fixtureExe('goroutines'), output: file, args: [], env: {} }).run();
  reader = new TraceReader(file);
});
after(() => {
  reader.close();
  rmSync(dir, { recursive: true, force: true });
});

function same(a: DecodedSegment, b: DecodedSegment, what: string): void {
  assert.equal(a.opCount, b.opCount, `${what}: op count`);
  for (const k of KEYS) {
    const x = a[k] as ArrayLike<number>;
    const y = b[k] as ArrayLike<number>;
    assert.equal(x.length, y.length, `${what}: ${k} length`);
    for (let j = 0; j < x.length; j++) if (x[j] !== y[j]) assert.fail(`${what}: ${k}[${j}] is ${x[j]} natively, ${y[j]} in TypeScript`);
  }
}

/** Both decoders on one stream: the same result, or both refuse it (native falls back to TypeScript's error). */
function both(s: Segment, data: Uint8Array, what: string): 'ok' | 'refused' {
  let js: DecodedSegment | undefined;
  let jsError: unknown;
  try {
    js = decodeSegment(s, data, 'f', 0, false, true);
  } catch (e) {
    jsError = e;
  }
  let native: DecodedSegment | undefined;
  let nativeError: unknown;
  try {
    native = decodeSegment(s, data, 'f', 0, false, false);
  } catch (e) {
    nativeError = e;
  }
  if (jsError) {
    assert.ok(jsError instanceof TraceFormatError, `${what}: ${String(jsError)}`);
    assert.equal((nativeError as Error | undefined)?.message, jsError.message, `${what}: the same error`);
    return 'refused';
  }
  assert.equal(nativeError, undefined, `${what}: native refused what TypeScript accepts`);
  same(native!, js!, what);
  return 'ok';
}

describe('native segment decoder', () => {
  test('is built by the set-up script', () => {
    assert.ok(nativeDecoderAvailable(), 'build/native/libwt_decode.so is missing: run scripts/build-native.sh');
  });

  test('decodes every segment of a recording exactly as the TypeScript reference', () => {
    for (let i = 0; i < reader.trace.segments.length; i++) {
      const s = reader.segment(i);
      assert.equal(both(s, s.data, `segment ${i}`), 'ok');
    }
  });

  test("takes an elided store's old bytes from the segment's previous store at that address", () => {
    let elided = 0;
    for (let i = 0; i < reader.trace.segments.length; i++) {
      const s = reader.segment(i);
      for (const jsOnly of [true, false]) {
        const d = decodeSegment(s, s.data, 'f', 0, false, jsOnly);
        const last = new Map<number, number>();
        for (let w = 0; w < d.wrAddr.length; w++) {
          if (d.wrStep[w]! < 0) continue;
          const size = d.wrSize[w]!;
          if (d.wrNew[w] !== d.wrData[w]! + size) {
            const prev = last.get(d.wrAddr[w]!);
            assert.ok(prev !== undefined && d.wrSize[prev] === size, `segment ${i} write ${w}: elided without an earlier store of ${size} bytes there`);
            assert.equal(d.wrData[w], d.wrNew[prev], `segment ${i} write ${w}: old bytes are the previous store's new bytes`);
            if (!jsOnly) elided++;
          }
          last.set(d.wrAddr[w]!, w);
        }
      }
    }
    assert.ok(elided > 0, 'the recording elides the old bytes of some stores');
  });

  test('both refuse a store that elides old bytes the segment never wrote', () => {
    const s = { ...reader.segment(0), steps: 1 };
    // One step storing 8 bytes at the first write address (delta 0) with bit 7 of the size set: nothing to take them from.
    const data = Uint8Array.of(0x40, 1, 0, 0x88, 1, 2, 3, 4, 5, 6, 7, 8);
    assert.equal(both(s, data, 'dangling elision'), 'refused');
    assert.throws(() => decodeSegment(s, data, 'f', 0, false, true), /elides its old bytes/);
    // The same store written in full first, then elided: accepted, the second store's old bytes are the first's new.
    const ok = Uint8Array.of(0x40, 1, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 0x40, 1, 0, 0x88, 9, 9, 9, 9, 9, 9, 9, 9);
    assert.equal(both({ ...s, steps: 2 }, ok, 'elided after a store'), 'ok');
    const d = decodeSegment({ ...s, steps: 2 }, ok, 'f', 0);
    assert.deepEqual([...d.data.subarray(d.wrData[1]!, d.wrData[1]! + 8)], [1, 2, 3, 4, 5, 6, 7, 8]);
    assert.deepEqual([...d.data.subarray(d.wrNew[1]!, d.wrNew[1]! + 8)], [9, 9, 9, 9, 9, 9, 9, 9]);
  });

  test('agrees with the reference on 3,000 mutated streams', () => {
    let x = 0x9e3779b9;
    const rand = (n: number) => {
      x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
      return x % n;
    };
    const counts = { ok: 0, refused: 0 };
    for (let k = 0; k < 3000; k++) {
      const i = rand(reader.trace.segments.length);
      const s = reader.segment(i);
      const data = new Uint8Array(s.data);
      // A short stream keeps each case cheap: cut it at a random record-ish point, mutate a few bytes, and
      // declare as many steps as the cut keeps so that well-formed results are common too.
      const cut = data.subarray(0, Math.min(data.length, 64 + rand(4096)));
      for (let m = 1 + rand(3); m > 0; m--) cut[rand(cut.length)] = rand(256);
      const steps = rand(3) === 0 ? s.steps : countSteps(s, cut);
      counts[both({ ...s, steps }, cut, `case ${k}`)]++;
    }
    assert.ok(counts.ok > 100 && counts.refused > 100, `both outcomes exercised: ${JSON.stringify(counts)}`);
  });
});

/** Steps the TypeScript decoder sees before the stream ends or breaks (so the declared count can match). */
function countSteps(s: Segment, data: Uint8Array): number {
  for (let steps = s.steps; steps >= 0; steps = Math.floor(steps / 2)) {
    try {
      return decodeSegment({ ...s, steps }, data, 'f', 0, false, true).steps;
    } catch (e) {
      const m = /holds (\d+)$/.exec((e as Error).message);
      if (m) return Number(m[1]);
      if (steps === 0) return 0;
    }
  }
  return 0;
}
