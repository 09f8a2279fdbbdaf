// winternl.h (ntdll.dll)

import { winapi } from '../../api.ts';
import { FileObject } from '../../objects.ts';
import { deadlineMs, objectsOf, waitOn } from '../wait.ts';
import { OS_VERSION } from './wdm.ts';
import { tebOf } from '../../teb-view.ts';

const STATUS_SUCCESS = 0n;
const STATUS_TIMEOUT = 0x102n;
const STATUS_INVALID_HANDLE = 0xc0000008n;
const STATUS_INVALID_INFO_CLASS = 0xc0000003n;
const STATUS_INFO_LENGTH_MISMATCH = 0xc0000004n;
/** FILE_INFORMATION_CLASS FileModeInformation: FILE_MODE_INFORMATION { ULONG Mode; }. */
const FileModeInformation = 16n;
const FILE_SYNCHRONOUS_IO_NONALERT = 0x20;

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

  // NTSTATUS NtQueryInformationFile(HANDLE FileHandle, PIO_STATUS_BLOCK IoStatusBlock, PVOID FileInformation,
  //   ULONG Length, FILE_INFORMATION_CLASS FileInformationClass);
  // Go 1.26+'s os.NewFile asks FileModeInformation whether a handle was opened for overlapped I/O. Every file here
  // is synchronous (the console streams, NUL, read-only mounted snapshots), so the answer is
  // FILE_SYNCHRONOUS_IO_NONALERT and Go treats stdout and stderr as blocking, as for a redirected console.
  winapi('ntdll.dll', 'NTSTATUS NtQueryInformationFile(HANDLE FileHandle, PIO_STATUS_BLOCK IoStatusBlock, PVOID FileInformation, ULONG Length, FILE_INFORMATION_CLASS FileInformationClass)', (c) => {
    const [h, iosb, info, length, cls] = c.args as [bigint, bigint, bigint, bigint, bigint];
    if (!(c.process.object(h) instanceof FileObject)) return STATUS_INVALID_HANDLE;
    if ((cls & 0xffffffffn) !== FileModeInformation) return STATUS_INVALID_INFO_CLASS;
    if ((length & 0xffffffffn) < 4n) return STATUS_INFO_LENGTH_MISMATCH;
    c.mem.setU32(info, FILE_SYNCHRONOUS_IO_NONALERT);
    // IO_STATUS_BLOCK { NTSTATUS Status (in a pointer-sized union); ULONG_PTR Information = bytes written }
    c.mem.setU64(iosb, STATUS_SUCCESS);
    c.mem.setU64(iosb + 8n, 4n);
    return STATUS_SUCCESS;
  }),

  // PPEB RtlGetCurrentPeb(void);   (Windows: TEB.ProcessEnvironmentBlock, read through X18)
  winapi('ntdll.dll', 'PPEB RtlGetCurrentPeb(void)', (c) => tebOf(c).u64('ProcessEnvironmentBlock')),

  // void RtlGetNtVersionNumbers(LPDWORD major, LPDWORD minor, LPDWORD build);
  winapi('ntdll.dll', 'void RtlGetNtVersionNumbers(LPDWORD major, LPDWORD minor, LPDWORD build)', (c) => {
    const [major, minor, build] = c.args as [bigint, bigint, bigint];
    if (major !== 0n) c.mem.setU32(major, OS_VERSION.major);
    if (minor !== 0n) c.mem.setU32(minor, OS_VERSION.minor);
    if (build !== 0n) c.mem.setU32(build, 0xf0000000 | OS_VERSION.build); // the high nibble marks a free build
    return 0n;
  }),
];
