// ioapiset.h: I/O completion ports, which the Go runtime's netpoller waits on (with a timeout for timers).

import { winapi } from '../../api.ts';
import { IoCompletionPort } from '../../objects.ts';
import { OVERLAPPED_ENTRY } from '../../structs.ts';
import { deadlineMs, ERROR_INVALID_HANDLE, waitOn } from '../wait.ts';
import type { ApiCall } from '../../api.ts';

const WAIT_TIMEOUT = 258;

function drain(c: ApiCall, port: IoCompletionPort, entries: bigint, max: number, removedOut: bigint): void {
  const n = Math.min(max, port.queue.length);
  const f = OVERLAPPED_ENTRY.fields;
  for (let i = 0; i < n; i++) {
    const p = port.queue.shift()!;
    if (p.source?.queuedIn === port) p.source.queuedIn = undefined;
    const at = entries + BigInt(i * OVERLAPPED_ENTRY.size);
    c.mem.setU64(at + BigInt(f.lpCompletionKey[0]), p.key);
    c.mem.setU64(at + BigInt(f.lpOverlapped[0]), p.overlapped);
    c.mem.setU64(at + BigInt(f.Internal[0]), BigInt(p.status ?? 0));
    c.mem.setU32(at + BigInt(f.dwNumberOfBytesTransferred[0]), p.bytes);
  }
  c.mem.setU32(removedOut, n);
}

export const ioapiset = [
  // HANDLE CreateIoCompletionPort(HANDLE FileHandle, HANDLE ExistingCompletionPort, ULONG_PTR CompletionKey,
  //   DWORD NumberOfConcurrentThreads);
  winapi('kernel32.dll', 'HANDLE CreateIoCompletionPort(HANDLE FileHandle, HANDLE ExistingCompletionPort, ULONG_PTR CompletionKey, DWORD NumberOfConcurrentThreads)', (c) => {
    const [file, existing] = c.args as [bigint, bigint];
    if (file === 0xffff_ffff_ffff_ffffn) return c.process.handles.add(new IoCompletionPort());
    // Associating a file with a port: wintrace's files complete synchronously, so nothing is ever queued.
    if (!(c.process.object(existing) instanceof IoCompletionPort)) {
      c.setLastError(ERROR_INVALID_HANDLE);
      return 0n;
    }
    return existing;
  }),

  // BOOL GetQueuedCompletionStatusEx(HANDLE CompletionPort, LPOVERLAPPED_ENTRY lpCompletionPortEntries,
  //   ULONG ulCount, PULONG ulNumEntriesRemoved, DWORD dwMilliseconds, BOOL fAlertable);
  winapi('kernel32.dll', 'BOOL GetQueuedCompletionStatusEx(HANDLE CompletionPort, LPOVERLAPPED_ENTRY lpCompletionPortEntries, ULONG ulCount, PULONG ulNumEntriesRemoved, DWORD dwMilliseconds, BOOL fAlertable)', (c) => {
    const [h, entries, count, removed, ms] = c.args as [bigint, bigint, bigint, bigint, bigint];
    const port = c.process.object(h);
    if (!(port instanceof IoCompletionPort)) {
      c.setLastError(ERROR_INVALID_HANDLE);
      return false;
    }
    const t = c.thread;
    return waitOn(c, 'GetQueuedCompletionStatusEx', [port], false, deadlineMs(c, ms), (o) => {
      if (o === 'timeout') {
        // Go reads the TEB's LastErrorValue for WAIT_TIMEOUT here; set it on the waiting thread.
        c.process.setLastError(t, WAIT_TIMEOUT);
        c.mem.setU32(removed, 0);
        return 0n;
      }
      drain(c, port, entries, Number(count), removed);
      return 1n;
    });
  }),

  // BOOL PostQueuedCompletionStatus(HANDLE CompletionPort, DWORD dwNumberOfBytesTransferred,
  //   ULONG_PTR dwCompletionKey, LPOVERLAPPED lpOverlapped);
  winapi('kernel32.dll', 'BOOL PostQueuedCompletionStatus(HANDLE CompletionPort, DWORD dwNumberOfBytesTransferred, ULONG_PTR dwCompletionKey, LPOVERLAPPED lpOverlapped)', (c) => {
    const port = c.process.object(c.args[0]!);
    if (!(port instanceof IoCompletionPort)) {
      c.setLastError(ERROR_INVALID_HANDLE);
      return false;
    }
    port.queue.push({ bytes: Number(c.args[1]! & 0xffffffffn), key: c.args[2]!, overlapped: c.args[3]! });
    return true;
  }),
];
