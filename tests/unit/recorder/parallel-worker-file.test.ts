// The stitching writer opens each --jobs worker's file when it reaches that worker's first share: the worker may
// already have finished and renamed FILE.partial to FILE (a short program), or still be writing FILE.partial.

import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { openWorkerFile } from '../../../src/recorder/parallel-record.ts';

const readAll = (fd: number): string => readFileSync(fd, 'utf8');

test('a worker file still being written is read from FILE.partial', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wintrace-worker-file-'));
  try {
    writeFileSync(join(dir, '1.part.partial'), 'recording');
    const fd = openWorkerFile(join(dir, '1.part'));
    assert.equal(readAll(fd), 'recording');
    closeSync(fd);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a worker that already committed its file is read from FILE', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wintrace-worker-file-'));
  try {
    writeFileSync(join(dir, '1.part'), 'committed');
    const fd = openWorkerFile(join(dir, '1.part'));
    assert.equal(readAll(fd), 'committed');
    closeSync(fd);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('no file at all is still an error naming it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wintrace-worker-file-'));
  try {
    assert.throws(() => openWorkerFile(join(dir, '1.part')), /ENOENT.*1\.part/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
