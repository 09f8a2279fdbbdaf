// Builds a small Go program of tests/programs for windows/arm64 with a pinned toolchain, as scripts/build-fixtures.sh
// builds the fixtures, into a directory the test owns: programs that only make sense under Windows (raw syscalls)
// and so cannot be fixtures, whose native linux run is the reference.

import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gorootOf } from '../../src/toolchains.ts';
import { ROOT } from './fixtures.ts';

/** The go command of a pinned release, or undefined when it is not installed (the test is then skipped). */
export function goCommand(release = '1.19'): string | undefined {
  const go = join(gorootOf(release), 'bin', 'go');
  return existsSync(go) ? go : undefined;
}

/** Builds tests/programs/<name>/main.go into <dir>/<name>.exe and returns its path. */
export function buildTestProgram(name: string, dir: string, release = '1.19'): string {
  const go = goCommand(release);
  if (!go) throw new Error(`Go ${release} is not installed: run scripts/setup.sh`);
  const src = join(dir, `${name}-src`);
  mkdirSync(src, { recursive: true });
  copyFileSync(join(ROOT, 'tests', 'programs', name, 'main.go'), join(src, 'main.go'));
  writeFileSync(join(src, 'go.mod'), `module wintrace.dev/tests/${name}\n\ngo ${release}\n`);
  const exe = join(dir, `${name}.exe`);
  execFileSync(go, ['build', '-trimpath', '-buildvcs=false', '-o', exe, '.'], {
    cwd: src, stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, GOTOOLCHAIN: 'local', GOFLAGS: '', CGO_ENABLED: '0', GOOS: 'windows', GOARCH: 'arm64' },
  });
  return exe;
}
