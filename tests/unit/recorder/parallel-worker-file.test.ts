// The stitching writer opens each --jobs worker's file when it reaches that worker's first share: the worker may
// already have finished and renamed FILE.partial to FILE (a short program), or still be writing FILE.partial.

import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, test } from 'node:test';
import { openWorkerFile } from '../../../src/recorder/parallel-record.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'wintrace-worker-file-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** What openWorkerFile opens for FILE = dir/1.part, read whole. */
function opened(): string {
  const fd = openWorkerFile(join(dir, '1.part'));
  try {
    return readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
}

test('a worker file still being written is read from FILE.partial', () => {
  writeFileSync(join(dir, '1.part.partial'), 'recording');
  assert.equal(opened(), 'recording');
});

test('a worker that already committed its file is read from FILE', () => {
  writeFileSync(join(dir, '1.part'), 'committed');
  assert.equal(opened(), 'committed');
});

test('no file at all is still an error naming it', () => {
  assert.throws(() => openWorkerFile(join(dir, '1.part')), /ENOENT.*1\.part/);
});
