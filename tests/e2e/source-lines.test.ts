// Go source lines from the program's pclntab, on the demo built by the oldest and the newest Go (1.19's 0xFFFFFFF0
// header, 1.27's 0xFFFFFFF1): `show` names the line of main.readValue's load as the fixture's source has it, a
// runtime assembly routine maps into sys_windows_arm64.s as that toolchain's source has it, `--at FILE:LINE`
// lands on the line, and a file or line without code is one line and exit 2.

import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { gorootOf } from '../../src/toolchains.ts';
import { wintrace } from '../helpers/cli.ts';
import { FIXTURE_SOURCES, fixtureExe } from '../helpers/fixtures.ts';

const dir = mkdtempSync(join(tmpdir(), 'wintrace-source-lines-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const MAIN_GO = join(FIXTURE_SOURCES, 'panic-recover', 'main.go');
/** 1-based line of the first line of `text` matching `re`. */
function lineOf(text: string, re: RegExp): number {
  const i = text.split('\n').findIndex((l) => re.test(l));
  assert.ok(i >= 0, `no line matches ${re}`);
  return i + 1;
}
const mainSource = readFileSync(MAIN_GO, 'utf8');
const LOAD_LINE = lineOf(mainSource, /^\treturn n\.value$/);
/** Where the first line of the header ends: `..., SYMBOL at FILE:LINE`. */
const headLine = (out: string) => out.split('\n')[0]!;
const positionOf = (out: string) => Number(/position (\d+) of/.exec(headLine(out))![1]);

for (const release of ['1.19', '1.27']) {
  describe(`go${release} demo`, () => {
    const trace = join(dir, `pr-${release}.mp`);
    test('records', () => {
      const r = wintrace('record', fixtureExe('panic-recover', release), '-o', trace);
      assert.equal(r.code, 0, r.err);
    });

    test('show --at main.readValue names the line of its load in main.go, also in the disassembly and the call stack', () => {
      const r = wintrace('show', trace, '--at', 'main.readValue');
      assert.equal(r.code, 0, r.err);
      assert.match(headLine(r.out), new RegExp(`main\\.readValue at main\\.go:${LOAD_LINE}$`));
      assert.match(r.out, new RegExp(`=> +0x[0-9a-f]+ +main\\.readValue +main\\.go:${LOAD_LINE} +ldr x0, \\[x0\\]`));
      const callLine = lineOf(mainSource, /return readValue\(n\), nil/);
      assert.match(r.out, new RegExp(`#1 +main\\.safeRead\\+0x[0-9a-f]+ +main\\.go:${callLine} `));
    });

    test('runtime assembly maps to sys_windows_arm64.s at sigtramp\'s first instruction as the toolchain\'s source has it', (t) => {
      const asm = join(gorootOf(release), 'src/runtime/sys_windows_arm64.s');
      if (!existsSync(asm)) return t.skip(`${asm} is not unpacked (scripts/toolchains.sh)`);
      const r = wintrace('show', trace, '--at', 'sigtramp');
      assert.equal(r.code, 0, r.err);
      const m = /sigtramp at sys_windows_arm64\.s:(\d+)$/.exec(headLine(r.out));
      assert.ok(m, headLine(r.out));
      // The first instruction is on the TEXT line (a frame the assembler builds) or the first one after it.
      const lines = readFileSync(asm, 'utf8').split('\n');
      const text = lineOf(lines.join('\n'), /^TEXT sigtramp<>\(SB\)/);
      const firstInsn = text + 1 + lines.slice(text).findIndex((l) => /^\t[A-Z]/.test(l));
      assert.ok(Number(m[1]) === text || Number(m[1]) === firstInsn, `line ${m[1]}: TEXT at ${text}, first instruction at ${firstInsn}`);
    });

    test('--at main.go:LINE, a path suffix and an absolute path land where main.readValue first runs', () => {
      const byName = positionOf(wintrace('show', trace, '--at', 'main.readValue').out);
      for (const at of [`main.go:${LOAD_LINE}`, `panic-recover/main.go:${LOAD_LINE}`, `${MAIN_GO}:${LOAD_LINE}`]) {
        const r = wintrace('show', trace, '--at', at);
        assert.equal(r.code, 0, `${at}: ${r.err}`);
        assert.equal(positionOf(r.out), byName, at);
        assert.match(headLine(r.out), new RegExp(`^first execution of panic-recover/main\\.go:${LOAD_LINE} \\(main\\.readValue\\)`));
      }
    });

    test('a line without code and an unknown file: one line each, exit 2', () => {
      const blank = LOAD_LINE + 2;
      assert.equal(mainSource.split('\n')[blank - 1], '');
      for (const [at, says] of [[`main.go:${blank}`, `no instruction of .*main\\.go is at line ${blank} \\(nearest lines with code: ${LOAD_LINE}, `],
        ['nosuch.go:3', 'no file nosuch\\.go in the program\'s line tables']] as const) {
        const r = wintrace('show', trace, '--at', at);
        assert.equal(r.code, 2, `${at}: ${r.out}`);
        assert.equal(r.out, '');
        assert.match(r.err, new RegExp(`^wintrace: --at ${at.replace(/\./g, '\\.')}: ${says}.*\n$`));
      }
    });
  });
}

test('dump --lines on a committed golden names each instruction\'s line; help lists the option', () => {
  const r = wintrace('dump', join(FIXTURE_SOURCES, '..', '..', 'traces', 'recovered-nil-dereference.mp'), '--lines');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, new RegExp(`^0x1000 main\\.readValue +main\\.go:${LOAD_LINE} +ldr x0, \\[x0\\]$`, 'm'));
  assert.match(r.out, /^0x1000 sigtramp\+0xc +sys_windows_arm64\.s:145 /m);
  assert.match(wintrace('dump', '--help').out, /--lines/);
  assert.match(wintrace('tui', '--help').out, /--source-dir/);
});
