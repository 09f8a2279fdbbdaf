// Small Go programs built for windows/arm64 with the reference toolchain (Go 1.19), for behaviour no fixture has: an
// API wintrace does not emulate, a call to address 0, raw syscalls with bad pointers. Either written by the test
// (buildGoProgram) or kept in tests/programs/<name>/main.go (buildTestProgram): programs that only make sense
// under Windows, so they cannot be fixtures, whose native linux run is the reference.

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gorootOf } from '../../src/toolchains.ts';
import { ROOT } from './fixtures.ts';

export const GO = join(gorootOf('1.19'), 'bin', 'go');
/** A reason to skip, for node:test, when the toolchain is not installed. */
export const NO_GO = !existsSync(GO) && 'no Go 1.19 toolchain (scripts/setup.sh)';

/** Builds `source` (package main) as `<dir>/<name>.exe` and returns its path. */
export function buildGoProgram(dir: string, name: string, source: string): string {
  const src = join(dir, `${name}-src`);
  mkdirSync(src, { recursive: true });
  writeFileSync(join(src, 'go.mod'), `module wintrace.dev/${name}\n\ngo 1.19\n`);
  writeFileSync(join(src, 'main.go'), source);
  const exe = join(dir, `${name}.exe`);
  execFileSync(GO, ['build', '-trimpath', '-buildvcs=false', '-ldflags=-buildid=', '-o', exe, '.'], {
    cwd: src,
    env: { ...process.env, GOTOOLCHAIN: 'local', GOFLAGS: '', CGO_ENABLED: '0', GOOS: 'windows', GOARCH: 'arm64', GOCACHE: join(dir, 'gocache') },
  });
  return exe;
}

/** The go command of Go 1.19, or undefined when it is not installed (the test is then skipped). */
export function goCommand(): string | undefined {
  return existsSync(GO) ? GO : undefined;
}

/** Builds tests/programs/<name>/main.go into <dir>/<name>.exe and returns its path. */
export function buildTestProgram(name: string, dir: string): string {
  return buildGoProgram(dir, name, readFileSync(join(ROOT, 'tests', 'programs', name, 'main.go'), 'utf8'));
}
