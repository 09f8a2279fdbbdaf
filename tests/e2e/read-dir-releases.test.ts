// os.ReadDir of a --mount'ed directory with the program built by every supported Go. Up to 1.21 Go lists a directory
// with FindFirstFileW; from 1.22 it asks GetVolumeInformationByHandleW first and then reads FILE_FULL_DIR_INFO
// records with GetFileInformationByHandleEx(FileFullDirectoryRestartInfo, then FileFullDirectoryInfo). Before these
// were emulated, a 1.22+ program ended with "unsupported API KERNEL32.dll!GetVolumeInformationByHandleW".
// Enough entries to fill several of Go's buffers check that the enumeration resumes where the last call stopped.

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { wintrace } from '../helpers/cli.ts';
import { fixtureExe, fixtureGoReleases } from '../helpers/fixtures.ts';

const dir = mkdtempSync(join(tmpdir(), 'wintrace-read-dir-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const host = join(dir, 'shared');
mkdirSync(join(host, 'sub'), { recursive: true });
// Long names: 600 entries of ~250 bytes of FILE_FULL_DIR_INFO each are well over Go's 8 KiB directory buffer.
const names = Array.from({ length: 600 }, (_, i) => `file-${String(i).padStart(4, '0')}-${'x'.repeat(80)}.txt`);
for (const n of names) writeFileSync(join(host, n), n);

const expected = [
  ...[...names, 'sub'].sort().map((n) => `C:\\data: entry ${n} (dir ${n === 'sub'})`),
  'WINTRACE_PROBE=""',
  '',
].join('\n');

for (const release of fixtureGoReleases()) {
  test(`go${release}: os.ReadDir lists every entry of a mounted directory once, in order`, () => {
    const r = wintrace('run', fixtureExe('hostfile', release), '--mount', `${host}:C:\\data`, '--', 'C:\\data');
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out, expected);
  });
}
