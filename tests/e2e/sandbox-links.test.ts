// A Go program listing and reading a --mount'ed directory that holds symbolic links out of it: it learns the links'
// names (the mount's own data) and nothing else, neither the type or size of what they point to nor whether it
// exists; every link out answers "Access is denied." the same way.

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { wintrace } from '../helpers/cli.ts';
import { fixtureExe } from '../helpers/fixtures.ts';

const dir = mkdtempSync(join(tmpdir(), 'wintrace-sandbox-links-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('run: links out of a mount are listed as empty files and refused alike, whatever their targets', () => {
  const host = join(dir, 'shared');
  mkdirSync(host);
  mkdirSync(join(dir, 'outdir'));
  writeFileSync(join(dir, 'outfile'), 'z'.repeat(4321));
  writeFileSync(join(host, 'note.txt'), 'hi\n');
  symlinkSync('../outdir', join(host, 'to-dir'));
  symlinkSync(join(dir, 'outfile'), join(host, 'to-file'));
  symlinkSync('../nothing-here', join(host, 'to-nothing'));
  const links = ['to-dir', 'to-file', 'to-nothing'];
  const r = wintrace('run', fixtureExe('hostfile'), '--mount', `${host}:C:\\data`, '--', 'C:\\data', ...links.map((l) => `C:\\data\\${l}`));
  assert.equal(r.code, 0, r.err);
  const lines = r.out.split('\n');
  assert.deepEqual(lines.filter((l) => l.startsWith('C:\\data: entry')), [
    'C:\\data: entry note.txt (dir false)',
    'C:\\data: entry to-dir (dir false)',
    'C:\\data: entry to-file (dir false)',
    'C:\\data: entry to-nothing (dir false)',
  ]);
  for (const l of links) assert.ok(lines.includes(`error: open C:\\data\\${l}: Access is denied.`), `${l}:\n${r.out}`);
  assert.doesNotMatch(r.out, /4321|outdir|outfile|nothing-here/);
  assert.deepEqual(r.err.trimEnd().split('\n').map((l) => l.replace(/to-\w+/, 'LINK').replace(/ \(\d times\)$/, '')).filter((l, i, a) => a.indexOf(l) === i), [
    'wintrace: sandbox refused: GetFileAttributesExW C:\\data\\LINK (leads out of --mount C:\\data)',
    'wintrace: sandbox refused: CreateFileW C:\\data\\LINK (leads out of --mount C:\\data)',
    'wintrace: sandbox refused: FindFirstFileW C:\\data\\LINK\\* (leads out of --mount C:\\data)',
  ]);
});
