// Wait completion packets (ntdll.dll). Microsoft documents NtCreateWaitCompletionPacket,
// NtAssociateWaitCompletionPacket and NtCancelWaitCompletionPacket on learn.microsoft.com (devnotes) with no SDK
// header; the NT native headers (phnt) declare them in ntioapi.h, hence this file's name.
//
// Go 1.23+ uses them when they exist (Windows 8 and later, so every Windows 11): each M gets a high-resolution
// timer and a packet, and netpoll(delay) sets the timer, associates it with the netpoll port, then blocks in
// GetQueuedCompletionStatusEx; the timer's packet wakes the poller at the due time, finer than the millisecond
// timeout. The runtime would fall back cleanly without them (haveHighResSleep = false), but on wintrace a
// GetProcAddress of an unimplemented name returns a stub, not NULL, so absence would have to be a special case;
// implementing them models the Windows 11 that the version numbers promise, and the association is cheap:
// IoCompletionPort.collect queues the packet when the port is looked at after the target signaled, and the
// port's `due` lets the scheduler jump virtual time to the timer.

import { winapi } from '../../api.ts';
import { IoCompletionPort, WaitCompletionPacket } from '../../objects.ts';

const STATUS_SUCCESS = 0n;
const STATUS_CANCELLED = 0xc0000120n;
const STATUS_INVALID_HANDLE = 0xc0000008n;
const STATUS_INVALID_PARAMETER_1 = 0xc00000efn;

export const ntioapi = [
  // NTSTATUS NtCreateWaitCompletionPacket(PHANDLE WaitCompletionPacketHandle, ACCESS_MASK DesiredAccess,
  //   POBJECT_ATTRIBUTES ObjectAttributes);
  winapi('ntdll.dll', 'NTSTATUS NtCreateWaitCompletionPacket(PHANDLE WaitCompletionPacketHandle, ACCESS_MASK DesiredAccess, POBJECT_ATTRIBUTES ObjectAttributes)', (c) => {
    c.mem.setU64(c.args[0]!, c.process.handles.add(new WaitCompletionPacket()));
    return STATUS_SUCCESS;
  }),

  // NTSTATUS NtAssociateWaitCompletionPacket(HANDLE WaitCompletionPacketHandle, HANDLE IoCompletionHandle,
  //   HANDLE TargetObjectHandle, PVOID KeyContext, PVOID ApcContext, NTSTATUS IoStatus, ULONG_PTR IoStatusInformation,
  //   PBOOLEAN AlreadySignaled);
  winapi('ntdll.dll', 'NTSTATUS NtAssociateWaitCompletionPacket(HANDLE WaitCompletionPacketHandle, HANDLE IoCompletionHandle, HANDLE TargetObjectHandle, PVOID KeyContext, PVOID ApcContext, NTSTATUS IoStatus, ULONG_PTR IoStatusInformation, PBOOLEAN AlreadySignaled)', (c) => {
    const [hPacket, hPort, hTarget, key, apc, status, information, signaledOut] = c.args as bigint[] as
      [bigint, bigint, bigint, bigint, bigint, bigint, bigint, bigint];
    const packet = c.process.object(hPacket);
    const port = c.process.object(hPort);
    const target = c.process.object(hTarget);
    if (!(packet instanceof WaitCompletionPacket) || !(port instanceof IoCompletionPort) || target === undefined) return STATUS_INVALID_HANDLE;
    // "This object must not be in use": associated, or its entry still waiting in a port.
    if (packet.association !== undefined || packet.queuedIn !== undefined) return STATUS_INVALID_PARAMETER_1;
    const a = { port, target, key, apc, status: Number(status & 0xffffffffn), information };
    const now = c.process.clock.now();
    const already = target.signaled(now);
    if (already) {
      // Satisfied at once: the packet is queued now and the wait's side effect (an auto-reset timer resets) applies.
      target.acquire();
      packet.deliver(port, a);
    } else {
      packet.association = a;
      port.associations.add(packet);
    }
    if (signaledOut !== 0n) c.mem.write(signaledOut, Uint8Array.of(already ? 1 : 0));
    return STATUS_SUCCESS;
  }),

  // NTSTATUS NtCancelWaitCompletionPacket(HANDLE WaitCompletionPacketHandle, BOOLEAN RemoveSignaledPacket);
  winapi('ntdll.dll', 'NTSTATUS NtCancelWaitCompletionPacket(HANDLE WaitCompletionPacketHandle, BOOLEAN RemoveSignaledPacket)', (c) => {
    const packet = c.process.object(c.args[0]!);
    if (!(packet instanceof WaitCompletionPacket)) return STATUS_INVALID_HANDLE;
    // A timer that came due since the last look has already queued the packet on Windows: settle that first.
    packet.association?.port.collect(c.process.clock.now());
    if (packet.association !== undefined) {
      packet.association.port.associations.delete(packet);
      packet.association = undefined;
      return STATUS_SUCCESS;
    }
    const port = packet.queuedIn;
    if (port !== undefined && (c.args[1]! & 0xffn) !== 0n) {
      const i = port.queue.findIndex((e) => e.source === packet);
      if (i >= 0) port.queue.splice(i, 1);
      packet.queuedIn = undefined;
      return STATUS_SUCCESS;
    }
    // Completed and picked up, queued but not to be removed, or never associated.
    return STATUS_CANCELLED;
  }),
];
