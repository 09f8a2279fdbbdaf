// The source text around a pc's line, when the file is on this machine: the line tables name a file as the build
// saw it (`runtime/sys_windows_arm64.s` and `wintrace.dev/fixtures/x/main.go` under -trimpath, an absolute path on
// the build machine otherwise), so a file is looked for as named, in the GOROOT of the pinned toolchain that built
// the program (the trace header's Go version), and under each --source-dir with its leading directories dropped
// one by one (`wintrace.dev/fixtures/x/main.go` is found as fixtures/go/x/main.go under --source-dir fixtures/go).

import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gorootOf } from '../toolchains.ts';
import type { SourceLine } from './pclntab-lines.ts';

export interface SourceView {
  readonly file: string;
  readonly line: number;
  /** Where the file was read from; undefined when it was not found, and `searched` lists where it was looked for. */
  readonly path?: string;
  readonly searched?: readonly string[];
  /** The lines around `line`: [line number, text]. */
  readonly lines: ReadonlyArray<readonly [number, string]>;
}

/** A file larger than this is not read (a source pane shows a few lines of a source file). */
const MAX_SOURCE_BYTES = 16 * 1024 * 1024;

export class SourceFiles {
  private readonly texts = new Map<string, string[] | undefined>();
  private readonly goroot: string | undefined;

  /** `goVersion` as the trace header gives it (`go1.27.3`). */
  constructor(goVersion: string | undefined, private readonly dirs: readonly string[] = []) {
    const release = /^go(\d+\.\d+)/.exec(goVersion ?? '')?.[1];
    this.goroot = release === undefined ? undefined : gorootOf(release);
  }

  /** The places `file` is looked for, in order. */
  candidates(file: string): string[] {
    const out: string[] = [];
    if (file.startsWith('/')) out.push(file);
    const parts = file.split('/').filter((x) => x !== '');
    const src = parts.lastIndexOf('src');
    if (this.goroot !== undefined) {
      out.push(join(this.goroot, 'src', ...parts));
      if (src >= 0) out.push(join(this.goroot, 'src', ...parts.slice(src + 1)));
    }
    for (const d of this.dirs) for (let k = 0; k < parts.length; k++) out.push(join(d, ...parts.slice(k)));
    return out;
  }

  /** `rows` lines of the file around `at.line` (the line about a third of the way down). */
  around(at: SourceLine, rows: number): SourceView {
    const candidates = this.candidates(at.file);
    const path = candidates.find(isFile);
    const text = path === undefined ? undefined : this.read(path);
    if (path === undefined || text === undefined) return { file: at.file, line: at.line, searched: candidates, lines: [] };
    const first = Math.max(1, Math.min(at.line - Math.floor(rows / 3), text.length - rows + 1));
    const lines: Array<[number, string]> = [];
    for (let n = first; n < first + rows && n <= text.length; n++) lines.push([n, text[n - 1]!]);
    return { file: at.file, line: at.line, path, lines };
  }

  private read(path: string): string[] | undefined {
    if (this.texts.has(path)) return this.texts.get(path);
    let text: string[] | undefined;
    try {
      if (statSync(path).size <= MAX_SOURCE_BYTES) text = readFileSync(path, 'utf8').split(/\r?\n/);
    } catch {
      text = undefined;
    }
    this.texts.set(path, text);
    return text;
  }
}

function isFile(p: string): boolean {
  try {
    return existsSync(p) && statSync(p).isFile();
  } catch {
    return false;
  }
}
