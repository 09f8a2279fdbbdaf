// A machine without libzstd.so.1 (WINTRACE_ZSTD names a library that is not there): `record` says so in one line
// before it writes anything, and a trace with brotli frames still reads without libzstd.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { WINTRACE_BIN } from '../helpers/bin.ts';
import { fixtureExe } from '../helpers/fixtures.ts';
import { FRAME_CODEC } from '../../src/trace/schema.ts';
import { A64, codeRegion, SyntheticTrace } from '../helpers/synthetic-trace.ts';
import { buildTrace, parseFrames } from '../helpers/trace-bytes.ts';

const dir = mkdtempSync(join(tmpdir(), 'wintrace-zstd-missing-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const missing = join(dir, 'no-such-libzstd.so.1');
const run = (...args: string[]) =>
  spawnSync(process.execPath, [WINTRACE_BIN, ...args], { encoding: 'utf8', timeout: 300_000, env: { ...process.env, WINTRACE_ZSTD: missing } });

test('record without libzstd: one line naming the library and its package, no trace file', () => {
  const out = join(dir, 'hello.mp');
  const r = run('record', fixtureExe('hello'), '-o', out);
  assert.equal(r.stderr.split('\n').filter((l) => l !== '').length, 1, r.stderr);
  assert.match(r.stderr, new RegExp(`^wintrace: cannot load ${missing.replace(/[.]/g, '\\.')} \\(zstd, Debian package libzstd1\\): .+\n$`));
  assert.equal(r.status, 70);
  assert.equal(existsSync(out), false);
  assert.deepEqual(readdirSync(dir).filter((f) => f.startsWith('hello')), []);
});

test('doctor names the library that is missing, and says zstd is there when it is', () => {
  const r = run('doctor');
  assert.match(r.stdout, new RegExp(`^MISSING zstd +cannot load ${missing.replace(/[.]/g, '\\.')} \\(zstd, Debian package libzstd1\\): `, 'm'));
  assert.equal(r.status, 2);
  const here = spawnSync(process.execPath, [WINTRACE_BIN, 'doctor'], { encoding: 'utf8', timeout: 300_000 });
  assert.match(here.stdout, /^ok +zstd +\d+\.\d+\.\d+ libzstd\.so\.1$/m);
});

test('a trace of brotli frames reads without libzstd', () => {
  const t = new SyntheticTrace({
    threads: [{ tid: 0x1000, teb: 0x7ff8_0000_0000n, stackBase: 0x7000_1000n, stackLimit: 0x6fff_0000n, regs: { 32: 0x10000n, 31: 0x7000_0000n } }],
    symbols: [{ name: 'main.main', address: 0x10000n, size: 0x40 }],
    regions: [codeRegion(0x10000n, new Array(16).fill(A64.nop))],
    segmentSteps: 4,
  });
  for (let i = 0; i < 6; i++) t.step({ set: { 0: BigInt(i + 1) } });
  const file = join(dir, 'brotli.mp');
  t.write(file);
  const brotli = buildTrace(parseFrames(readFileSync(file)), { codec: FRAME_CODEC.brotli });
  assert.equal(brotli[8 + 9], FRAME_CODEC.brotli);
  writeFileSync(file, brotli);
  const r = run('show', file, '--at', '3');
  assert.equal(r.stderr, '');
  assert.equal(r.status, 0);
});
