import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { normalizeOutput } from '../../scripts/normalize-output.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const GO_DIR = join(ROOT, 'fixtures', 'go');
const BIN_DIR = join(ROOT, 'fixtures', 'bin');

const IMAGE_FILE_MACHINE_ARM64 = 0xaa64;

// The scenarios the emulator tests rely on; a missing one must fail here.
const REQUIRED = [
  'hello',
  'goroutines',
  'panic-recover',
  'crash',
  'callback',
  'exitcode',
  'gc',
  'breakpoint',
  'std-maps',
  'std-sort',
  'std-strconv',
  'std-builder',
  'std-reflect',
  'std-timers',
  'std-select',
  'std-1000goroutines',
  'std-closures-defer',
  'std-bigalloc',
  'spin',
  'deadlock',
  'hostfile',
  // benchmarks record it at a few hundred million instructions (docs/benchmarks.md)
  'compute',
];

/** Machine field of a PE image, or an error describing why it is not one. */
export function peMachine(buf: Buffer): number {
  if (buf.length < 0x40 || buf.toString('latin1', 0, 2) !== 'MZ') throw new Error('no MZ header');
  const peOffset = buf.readUInt32LE(0x3c);
  if (peOffset + 6 > buf.length) throw new Error(`e_lfanew 0x${peOffset.toString(16)} out of range`);
  if (buf.toString('latin1', peOffset, peOffset + 4) !== 'PE\0\0') throw new Error('no PE signature');
  return buf.readUInt16LE(peOffset + 4);
}

const fixtureDirs = readdirSync(GO_DIR)
  .filter((name) => statSync(join(GO_DIR, name)).isDirectory())
  .sort();

test('all required fixtures are present', () => {
  for (const name of REQUIRED) assert.ok(fixtureDirs.includes(name), `missing fixture ${name}`);
});

test('go.mod declares the fixture module', () => {
  const mod = readFileSync(join(GO_DIR, 'go.mod'), 'utf8');
  assert.match(mod, /^module wintrace\.dev\/fixtures$/m);
  assert.match(mod, /^go 1\.19$/m);
});

for (const name of fixtureDirs) {
  const dir = join(GO_DIR, name);

  if (existsSync(join(dir, 'runaway'))) {
    test(`fixture ${name}: never ends by itself, says why, and has no expected output`, () => {
      assert.match(readFileSync(join(dir, 'main.go'), 'utf8'), /^package main$/m);
      assert.match(readFileSync(join(dir, 'runaway'), 'utf8'), /\S/, 'the runaway file says why');
      for (const file of ['expected.out', 'expected.exit', 'expected.windows.out']) {
        assert.ok(!existsSync(join(dir, file)), `fixtures/go/${name}/${file}: a runaway fixture has no expected output`);
      }
    });
  } else {
    test(`fixture ${name}: sources and expected output`, () => {
      for (const file of ['main.go', 'expected.out', 'expected.exit']) {
        assert.ok(existsSync(join(dir, file)), `fixtures/go/${name}/${file} is missing (run scripts/build-fixtures.sh)`);
      }
      assert.match(readFileSync(join(dir, 'main.go'), 'utf8'), /^package main$/m);
      assert.match(readFileSync(join(dir, 'expected.exit'), 'utf8'), /^\d+\n$/, 'expected.exit must be a number and a newline');
      // Expected files are stored normalised, so normalising again changes nothing.
      for (const file of ['expected.out', 'expected.windows.out']) {
        const path = join(dir, file);
        if (!existsSync(path)) continue;
        const text = readFileSync(path, 'utf8');
        assert.ok(text.length > 0, `${file} is empty`);
        assert.equal(normalizeOutput(text), text, `${file} is not in normalised form`);
      }
    });
  }

  const exe = join(BIN_DIR, `${name}.exe`);
  test(`fixture ${name}: windows/arm64 PE image`, { skip: !existsSync(exe) && 'not built' }, () => {
    assert.equal(peMachine(readFileSync(exe)), IMAGE_FILE_MACHINE_ARM64, `${name}.exe is not an ARM64 PE`);
  });
}

test('SHA256SUMS matches the built images', { skip: !existsSync(join(BIN_DIR, 'SHA256SUMS')) && 'not built' }, () => {
  const lines = readFileSync(join(BIN_DIR, 'SHA256SUMS'), 'utf8').trim().split('\n');
  assert.ok(lines.length > 0);
  for (const line of lines) {
    const m = /^([0-9a-f]{64}) [ *](.+)$/.exec(line);
    assert.ok(m, `bad SHA256SUMS line: ${line}`);
    const [, hash, file] = m;
    const actual = createHash('sha256').update(readFileSync(join(BIN_DIR, file!))).digest('hex');
    assert.equal(actual, hash, `${file} does not match SHA256SUMS (run scripts/build-fixtures.sh)`);
  }
});

test('peMachine rejects what is not an ARM64 PE', () => {
  const pe = Buffer.alloc(0x100);
  pe.write('MZ', 0, 'latin1');
  pe.writeUInt32LE(0x80, 0x3c);
  pe.write('PE\0\0', 0x80, 'latin1');
  pe.writeUInt16LE(0x8664, 0x84); // x86-64
  assert.equal(peMachine(pe), 0x8664);
  assert.notEqual(peMachine(pe), IMAGE_FILE_MACHINE_ARM64);
  assert.throws(() => peMachine(Buffer.from('\x7fELF' + '\0'.repeat(100), 'latin1')), /no MZ/);
  const badSig = Buffer.from(pe);
  badSig.write('NE', 0x80, 'latin1');
  assert.throws(() => peMachine(badSig), /no PE signature/);
});
