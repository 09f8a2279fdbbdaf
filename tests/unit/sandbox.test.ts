// The guest's view of host files: nothing but --mount directories, read-only, with no way out of them; and the
// lines `run` and `record` print about refusals and about how a run ended.

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { parseMount, parseSandbox, parseTimeout, programArgs } from '../../src/cli/options.ts';
import { denialLines, endLines } from '../../src/cli/run-end.ts';
import { UsageError } from '../../src/errors.ts';
import { API_TABLE } from '../../src/recorder/windows/dlls/index.ts';
import type { GuestMemory } from '../../src/recorder/windows/guest-memory.ts';
import { HandleTable } from '../../src/recorder/windows/handles.ts';
import { MountedFile } from '../../src/recorder/windows/objects.ts';
import type { WindowsProcess } from '../../src/recorder/windows/process.ts';
import { Sandbox } from '../../src/recorder/windows/sandbox.ts';

const root = mkdtempSync(join(tmpdir(), 'wintrace-sandbox-'));
const data = join(root, 'data');
mkdirSync(join(data, 'sub'), { recursive: true });
writeFileSync(join(data, 'note.txt'), 'hello');
writeFileSync(join(root, 'secret.txt'), 'not for the guest');
symlinkSync(join(root, 'secret.txt'), join(data, 'escape.txt'));
after(() => rmSync(root, { recursive: true, force: true }));

describe('Sandbox', () => {
  const sb = new Sandbox([parseMount(`${data}:C:\\data`)]);

  test('a mounted file resolves, in any case and with either slash, to the host file', () => {
    for (const p of ['C:\\data\\note.txt', 'c:/DATA/note.txt', '\\\\?\\C:\\data\\note.txt', 'C:\\data\\sub\\..\\note.txt']) {
      assert.deepEqual(sb.resolve(p), { kind: 'host', host: join(data, 'note.txt'), root: data, isDirectory: false, size: 5 }, p);
    }
    const dir = sb.resolve('C:\\data\\');
    assert.ok(dir.kind === 'host' && dir.isDirectory && dir.host === data, JSON.stringify(dir));
    assert.deepEqual(sb.resolve('C:\\data\\missing.txt'), { kind: 'missing' });
  });

  test('paths outside every mount, or climbing or linking out of one, are refused with the reason', () => {
    assert.deepEqual(sb.resolve('/etc/passwd'), { kind: 'refused', reason: 'no --mount covers it' });
    assert.deepEqual(sb.resolve('C:\\Windows\\win.ini'), { kind: 'refused', reason: 'no --mount covers it' });
    assert.deepEqual(sb.resolve('C:\\database\\x'), { kind: 'refused', reason: 'no --mount covers it' }, 'a prefix of a name is not the mount');
    assert.deepEqual(sb.resolve('C:\\data\\..\\secret.txt'), { kind: 'refused', reason: 'climbs out of --mount C:\\data' });
    assert.deepEqual(sb.resolve('C:\\data\\escape.txt'), { kind: 'denied', reason: 'leads out of --mount C:\\data' });
    assert.deepEqual(new Sandbox().resolve('C:\\data\\note.txt'), { kind: 'refused', reason: 'no --mount covers it' });
  });

  test('a directory lists ".", ".." and its entries in sorted order', () => {
    assert.deepEqual(Sandbox.list({ host: data, root: data }).map((e) => `${e.name}${e.isDirectory ? '/' : ''}`), ['./', '../', 'escape.txt', 'note.txt', 'sub/']);
  });

  test('--mount needs HOST:GUEST with a drive path and an existing host directory', () => {
    assert.deepEqual(parseMount(`${data}:D:/in/`), { host: data, guest: 'D:\\in' });
    assert.throws(() => parseMount(`${data}:data`), (e: unknown) => e instanceof UsageError && /--mount expects HOST:GUEST/.test(e.message));
    assert.throws(() => parseMount(`${root}/nope:C:\\x`), (e: unknown) => e instanceof UsageError && e.message.endsWith('nope does not exist'));
    assert.throws(() => parseMount(`${data}/note.txt:C:\\x`), (e: unknown) => e instanceof UsageError && e.message.endsWith('note.txt is not a directory'));
    assert.equal(parseSandbox([]).mounts.length, 0);
  });

  test('--timeout is positive seconds; guest arguments come from positionals and after --', () => {
    assert.equal(parseTimeout(undefined), undefined);
    assert.equal(parseTimeout(1.5), 1500);
    assert.throws(() => parseTimeout(0), UsageError);
    assert.throws(() => parseTimeout(Number.NaN), UsageError);
    assert.deepEqual(programArgs({ args: ['a'], '--': ['--b', 'C:\\c'] }), ['a', '--b', 'C:\\c']);
    assert.deepEqual(programArgs({}), []);
  });
});

describe('CreateFileW over the sandbox', () => {
  const sb = new Sandbox([parseMount(`${data}:C:\\data`)]);
  const handles = new HandleTable();
  const createFileW = API_TABLE.get('kernel32.dll!CreateFileW')!;
  const GENERIC_READ = 0x8000_0000n;
  const GENERIC_WRITE = 0x4000_0000n;
  const OPEN_EXISTING = 3n;
  const CREATE_ALWAYS = 2n;
  /** Calls the implementation as the guest would, with only what it touches. */
  function open(path: string, access: bigint, disposition: bigint): { handle: bigint; error: number } {
    let error = 0;
    const handle = createFileW.impl({
      process: { sandbox: sb, handles } as unknown as WindowsProcess,
      thread: undefined as never,
      mem: { wString: () => path } as unknown as GuestMemory,
      args: [0n, access, 0n, 0n, disposition, 0n, 0n],
      caller: 0n,
      setLastError: (e) => {
        error = e;
      },
    }) as bigint;
    return { handle, error };
  }

  test('a mounted file opens for reading and holds the host file\'s bytes', () => {
    const { handle } = open('C:\\data\\note.txt', GENERIC_READ, OPEN_EXISTING);
    const f = handles.get(handle);
    assert.ok(f instanceof MountedFile);
    assert.equal(Buffer.from(f.data).toString(), 'hello');
  });

  test('mounts are read-only: write access or creation is refused with ERROR_ACCESS_DENIED and reported', () => {
    const before = sb.denials.length;
    assert.deepEqual(open('C:\\data\\note.txt', GENERIC_WRITE, OPEN_EXISTING), { handle: 0xffff_ffff_ffff_ffffn, error: 5 });
    assert.deepEqual(open('C:\\data\\new.txt', GENERIC_WRITE, CREATE_ALWAYS), { handle: 0xffff_ffff_ffff_ffffn, error: 5 });
    assert.deepEqual(sb.denials.slice(before), [
      'CreateFileW C:\\data\\note.txt (mounts are read-only)',
      'CreateFileW C:\\data\\new.txt (mounts are read-only)',
    ]);
  });

  test('outside the mounts a file is not found, and a name no file system can hold is invalid without a refusal', () => {
    const before = sb.denials.length;
    assert.deepEqual(open('/etc/passwd', GENERIC_READ, OPEN_EXISTING), { handle: 0xffff_ffff_ffff_ffffn, error: 2 });
    assert.deepEqual(open(`C:\\Windows\\system32\\${'A'.repeat(300)}`, GENERIC_READ, OPEN_EXISTING), { handle: 0xffff_ffff_ffff_ffffn, error: 123 });
    assert.deepEqual(sb.denials.slice(before), ['CreateFileW /etc/passwd (no --mount covers it)']);
  });
});

describe('what run and record print at the end', () => {
  test('refusals: one line each, in the order first tried, repeats counted', () => {
    assert.deepEqual(denialLines(['CreateFileW /etc/passwd (no --mount covers it)', 'FindFirstFileW /etc/passwd\\* (no --mount covers it)', 'CreateFileW /etc/passwd (no --mount covers it)']), [
      'wintrace: sandbox refused: CreateFileW /etc/passwd (no --mount covers it) (2 times)',
      'wintrace: sandbox refused: FindFirstFileW /etc/passwd\\* (no --mount covers it)',
    ]);
    assert.deepEqual(denialLines([]), []);
  });

  test('each way a run ends that the program did not choose', () => {
    const limits = { maxInstructions: 1000, timeoutSeconds: 2 };
    assert.deepEqual(endLines({ reason: 'exit', exitCode: 3 }, limits), []);
    assert.deepEqual(endLines({ reason: 'budget', exitCode: 5 }, limits), ['wintrace: stopped after --max-instructions 1000']);
    assert.deepEqual(endLines({ reason: 'timeout', exitCode: 5 }, limits), ['wintrace: stopped after --timeout 2 s']);
    assert.deepEqual(endLines({ reason: 'deadlock', exitCode: 5, waits: ['thread 0x1000: WaitForSingleObject on Event(manual, unset) (no timeout)'], idleNs: 0n }, limits), [
      'wintrace: deadlock: every thread waits with no timeout',
      '  thread 0x1000: WaitForSingleObject on Event(manual, unset) (no timeout)',
    ]);
    assert.match(endLines({ reason: 'deadlock', exitCode: 5, waits: [], idleNs: 24n * 3_600_000_000_000n }, limits)[0]!, /for 24 h of virtual time only timeouts expired/);
  });
});

describe('links out of a mount tell the guest nothing about the host', () => {
  // Outside the mount: a file of a telling size, a directory with a file, and a name that does not exist.
  const top = mkdtempSync(join(tmpdir(), 'wintrace-sandbox-links-'));
  const mount = join(top, 'mount');
  mkdirSync(join(mount, 'sub'), { recursive: true });
  mkdirSync(join(top, 'outdir'));
  writeFileSync(join(top, 'outdir', 'f'), 'x');
  writeFileSync(join(top, 'outfile'), 'y'.repeat(1234));
  writeFileSync(join(mount, 'note.txt'), 'hello');
  const OUT: Record<string, string> = {
    'file': '../outfile', 'missing': '../no-such-file', 'dir': '../outdir', 'abs-file': join(top, 'outfile'),
    'abs-missing': join(top, 'no-such-file'), 'abs-dir': join(top, 'outdir'), 'dotdot': 'sub/../../outfile',
    'chain': 'file', 'chain-missing': 'missing', 'loop1': 'loop2', 'loop2': 'loop1', 'root-prefix': `${mount}x/f`,
  };
  for (const [name, target] of Object.entries(OUT)) symlinkSync(target, join(mount, name));
  symlinkSync('note.txt', join(mount, 'in-file'));
  symlinkSync('sub', join(mount, 'in-dir'));
  symlinkSync(join(mount, 'note.txt'), join(mount, 'abs-in'));
  symlinkSync('sub/../note.txt', join(mount, 'in-dotdot'));
  after(() => rmSync(top, { recursive: true, force: true }));
  const sb = new Sandbox([parseMount(`${mount}:C:\\m`)]);
  const denied = { kind: 'denied', reason: 'leads out of --mount C:\\m' };

  test('each link out, and every path through one, resolves the same whether or not its target exists', () => {
    for (const name of Object.keys(OUT)) {
      for (const tail of ['', '\\f', '\\no-such-file']) assert.deepEqual(sb.resolve(`C:\\m\\${name}${tail}`), denied, `${name}${tail}`);
      // `..` in a guest path is undone before any lookup, as Win32 does: the link is never followed.
      assert.deepEqual(sb.resolve(`C:\\m\\${name}\\..\\note.txt`), { kind: 'host', host: join(mount, 'note.txt'), root: mount, isDirectory: false, size: 5 });
    }
  });

  test('links that stay inside resolve to their target, as before', () => {
    for (const name of ['in-file', 'abs-in', 'in-dotdot']) assert.deepEqual(sb.resolve(`C:\\m\\${name}`), { kind: 'host', host: join(mount, 'note.txt'), root: mount, isDirectory: false, size: 5 }, name);
    const d = sb.resolve('C:\\m\\in-dir');
    assert.ok(d.kind === 'host' && d.isDirectory && d.host === join(mount, 'sub'), JSON.stringify(d));
  });

  test('a listing shows a link out by name as an empty file: neither the type nor the size of its target, nor whether it exists', () => {
    const entries = Object.fromEntries(Sandbox.list({ host: mount, root: mount }).map((e) => [e.name, { dir: e.isDirectory, size: e.size }]));
    for (const name of Object.keys(OUT)) assert.deepEqual(entries[name], { dir: false, size: 0 }, name);
    assert.deepEqual(entries['in-file'], { dir: false, size: 5 });
    assert.deepEqual(entries['in-dir'], { dir: true, size: 0 });
  });

  test('every file API answers ERROR_ACCESS_DENIED through a link out, the same for a present and an absent target', () => {
    const answers = (path: string) => {
      const out: Record<string, number> = {};
      for (const [api, args] of [
        ['CreateFileW', [0n, 0x8000_0000n, 0n, 0n, 3n, 0n, 0n]], ['CreateFileW', [0n, 0x4000_0000n, 0n, 0n, 2n, 0n, 0n]],
        ['CreateFileW', [0n, 0x8000_0000n, 0n, 0n, 4n, 0x0200_0000n, 0n]], ['GetFileAttributesW', [0n]],
        ['GetFileAttributesExW', [0n, 0n, 0n]], ['FindFirstFileW', [0n, 0n]],
      ] as Array<[string, bigint[]]>) {
        let error = 0;
        API_TABLE.get(`kernel32.dll!${api}`)!.impl({
          process: { sandbox: sb, handles: new HandleTable() } as unknown as WindowsProcess,
          thread: undefined as never,
          mem: { wString: () => (api === 'FindFirstFileW' ? `${path}\\*` : path) } as unknown as GuestMemory,
          args, caller: 0n,
          setLastError: (e) => {
            error = e;
          },
        });
        out[`${api}(${args[1]},${args[4]})`] = error;
      }
      return out;
    };
    const expected = answers('C:\\m\\file');
    assert.ok(Object.values(expected).every((e) => e === 5), JSON.stringify(expected));
    for (const name of Object.keys(OUT)) {
      assert.deepEqual(answers(`C:\\m\\${name}`), expected, name);
      assert.deepEqual(answers(`C:\\m\\${name}\\f`), expected, `${name}\\f`);
    }
  });
});
