// The real `wintrace tui` in a real terminal: tmux runs it at 80x24 on recorded fixtures, keys go in with
// send-keys and the screen comes back with capture-pane. From the resume of an exception, one key steps back to
// the faulting instruction; the violations list opens on a trace with ABI violations; a resize redraws wider; at
// the fault `o` traces x0 back and `x` shows the TEB; q quits cleanly. Skipped, saying why, when tmux is not installed.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { RecordSession } from '../../src/recorder/session.ts';
import { stepOver } from '../../src/replayer/navigate.ts';
import { Replay } from '../../src/replayer/replay.ts';
import { wintrace } from '../helpers/cli.ts';
import { fixtureExe, ROOT } from '../helpers/fixtures.ts';
import { recordTuiTrace, type TuiTrace } from '../helpers/tui-trace.ts';
import { WINTRACE_BIN } from '../helpers/bin.ts';

const hasTmux = spawnSync('tmux', ['-V']).status === 0;
const skip = hasTmux ? false : 'tmux is not installed (apt-get install tmux): the real-terminal test of wintrace tui is skipped';

let dir: string;
let trace: string;
let x18: TuiTrace;
const socket = `wintrace-test-${process.pid}`;

function tmux(...args: string[]): string {
  const r = spawnSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`tmux ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function screenUntil(session: string, pred: (screen: string) => boolean, what: string, ms = 30_000): Promise<string> {
  const t = Date.now();
  let screen = '';
  while (Date.now() - t < ms) {
    screen = tmux('capture-pane', '-p', '-t', session);
    if (pred(screen)) return screen;
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}; the screen:\n${screen}`);
}

function start(session: string, args: string): void {
  // The shell line after wintrace reports how it ended, on the same screen. CI=true as a build job would set it:
  // Ink alone would then draw nothing until exit, and the screen stayed blank in CI.
  tmux('new-session', '-d', '-s', session, '-x', '80', '-y', '24', `cd ${ROOT} && CI=true TERM=xterm-256color node ${WINTRACE_BIN} tui ${args}; echo "tui-exit=$?"; sleep 60`);
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'wintrace-tui-tmux-'));
  trace = join(dir, 'pr.mp');
  new RecordSession({ program: fixtureExe('panic-recover'), output: trace, args: [], env: {} }).run();
  if (hasTmux) x18 = recordTuiTrace();
});

after(() => {
  if (hasTmux) {
    spawnSync('tmux', ['-L', socket, 'kill-server']);
    x18.cleanup();
  }
  rmSync(dir, { recursive: true, force: true });
});

describe('wintrace tui in tmux', { skip }, () => {
  test('from the resume of an exception, N steps back to the faulting instruction; the violations list opens', async () => {
    const r = Replay.open(trace);
    const k = r.episodes().findIndex((e) => e.kind === 'exception');
    const e = r.episodes()[k]!;
    const resume = stepOver(r.trace, r.code, e.start, 1);
    const resumeSymbol = r.trace.symbols.format(r.trace.stepAt(resume).pc);
    const total = r.trace.totalSteps;
    r.close();

    start('resume', `${trace} --at episode:${k}`);
    let s = await screenUntil('resume', (x) => x.includes(` ${e.start}/${total} `), 'the TUI at the episode');
    assert.match(s, /=> main\.readValue\s+ldr x0, \[x0\]/);

    // Jump to the resume: go to its position.
    tmux('send-keys', '-t', 'resume', 'g', String(resume), 'Enter');
    s = await screenUntil('resume', (x) => x.includes(` ${resume}/${total} `), 'the resume position');
    assert.ok(s.includes(resumeSymbol.slice(0, 20)), `status shows ${resumeSymbol}:\n${s}`);
    assert.doesNotMatch(s, /=> main\.readValue /);

    // One key back over the dispatch: the faulting instruction.
    tmux('send-keys', '-t', 'resume', 'N');
    s = await screenUntil('resume', (x) => x.includes(` ${e.start}/${total} `), 'the faulting instruction');
    assert.match(s, /=> main\.readValue\s+ldr x0, \[x0\]/);
    assert.match(s, /thread 0x[0-9a-f]+ main\.readValue /);
    const lines = s.split('\n');
    assert.ok(lines.every((l) => l.length <= 80), 'fits 80 columns');

    // The violations list: this recording is clean.
    tmux('send-keys', '-t', 'resume', '8');
    s = await screenUntil('resume', (x) => x.includes('no ABI violations in this trace'), 'the violations list');
    assert.match(s, /\[ABI violations\]/);

    // A wider terminal: four register columns (x0, x9, x18, x27 on the first row).
    tmux('resize-window', '-t', 'resume', '-x', '120', '-y', '30');
    s = await screenUntil('resume', (x) => /x0 .* x9 .* x18 .* x27 /.test(x), 'the redraw at 120x30');
    assert.ok(s.split('\n').some((l) => l.length > 80), 'uses the width');

    tmux('send-keys', '-t', 'resume', 'q');
    s = await screenUntil('resume', (x) => x.includes('tui-exit='), 'the exit');
    assert.match(s, /tui-exit=0/);
  });

  test('at the fault, o traces x0 to the mov that set it and 1 goes there; x shows the TEB; values are named', async () => {
    const r = Replay.open(trace);
    const k = r.episodes().findIndex((e) => e.kind === 'exception');
    const e = r.episodes()[k]!;
    const total = r.trace.totalSteps;
    r.close();
    start('origin', `${trace} --at episode:${k}`);
    let s = await screenUntil('origin', (x) => x.includes(` ${e.start}/${total} `) && / sp [0-9a-f]{16} s/.test(x), 'the TUI at the fault, sp named');
    tmux('send-keys', '-t', 'origin', 'o', 'Enter');
    s = await screenUntil('origin', (x) => x.includes('origin of x0 at position'), 'the origin tree');
    assert.match(s, /1 >- x0 = 0x0 {2}<- main\.main\+0x[0-9a-f]+ {2}mov x0, #0/);
    tmux('send-keys', '-t', 'origin', '1');
    s = await screenUntil('origin', (x) => /=> main\.main\+0x[0-9a-f]+ +mov x0, #0/.test(x), 'the instruction that set x0');
    tmux('send-keys', '-t', 'origin', 'x', 'Enter');
    s = await screenUntil('origin', (x) => x.includes('[structure] TEB at 0x'), 'the TEB pane');
    assert.match(s, /StackBase +0x[0-9a-f]+/);
    assert.ok(s.split('\n').every((l) => l.length <= 80), 'fits 80 columns');
    tmux('send-keys', '-t', 'origin', 'q');
    s = await screenUntil('origin', (x) => x.includes('tui-exit='), 'the exit');
    assert.match(s, /tui-exit=0/);
  });

  test('on a trace with ABI violations, the list shows them and Enter goes to one', async () => {
    const r = Replay.open(x18.path);
    const vs = (await r.check()).violations;
    r.close();
    assert.ok(vs.length > 1);
    start('violations', `${x18.path} --at 0`);
    await screenUntil('violations', (x) => x.includes(' 0/'), 'the TUI at position 0');
    tmux('send-keys', '-t', 'violations', '8');
    let s = await screenUntil('violations', (x) => x.includes(`#0 ${vs[0]!.rule} ${vs[0]!.position}`), 'the first violation listed');
    assert.ok(s.includes(`#1 ${vs[1]!.rule} ${vs[1]!.position}`), s);
    tmux('send-keys', '-t', 'violations', 'j', 'Enter');
    // The label can wait behind the note of the episodes being read in an idle moment ("reading the episodes of
    // the trace..."), which takes the message line while it lasts: wait for both.
    s = await screenUntil('violations', (x) => x.includes(` ${vs[1]!.position}/`) && x.includes(`violation 1: ${vs[1]!.rule}`), 'the second violation, labelled');
    assert.ok(s.includes(`violation 1: ${vs[1]!.rule}`), s);
    tmux('send-keys', '-t', 'violations', 'q');
    await screenUntil('violations', (x) => x.includes('tui-exit=0'), 'the exit');
  });

  test('--at a D8 violation shows D8-D15 with d8 marked; i explains it whole and 1 goes to the return', async () => {
    const clobber = join(dir, 'start-clobber.mp');
    new RecordSession({ program: fixtureExe('abi-seeded'), output: clobber, args: ['start-clobber'], env: {} }).run();
    const r = Replay.open(clobber);
    const v = (await r.check()).violations[2]!;
    r.close();
    assert.equal(v.subject, 'd8');
    start('d8', `${clobber} --at violation:2`);
    let s = await screenUntil('d8', (x) => x.includes(` ${v.position}/`), 'the TUI at the d8 violation');
    assert.match(s, /!\s+d8 5e17/, s);
    assert.match(s, /\(D8-D15 shown for d8: f hides them\)/);
    tmux('send-keys', '-t', 'd8', 'i');
    s = await screenUntil('d8', (x) => x.includes('ABI violation #2 of 3: callee-saved'), 'the explanation');
    assert.ok(s.replace(/\s+/g, ' ').includes(v.detail), s);
    assert.ok(s.split('\n').every((l) => l.length <= 80), 'fits 80 columns');
    tmux('send-keys', '-t', 'd8', '1');
    s = await screenUntil('d8', (x) => x.includes(` ${v.related![0]!.position}/`), 'the return');
    tmux('send-keys', '-t', 'd8', 'q');
    await screenUntil('d8', (x) => x.includes('tui-exit=0'), 'the exit');
  });
});

describe('wintrace tui outside a terminal', () => {
  test('says in one line to use wintrace show, and exits 2', () => {
    const r = wintrace('tui', trace, '--at', 'episode:4');
    assert.equal(r.code, 2);
    assert.equal(r.out, '');
    assert.equal(r.err.trim().split('\n').length, 1, r.err);
    assert.match(r.err, /^wintrace: tui needs a terminal .* use 'wintrace show .* --at episode:4'/);
  });

  test('a bad trace file or place is reported as the other verbs report it', () => {
    const bad = join(dir, 'bad.mp');
    writeFileSync(bad, 'not a trace');
    const tui = wintrace('tui', bad);
    const show = wintrace('show', bad);
    assert.equal(tui.code, 2);
    assert.equal(tui.err, show.err);
    assert.match(tui.err, /not a wintrace trace/);
    const place = wintrace('tui', trace, '--at', 'episode:999');
    assert.equal(place.code, 2);
    assert.match(place.err, /^wintrace: --at episode:999: the trace has \d+ episodes/);
  });
});
