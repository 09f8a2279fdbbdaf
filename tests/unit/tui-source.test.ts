// Go source lines in the TUI, on the committed golden trace of a recovered nil dereference (Go 1.19): the
// disassembly marks main.readValue's line, the call stack names each frame's line, `9` shows main.go around the
// load from --source-dir (and says plainly when the file is nowhere), the runtime's assembly from the toolchain's
// GOROOT, and `B FILE:LINE` stops a continue at that line.

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { Replay } from '../../src/replayer/replay.ts';
import { runTo } from '../../src/replayer/search.ts';
import { resolveFileLine } from '../../src/replayer/source-position.ts';
import { gorootOf } from '../../src/toolchains.ts';
import { FIXTURE_SOURCES, ROOT } from '../helpers/fixtures.ts';
import { KEYS, startTui, type TuiHarness } from '../helpers/tui-app.ts';

const r = Replay.open(join(ROOT, 'traces', 'recovered-nil-dereference.mp'));
let ui: TuiHarness | undefined;
after(() => {
  ui?.unmount();
  r.close();
});

async function open(position: number, sourceDirs: string[] = []): Promise<TuiHarness> {
  ui?.unmount();
  ui = await startTui(r, position, { width: 160, height: 40, sourceDirs });
  return ui;
}

describe('source lines in the TUI', () => {
  test('the disassembly and the call stack name main.go:20 at the faulting load', async () => {
    const h = await open(0);
    assert.match(h.frame(), /=> main\.readValue +ldr x0, \[x0\] +main\.go:20/);
    await h.press('5');
    const f = await h.waitFor((x) => /#1 /.test(x));
    assert.match(f, /#0 +main\.readValue main\.go:20 +pc/);
    assert.match(f, /#1 +main\.main\+0xc0 main\.go:41 /);
  });

  test('9 shows main.go around the line from --source-dir, the line marked', async () => {
    const h = await open(0, [join(FIXTURE_SOURCES)]);
    await h.press('9');
    const f = await h.waitFor((x) => /=> 20 /.test(x));
    assert.match(f, /fixtures\/go\/panic-recover\/main\.go/);
    assert.match(f, /=> 20 +return n\.value/);
    assert.match(f, / 19 func readValue\(n \*node\) int \{/);
  });

  test('9 without the file on disk says where it looked', async () => {
    const h = await open(0);
    await h.press('9');
    const f = await h.waitFor((x) => /not found/.test(x));
    assert.match(f, /│main\.go:20: file not found *│/);
    assert.match(f, /│looked in: *│/);
    assert.match(f, /│~?[^│]*\/fixtures\/panic-recover\/main\.go│/);
    assert.match(f, /│--source-dir DIR adds a place *│/);
  });

  test('in sigtramp the source pane shows sys_windows_arm64.s from the GOROOT of the Go that built it', async (t) => {
    const asm = join(gorootOf('1.19'), 'src/runtime/sys_windows_arm64.s');
    if (!existsSync(asm)) return t.skip(`${asm} is not unpacked`);
    const p = runTo(r.trace, 0, 1, { breakpoints: new Set([r.trace.symbols.resolve('sigtramp')! + 4]) }).position;
    const h = await open(p);
    await h.press('9');
    const f = await h.waitFor((x) => /=> 143 /.test(x));
    assert.match(f, /1\.19\/src\/runtime\/sys_windows_arm64\.s/);
    assert.match(f, /=> 143 +MOVD\s+R1, R6/);
  });

  test('B FILE:LINE sets a breakpoint at the line; c stops there and says the line', async () => {
    const h = await open(0);
    await h.press('B', 'sys_windows_arm64.s:145', KEYS.enter);
    assert.match(h.frame(), /set breakpoint at runtime\/sys_windows_arm64\.s:145/);
    // A continue also stops at the exception on the way.
    for (let i = 0; i < 4 && !/breakpoint at sigtramp/.test(h.frame()); i++) {
      await h.press('c');
      await h.waitFor((x) => !x.includes('continuing'));
    }
    const pcs = new Set(resolveFileLine(r.trace.sourceLines, 'sys_windows_arm64.s:145').runs.map((x) => x.start));
    assert.equal(h.position(), runTo(r.trace, 0, 1, { breakpoints: pcs }).position);
    assert.match(h.frame(), /breakpoint at sigtramp\+0xc at sys_windows_arm64\.s:145/);
    await h.press('B', 'nosuch.go:1', KEYS.enter);
    assert.match(h.frame(), /no file nosuch\.go in the program's line tables/);
  });
});
