// winternl.h (ntdll.dll)

import { winapi } from '../../api.ts';
import { deadlineMs, objectsOf, waitOn } from '../wait.ts';
import { OS_VERSION } from './wdm.ts';

const STATUS_SUCCESS = 0n;
const STATUS_TIMEOUT = 0x102n;
const STATUS_INVALID_HANDLE = 0xc0000008n;

export const winternl = [
  // NTSTATUS NtWaitForSingleObject(HANDLE Handle, BOOLEAN Alertable, PLARGE_INTEGER Timeout);
  winapi('ntdll.dll', 'NTSTATUS NtWaitForSingleObject(HANDLE Handle, BOOLEAN Alertable, PLARGE_INTEGER Timeout)', (c) => {
    const objs = objectsOf(c, [c.args[0]!]);
    if (!objs) return STATUS_INVALID_HANDLE;
    let deadline: bigint | undefined;
    if (c.args[2]! !== 0n) {
      const t = BigInt.asIntN(64, c.mem.u64(c.args[2]!));
      const now = c.process.clock.now();
      deadline = t < 0n ? now - t * 100n : now + (t - c.process.clock.systemTime()) * 100n;
    }
    void deadlineMs;
    return waitOn(c, 'NtWaitForSingleObject', objs, false, deadline, (o) => (o === 'timeout' ? STATUS_TIMEOUT : STATUS_SUCCESS));
  }),

  // PPEB RtlGetCurrentPeb(void);
  winapi('ntdll.dll', 'PPEB RtlGetCurrentPeb(void)', (c) => c.process.peb),

  // void RtlGetNtVersionNumbers(LPDWORD major, LPDWORD minor, LPDWORD build);
  winapi('ntdll.dll', 'void RtlGetNtVersionNumbers(LPDWORD major, LPDWORD minor, LPDWORD build)', (c) => {
    const [major, minor, build] = c.args as [bigint, bigint, bigint];
    if (major !== 0n) c.mem.setU32(major, OS_VERSION.major);
    if (minor !== 0n) c.mem.setU32(minor, OS_VERSION.minor);
    if (build !== 0n) c.mem.setU32(build, 0xf0000000 | OS_VERSION.build); // the high nibble marks a free build
    return 0n;
  }),
];
