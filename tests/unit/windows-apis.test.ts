// The Win32 functions Go 1.21-1.27 runtimes added, as a program relies on them: each is called on a real
// emulated process (the hello fixture, loaded but not run) either directly, or from a few instructions of guest
// code on a thread of its own when the scheduler and the virtual clock are part of the behaviour.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { KNOWN_DLLS } from '../../src/recorder/windows/dlls/index.ts';
import { TEB } from '../../src/recorder/windows/structs.ts';
import { harness, runOnThread } from '../helpers/api-harness.ts';

describe('Go 1.21+ runtime APIs', () => {
  test('ProcessPrng fills exactly N bytes from the seeded generator, the same on every run', () => {
    const draw = (): Uint8Array => {
      const h = harness();
      try {
        const buf = h.scratch + 0x100n;
        h.proc.mem.write(buf - 8n, new Uint8Array(8 + 37 + 8).fill(0xcc));
        assert.equal(h.call('bcryptprimitives.dll!ProcessPrng', buf, 37n), true, 'ProcessPrng always returns TRUE');
        const around = h.proc.mem.bytes(buf - 8n, 8 + 37 + 8);
        assert.deepEqual([...around.subarray(0, 8)], Array(8).fill(0xcc), 'nothing written before the buffer');
        assert.deepEqual([...around.subarray(45)], Array(8).fill(0xcc), 'nothing written after the 37th byte');
        return around.slice(8, 45);
      } finally {
        h.close();
      }
    };
    const a = draw();
    const b = draw();
    assert.deepEqual(a, b, 'two runs draw the same bytes');
    assert.ok(new Set(a).size > 20, 'the bytes vary');
  });

  test('bcryptprimitives.dll and powrprof.dll load; a DLL wintrace does not emulate does not', () => {
    const h = harness();
    try {
      for (const dll of ['bcryptprimitives.dll', 'powrprof.dll', 'ntdll.dll', 'winmm.dll']) {
        assert.ok(KNOWN_DLLS.has(dll), dll);
        assert.notEqual(h.proc.loadLibrary(dll), 0n, dll);
      }
      assert.equal(h.proc.loadLibrary('C:\\Windows\\System32\\bcryptprimitives.dll'), h.proc.loadLibrary('bcryptprimitives'));
      assert.equal(h.proc.loadLibrary('d3d12.dll'), 0n);
    } finally {
      h.close();
    }
  });

  test('RtlGetVersion reports Windows 11 (10.0.22631), as RtlGetNtVersionNumbers does', () => {
    const h = harness();
    try {
      const info = h.scratch;
      h.proc.mem.setU32(info, 276);
      assert.equal(h.call('ntdll.dll!RtlGetVersion', info), 0n);
      const v = (o: number) => h.proc.mem.u32(info + BigInt(o));
      assert.deepEqual([v(4), v(8), v(12), v(16)], [10, 0, 22631, 2]);
      h.call('ntdll.dll!RtlGetNtVersionNumbers', h.scratch + 0x200n, h.scratch + 0x204n, h.scratch + 0x208n);
      assert.deepEqual([v(0x200), v(0x204), v(0x208) & 0xffff], [10, 0, 22631]);
      h.proc.mem.setU32(info, 12);
      assert.equal(h.call('ntdll.dll!RtlGetVersion', info), 0xc000000dn, 'a size that is neither structure is refused');
    } finally {
      h.close();
    }
  });

  test('GetTimeZoneInformation: UTC, no bias, no daylight saving', () => {
    const h = harness();
    try {
      const tzi = h.scratch;
      h.proc.mem.write(tzi, new Uint8Array(172).fill(0xee));
      assert.equal(h.call('kernel32.dll!GetTimeZoneInformation', tzi), 0n, 'TIME_ZONE_ID_UNKNOWN');
      const b = h.proc.mem.bytes(tzi, 172);
      const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
      assert.equal(v.getInt32(0, true), 0, 'Bias');
      assert.equal(h.proc.mem.wString(tzi + 4n), 'Coordinated Universal Time');
      assert.equal(h.proc.mem.wString(tzi + 88n), 'Coordinated Universal Time');
      assert.equal(v.getUint16(68 + 2, true), 0, 'StandardDate.wMonth = 0: no transitions');
      assert.deepEqual([v.getInt32(84, true), v.getInt32(168, true)], [0, 0]);
    } finally {
      h.close();
    }
  });

  test('GetTempPathW: TMP with a trailing backslash; too small a buffer gets the size needed', () => {
    const h = harness();
    try {
      const dir = 'C:\\Users\\wintrace\\AppData\\Local\\Temp\\';
      assert.equal(h.call('kernel32.dll!GetTempPathW', 260n, h.scratch), BigInt(dir.length));
      assert.equal(h.proc.mem.wString(h.scratch), dir);
      assert.equal(h.call('kernel32.dll!GetTempPathW', 4n, h.scratch + 0x400n), BigInt(dir.length + 1));
      h.proc.environment.TMP = 'D:\\t';
      assert.equal(h.call('kernel32.dll!GetTempPathW', 260n, h.scratch), 5n);
      assert.equal(h.proc.mem.wString(h.scratch), 'D:\\t\\');
    } finally {
      h.close();
    }
  });

  test('WerGetFlags returns what WerSetFlags stored; GetErrorMode what SetErrorMode set', () => {
    const h = harness();
    try {
      assert.equal(h.call('kernel32.dll!WerGetFlags', 0xffff_ffff_ffff_ffffn, h.scratch), 0n);
      assert.equal(h.proc.mem.u32(h.scratch), 0);
      assert.equal(h.call('kernel32.dll!WerSetFlags', 0x20n /* WER_FAULT_REPORTING_NO_UI */), 0n);
      h.call('kernel32.dll!WerGetFlags', 0xffff_ffff_ffff_ffffn, h.scratch);
      assert.equal(h.proc.mem.u32(h.scratch), 0x20);
      h.call('kernel32.dll!SetErrorMode', 0x8003n);
      assert.equal(h.call('kernel32.dll!GetErrorMode'), 0x8003n);
    } finally {
      h.close();
    }
  });

  test('RaiseFailFastException ends the process with the record\'s code (Go passes 2), else STATUS_FAIL_FAST_EXCEPTION', () => {
    for (const [record, expected] of [[true, 2], [false, 0xc0000602]] as const) {
      const h = harness();
      try {
        let at = 0n;
        if (record) {
          at = h.scratch;
          h.proc.mem.write(at, new Uint8Array(0x98));
          h.proc.mem.setU32(at, 2);
        }
        assert.deepEqual(h.call('kernel32.dll!RaiseFailFastException', at, 0n, 1n), { kind: 'exit-process', code: expected });
        assert.equal(h.proc.exitCode, expected);
        assert.match(h.proc.exceptions.failure ?? '', /^RaiseFailFastException\(code 0x/);
      } finally {
        h.close();
      }
    }
  });

  test('RtlLookupFunctionEntry: NULL for Go code without .pdata and for addresses outside the image', () => {
    const h = harness();
    try {
      const pc = h.proc.symbols.addressOf('main.main')!;
      assert.ok(pc !== undefined);
      assert.equal(h.call('kernel32.dll!RtlLookupFunctionEntry', pc, h.scratch, 0n), 0n);
      assert.equal(h.call('kernel32.dll!RtlLookupFunctionEntry', 0x1234n, h.scratch, 0n), 0n);
    } finally {
      h.close();
    }
  });

  test('NtQueryInformationFile(FileModeInformation): the standard handles are synchronous (Go 1.26+ os.NewFile)', () => {
    const h = harness();
    try {
      const s = h.scratch;
      h.proc.mem.write(s, new Uint8Array(32).fill(0xee));
      assert.equal(h.call('ntdll.dll!NtQueryInformationFile', h.proc.stdHandles.output, s, s + 16n, 4n, 16n), 0n);
      assert.equal(h.proc.mem.u32(s + 16n), 0x20, 'FILE_SYNCHRONOUS_IO_NONALERT');
      assert.deepEqual([h.proc.mem.u64(s), h.proc.mem.u64(s + 8n)], [0n, 4n], 'IO_STATUS_BLOCK: success, 4 bytes');
      assert.equal(h.call('ntdll.dll!NtQueryInformationFile', h.proc.stdHandles.output, s, s + 16n, 4n, 5n), 0xc0000003n);
      assert.equal(h.call('ntdll.dll!NtQueryInformationFile', 0x999n, s, s + 16n, 4n, 16n), 0xc0000008n);
    } finally {
      h.close();
    }
  });

  test('PowerRegisterSuspendResumeNotification registers a callback and hands back a handle', () => {
    const h = harness();
    try {
      const params = h.scratch;
      h.proc.mem.setU64(params, 0x1000_2000n);
      assert.equal(h.call('powrprof.dll!PowerRegisterSuspendResumeNotification', 2n, params, h.scratch + 0x10n), 0n);
      assert.notEqual(h.proc.mem.u64(h.scratch + 0x10n), 0n);
      assert.equal(h.call('powrprof.dll!PowerRegisterSuspendResumeNotification', 1n, params, h.scratch + 0x10n), 87n);
    } finally {
      h.close();
    }
  });

  test('a high-resolution waitable timer set 1.5 s ahead wakes a waiter at that virtual time', () => {
    const h = harness();
    try {
      const CREATE_WAITABLE_TIMER_HIGH_RESOLUTION = 2n;
      const timer = h.call('kernel32.dll!CreateWaitableTimerExW', 0n, 0n, CREATE_WAITABLE_TIMER_HIGH_RESOLUTION, 0x1f0003n) as bigint;
      assert.ok(timer > 0n);
      h.proc.mem.setU64(h.scratch, BigInt.asUintN(64, -15_000_000n)); // relative, 100 ns units
      const setAt = h.proc.clock.now();
      assert.equal(h.call('kernel32.dll!SetWaitableTimer', timer, h.scratch, 0n, 0n, 0n, 0n), true);
      const r = runOnThread(h, 'kernel32.dll!WaitForSingleObject', [timer, 0xffff_ffffn]);
      assert.equal(r.exitCode, 0, 'WAIT_OBJECT_0');
      const woke = r.endNs - setAt;
      assert.ok(woke >= 1_500_000_000n && woke < 1_500_000_000n + 1000n, `woke ${woke} ns after SetWaitableTimer`);
    } finally {
      h.close();
    }
  });

  test('a wait completion packet posts its entry to the port when the associated timer comes due', () => {
    const h = harness();
    try {
      const port = h.call('kernel32.dll!CreateIoCompletionPort', 0xffff_ffff_ffff_ffffn, 0n, 0n, 0n) as bigint;
      const timer = h.call('kernel32.dll!CreateWaitableTimerExW', 0n, 0n, 2n, 0x1f0003n) as bigint;
      const s = h.scratch;
      assert.equal(h.call('ntdll.dll!NtCreateWaitCompletionPacket', s, 0x10000000n, 0n), 0n);
      const packet = h.proc.mem.u64(s);
      assert.equal(h.call('ntdll.dll!NtCancelWaitCompletionPacket', packet, 1n), 0xc0000120n, 'never associated: STATUS_CANCELLED');
      h.proc.mem.setU64(s + 8n, BigInt.asUintN(64, -2_000_000n)); // 200 ms
      h.call('kernel32.dll!SetWaitableTimer', timer, s + 8n, 0n, 0n, 0n, 0n);
      const setAt = h.proc.clock.now();
      h.proc.mem.write(s + 16n, Uint8Array.of(0xff));
      assert.equal(h.call('ntdll.dll!NtAssociateWaitCompletionPacket', packet, port, timer, 0x77n, 0x88n, 0n, 0n, s + 16n), 0n);
      assert.equal(h.proc.mem.bytes(s + 16n, 1)[0], 0, 'AlreadySignaled = FALSE');
      // GetQueuedCompletionStatusEx(port, entries, 1, &removed, INFINITE, FALSE)
      const entries = s + 0x100n;
      const wakesBefore = h.proc.objectWakes;
      const r = runOnThread(h, 'kernel32.dll!GetQueuedCompletionStatusEx', [port, entries, 1n, s + 0x40n, 0xffff_ffffn, 0n]);
      assert.equal(r.exitCode, 1, 'TRUE: an entry was removed');
      assert.equal(h.proc.mem.u32(s + 0x40n), 1);
      assert.equal(h.proc.mem.u64(entries), 0x77n, 'lpCompletionKey = KeyContext');
      assert.equal(h.proc.mem.u64(entries + 8n), 0x88n, 'lpOverlapped = ApcContext');
      const woke = r.endNs - setAt;
      assert.ok(woke >= 200_000_000n && woke < 200_000_000n + 1000n, `woke ${woke} ns after SetWaitableTimer`);
      assert.equal(h.proc.objectWakes, wakesBefore, 'a timer packet is the passing of time, not activity (deadlock.ts)');
      assert.equal(h.call('ntdll.dll!NtCancelWaitCompletionPacket', packet, 1n), 0xc0000120n, 'already completed: STATUS_CANCELLED');
    } finally {
      h.close();
    }
  });

  test('NtAssociateWaitCompletionPacket on a signaled timer queues at once; cancel takes the entry back', () => {
    const h = harness();
    try {
      const port = h.call('kernel32.dll!CreateIoCompletionPort', 0xffff_ffff_ffff_ffffn, 0n, 0n, 0n) as bigint;
      const timer = h.call('kernel32.dll!CreateWaitableTimerExW', 0n, 0n, 2n, 0x1f0003n) as bigint;
      const s = h.scratch;
      h.call('ntdll.dll!NtCreateWaitCompletionPacket', s, 0x10000000n, 0n);
      const packet = h.proc.mem.u64(s);
      h.proc.mem.setU64(s + 8n, BigInt.asUintN(64, -1n));
      h.call('kernel32.dll!SetWaitableTimer', timer, s + 8n, 0n, 0n, 0n, 0n);
      h.proc.clock.advanceTo(h.proc.clock.now() + 1000n);
      assert.equal(h.call('ntdll.dll!NtAssociateWaitCompletionPacket', packet, port, timer, 1n, 0n, 0n, 0n, s + 16n), 0n);
      assert.equal(h.proc.mem.bytes(s + 16n, 1)[0], 1, 'AlreadySignaled = TRUE');
      assert.equal(h.call('ntdll.dll!NtAssociateWaitCompletionPacket', packet, port, timer, 1n, 0n, 0n, 0n, 0n), 0xc00000efn,
        'in use while its entry is queued');
      assert.equal(h.call('ntdll.dll!NtCancelWaitCompletionPacket', packet, 1n), 0n, 'removed from the port');
      assert.equal(h.call('kernel32.dll!GetQueuedCompletionStatusEx', port, s + 0x100n, 1n, s + 0x40n, 0n, 0n), 0n, 'port empty: timeout');
    } finally {
      h.close();
    }
  });

  test('a module snapshot lists the image first, then the emulated DLLs; Module32NextW ends with ERROR_NO_MORE_FILES', () => {
    const h = harness();
    try {
      const TH32CS_SNAPMODULE = 0x8n;
      const snap = h.call('kernel32.dll!CreateToolhelp32Snapshot', TH32CS_SNAPMODULE, 0n) as bigint;
      const me = h.scratch;
      // MODULEENTRY32W's 64-bit layout written out, not taken from structs.ts: modBaseAddr 24, hModule 40,
      // szModule 48, szExePath 560, 1080 bytes.
      h.proc.mem.setU32(me, 1080);
      assert.equal(h.call('kernel32.dll!Module32FirstW', snap, me), true);
      assert.equal(h.proc.mem.u64(me + 24n), h.proc.image.base, 'modBaseAddr of the image');
      assert.equal(h.proc.mem.u64(me + 40n), h.proc.image.base, 'hModule = base');
      assert.equal(h.proc.mem.wString(me + 48n), 'hello.exe');
      assert.equal(h.proc.mem.wString(me + 560n), 'C:\\wintrace\\hello.exe');
      const names: string[] = [];
      while (h.call('kernel32.dll!Module32NextW', snap, me) === true) names.push(h.proc.mem.wString(me + 48n));
      assert.ok(names.includes('kernel32.dll') && !names.includes('wintrace.sys'), names.join(' '));
      assert.equal(h.proc.mem.u32(h.proc.threads[0]!.teb + BigInt(TEB.fields.LastErrorValue[0])), 18, 'ERROR_NO_MORE_FILES');
      h.proc.mem.setU32(me, 1079);
      assert.equal(h.call('kernel32.dll!Module32FirstW', snap, me), false, 'too small a dwSize');
      assert.equal(h.call('kernel32.dll!CreateToolhelp32Snapshot', TH32CS_SNAPMODULE, 4n), 0xffff_ffff_ffff_ffffn, 'another process');
    } finally {
      h.close();
    }
  });
});
