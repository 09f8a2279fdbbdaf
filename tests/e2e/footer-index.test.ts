// The footer's event index (src/trace/footer-index.ts): the thread table, each segment's steps per thread, mapping
// changes and number and kinds of events, which let a trace open and show a position without reading every
// segment's frame, nor list its episodes (which read only the segments holding their kinds of event). A trace with
// it must answer exactly what the same trace without it (what a recording made before the index holds) answers from
// its frames: committed goldens and a fresh recording are each compared with a copy stripped of it, through the
// library, the recording also through the command line.

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { CONTROL_ROUTINE } from '../../src/replayer/entry-episodes.ts';
import { episodes } from '../../src/replayer/episodes.ts';
import { Trace } from '../../src/replayer/trace.ts';
import { type EventKind, FRAME, type TraceFooter } from '../../src/trace/schema.ts';
import { wintrace } from '../helpers/cli.ts';
import { fixtureExe, ROOT } from '../helpers/fixtures.ts';
import { buildTrace, frameOf, parseFrames } from '../helpers/trace-bytes.ts';

const dir = mkdtempSync(join(tmpdir(), 'wintrace-footer-index-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** The trace at `from` without the index, at `to`: what a recording made before it holds. */
function strip(from: string, to: string): void {
  const layout = parseFrames(new Uint8Array(readFileSync(from)));
  const footer = frameOf(layout, FRAME.footer).value as unknown as TraceFooter;
  assert.ok(footer.threads && footer.segments.every((e) => e.threadSteps), `${from} was recorded with the index`);
  delete footer.threads;
  for (const e of footer.segments) {
    delete e.threadSteps;
    delete e.mappings;
    delete e.events;
    delete e.eventKinds;
  }
  writeFileSync(to, buildTrace(layout));
}

/** Kinds the call stack looks for, and the most frequent one. */
const KINDS: EventKind[] = ['exception-raised', 'fail-fast', 'context-resumed', 'thread-started', 'api-call'];

/** Command output with its timing left out. */
const untimed = (s: string) => s.replace(/ in \d+\.\d+ s$/gm, '');

/** Positions spread over the trace, ends included. */
function positions(total: number): number[] {
  return Array.from({ length: 17 }, (_, k) => Math.round((total * k) / 16));
}

const GOLDENS = ['first-thread', 'profiler-sample', 'console-ctrl-c'];

describe('the footer index answers what the frames answer', () => {
  for (const name of GOLDENS) {
    test(`${name}: threads, thread positions and mappings, without reading the events`, () => {
      const golden = join(ROOT, 'traces', `${name}.mp`);
      const plain = join(mkdirp(join(dir, 'plain-goldens')), `${name}.mp`);
      strip(golden, plain);
      sameAnswers(plain, golden);
    });
  }

  test('a recording of goroutines (many segments, five threads): the same answers, and the same output of show, events, episodes and check', () => {
    const indexed = join(mkdirp(join(dir, 'indexed')), 'goroutines.mp');
    const plain = join(mkdirp(join(dir, 'plain')), 'goroutines.mp');
    const rec = wintrace('record', fixtureExe('goroutines'), '-o', indexed, '-q');
    assert.equal(rec.code, 0, rec.err);
    strip(indexed, plain);
    sameAnswers(plain, indexed);
    for (const args of [['show', '--at', '50%'], ['show', '--at', '100%'], ['events'], ['episodes'], ['check']]) {
      const x = wintrace(...args, plain);
      const y = wintrace(...args, indexed);
      assert.equal(y.code, x.code, `${args.join(' ')}: exit code`);
      assert.equal(untimed(y.err.replaceAll(indexed, plain)), untimed(x.err), `${args.join(' ')}: stderr`);
      assert.equal(untimed(y.out.replaceAll(indexed, plain)), untimed(x.out), `${args.join(' ')}: stdout`);
      assert.ok(x.out.length > 0, `${args.join(' ')} printed something`);
    }
  });
});

function mkdirp(p: string): string {
  mkdirSync(p, { recursive: true });
  return p;
}

/** The indexed trace answers from its footer, without reading a frame, what the plain one answers from its frames. */
function sameAnswers(plain: string, indexed: string): void {
  const a = Trace.open(plain);
  const b = Trace.open(indexed);
  try {
    assert.ok(b.footer?.threads, 'the writer added the thread table');
    assert.ok(b.entries.every((e) => e.threadSteps), 'and every entry its thread steps');
    const threads = b.threads();
    const mappings = b.mappings();
    const tids = threads.map((t) => t.tid);
    const at = positions(b.totalSteps).flatMap((p) => tids.map((tid) => b.threadPosition(tid, p)));
    const inSegments = b.entries.flatMap((_, i) => tids.map((tid) => b.threadStepsIn(i, tid)));
    const ofKinds = (t: Trace) => positions(t.totalSteps).map((p) => t.eventsOfKinds(KINDS, p).map((e) => [e.index, e.position, e.event]));
    const someEvents = ofKinds(b);
    const streamed = [...b.eventStream()];
    const streamedOfKinds = [...b.eventStream(new Set(KINDS))].filter((e) => KINDS.includes(e.event.kind));
    const listed = episodes(b);
    // A console event episode ends at its control thread's last event of any kind: only then are all read.
    const controlThread = b.threads().some((t) => t.start !== 0n && b.symbols.format(Number(t.start)) === CONTROL_ROUTINE);
    assert.equal(b.eventsLoaded, controlThread, 'the indexed trace read every frame');
    assert.ok(threads.length > 1 && mappings.length > 0, 'the trace has threads and mappings to compare');
    assert.deepEqual(threads, a.threads());
    assert.deepEqual(mappings, a.mappings());
    assert.deepEqual(at, positions(a.totalSteps).flatMap((p) => tids.map((tid) => a.threadPosition(tid, p))));
    assert.deepEqual(inSegments, a.entries.flatMap((_, i) => tids.map((tid) => a.threadStepsIn(i, tid))));
    assert.deepEqual(someEvents, ofKinds(a));
    assert.deepEqual(listed, episodes(a));
    assert.deepEqual(streamed, a.events());
    assert.deepEqual(streamedOfKinds, a.events().filter((e) => KINDS.includes(e.event.kind)));
    assert.ok(someEvents.at(-1)!.length > 0, 'the trace has events of those kinds');
    assert.equal(b.entries.reduce((n, e) => n + e.events!, b.header.events?.length ?? 0), a.events().length, 'event counts');
    assert.equal(a.footer?.threads, undefined);
  } finally {
    a.close();
    b.close();
  }
}
