// The Go toolchains wintrace builds and tests with: pinned in toolchains/go.tsv, unpacked by scripts/toolchains.sh
// into .cache/toolchains/goX/usr/lib/go-X (an unpacked Go finds its own root from where its binary lives).

import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../', import.meta.url));

export interface PinnedToolchain {
  /** "1.27": the Debian package's version (golang-1.27-go). */
  readonly release: string;
  readonly suite: string;
  readonly debianVersion: string;
}

export interface Toolchain extends PinnedToolchain {
  /** What the toolchain calls itself (its VERSION file), e.g. "go1.27.3". */
  readonly version: string;
  readonly goroot: string;
}

/** Every toolchain toolchains/go.tsv pins, oldest first. */
export function pinnedToolchains(root = ROOT): PinnedToolchain[] {
  const file = `${root}toolchains/go.tsv`;
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '' && !l.startsWith('#'))
    .map((l) => {
      const [release, suite, debianVersion] = l.split('\t') as [string, string, string];
      return { release, suite, debianVersion };
    });
}

/** The goroot a pinned toolchain is unpacked to, whether or not it is there. */
export function gorootOf(release: string, root = ROOT): string {
  return `${root}.cache/toolchains/go${release}/usr/lib/go-${release}`;
}

/** The pinned toolchains that are unpacked and complete now. */
export function installedToolchains(root = ROOT): Toolchain[] {
  const out: Toolchain[] = [];
  for (const p of pinnedToolchains(root)) {
    const goroot = gorootOf(p.release, root);
    if (!existsSync(`${goroot}/bin/go`) || !existsSync(`${goroot}/VERSION`)) continue;
    const version = readFileSync(`${goroot}/VERSION`, 'utf8').split('\n')[0]!.trim();
    out.push({ ...p, version, goroot });
  }
  return out;
}
