// A fuzz worker's scratch directory. The campaign ends workers with SIGKILL, so a worker cannot always clean up
// after itself: each one removes the directories of workers that no longer exist when it makes its own.

import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** `<tmp>/<prefix>-<pid>`, empty, removed when the worker exits normally; stale siblings are removed. */
export function scratchDir(prefix: string): string {
  const dir = join(tmpdir(), `${prefix}-${process.pid}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  const stale = new RegExp(`^${prefix}-(\\d+)$`);
  for (const f of readdirSync(tmpdir())) {
    const pid = Number(stale.exec(f)?.[1]);
    if (Number.isInteger(pid) && pid !== process.pid && !alive(pid)) rmSync(join(tmpdir(), f), { recursive: true, force: true });
  }
  return dir;
}
