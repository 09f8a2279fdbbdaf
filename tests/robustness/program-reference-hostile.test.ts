// Hostile values in the fields of a trace recorded by reference (header.program.path and name, regions'
// fromProgram runs): each gives one line naming the trace and what is wrong, never a read outside the rule, a hang
// or a stack trace. Built from a small synthetic trace whose code page is moved out of the header into a program
// file of the test's own making.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, before, test } from 'node:test';
import { WintraceError } from '../../src/errors.ts';
import { Replay } from '../../src/replayer/replay.ts';
import { FRAME, type MemoryRegion, type TraceHeader } from '../../src/trace/schema.ts';
import { A64, codeRegion, SyntheticTrace } from '../helpers/synthetic-trace.ts';
import { buildTrace, frameOf, parseFrames } from '../helpers/trace-bytes.ts';

const dir = mkdtempSync(join(tmpdir(), 'wintrace-program-hostile-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const PAGE = 4096;
/** The program file: a page of padding, then the code page (so a run's file offset is not its region offset). */
const programPath = join(dir, 'build', 'prog.exe');
let self: Buffer;
let program: Buffer;

before(() => {
  const t = new SyntheticTrace({
    threads: [{ tid: 0x1000, teb: 0x7ff8_0000_0000n, stackBase: 0x7000_1000n, stackLimit: 0x6fff_0000n, regs: { 32: 0x10000n, 31: 0x7000_0000n, 18: 0x7ff8_0000_0000n } }],
    symbols: [{ name: 'main.main', address: 0x10000n, size: 0x40 }],
    regions: [{ ...codeRegion(0x10000n, [A64.nop, A64.ret, ...new Array(14).fill(A64.nop)]), size: 2 * PAGE }],
    segmentSteps: 4,
  });
  for (let i = 0; i < 3; i++) t.step({ set: { 0: BigInt(i + 1) } });
  const file = join(dir, 'self.mp');
  t.write(file);
  self = readFileSync(file);
  const code = (frameOf(parseFrames(self), FRAME.header).value as unknown as TraceHeader).regions[0]!.pages[0]![1];
  program = Buffer.concat([Buffer.alloc(PAGE, 0xee), code]);
  mkdirSync(join(dir, 'build'));
  writeFileSync(programPath, program);
});

/** The trace with its code page referenced, after `edit`, written as `name`: what opening it says, or 'ok: <word>'. */
function open(name: string, edit: (h: TraceHeader, region: MemoryRegion) => void = () => {}, program?: string): string {
  const l = parseFrames(self);
  const h = frameOf(l, FRAME.header).value as unknown as TraceHeader;
  const r = h.regions[0]!;
  r.pages = [];
  r.fromProgram = [[0, PAGE, 1]];
  h.program = { name: 'prog.exe', sha256: createHash('sha256').update(programBytes()).digest('hex'), size: programBytes().length, path: programPath };
  edit(h, r);
  const path = join(dir, name);
  writeFileSync(path, buildTrace(l));
  let replay: Replay | undefined;
  try {
    replay = Replay.open(path, program === undefined ? {} : { program });
    return `ok: ${Buffer.from(replay.memory.read(1, 0x10004, 4).bytes).toString('hex')}`;
  } catch (e) {
    if (!(e instanceof WintraceError)) throw e;
    assert.ok(!e.message.includes('\n'), 'one line');
    assert.ok(e.message.startsWith(`${path}: `), e.message);
    return e.message.slice(path.length + 2);
  } finally {
    replay?.close();
  }
}

const programBytes = () => program;
const RET = Buffer.alloc(4);
RET.writeUInt32LE(A64.ret);

test('a referenced page reads as the program file holds it, found at the recorded path', () => {
  assert.equal(open('good.mp'), `ok: ${RET.toString('hex')}`);
});

test('runs that do not fit their region, each other, the stored pages or the program are format errors', () => {
  const at = 'at offset 8: header: regions[0].fromProgram: run';
  assert.equal(open('unaligned.mp', (_h, r) => (r.fromProgram = [[16, PAGE, 1]])), `${at} [16, 4096, 1] does not start on a page of the region`);
  assert.equal(open('empty.mp', (_h, r) => (r.fromProgram = [[0, PAGE, 0]])), `${at} [0, 4096, 0] is empty or overlaps the run before it`);
  assert.equal(open('overlap.mp', (_h, r) => (r.fromProgram = [[0, PAGE, 1], [0, 0, 1]])), `${at} [0, 0, 1] is empty or overlaps the run before it`);
  assert.equal(open('past-region.mp', (_h, r) => (r.fromProgram = [[PAGE, 0, 2]])), `${at} [4096, 0, 2] runs past the region's 8192 bytes`);
  assert.equal(open('past-file.mp', (_h, r) => (r.fromProgram = [[0, PAGE + 1, 1]])), `${at} [0, 4097, 1] runs past the program's 8192 bytes`);
  assert.equal(open('stored.mp', (_h, r) => (r.pages = [[0, new Uint8Array(PAGE)]])), `${at} [0, 4096, 1] overlaps a stored page at 0`);
  assert.match(open('shape.mp', (_h, r) => ((r as unknown as { fromProgram: unknown }).fromProgram = [[0, -1, 1]])), /^at offset 8: header: regions\[0\]\.fromProgram\[0\]\[1\] must be a non-negative integer$/);
  assert.match(open('path-shape.mp', (h) => ((h.program as unknown as { path: unknown }).path = 7)), /^at offset 8: header: program\.path must be a string$/);
});

test('a hostile name looks only beside the trace; a recorded path that is a directory or a FIFO is missing, not a hang', () => {
  writeFileSync(join(dir, 'prog.exe'), 'not the program');
  // Joined to the trace's directory as it stands, this name would reach the real program in dir/build.
  const name = `../${basename(dir)}/build/prog.exe`;
  const missing = (where: string) =>
    new RegExp(`^the program it recorded, .* \\(sha256 [0-9a-f]{12}…\\), is neither beside the trace nor at ${where}( \\(.*\\))?: pass --program FILE or record with --self-contained$`);
  // Beside the trace is dir/prog.exe (the name's last part), which differs.
  assert.match(open('name.mp', (h) => { h.program.name = name; h.program.path = join(dir, 'nowhere.exe'); }), missing(join(dir, 'nowhere.exe')));
  const fifo = join(dir, 'fifo');
  execFileSync('mkfifo', [fifo]);
  assert.match(open('fifo.mp', (h) => (h.program.path = fifo)), missing(fifo));
  assert.match(open('dir.mp', (h) => (h.program.path = dir)), missing(dir));
  rmSync(join(dir, 'prog.exe'));
  assert.equal(open('fifo-program.mp', undefined, fifo), `--program ${fifo}: is a FIFO (named pipe), not a regular file`);
});
