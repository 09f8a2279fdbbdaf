// powerbase.h (powrprof.dll). Go 1.21+ registers for suspend/resume notifications so its timers catch up after
// the machine sleeps; the emulated machine never sleeps, so the callback is recorded and never called.

import { ERROR_NOACCESS, winapi } from '../../api.ts';
import { KObject } from '../../objects.ts';

const ERROR_SUCCESS = 0n;
const ERROR_INVALID_PARAMETER = 87n;
const DEVICE_NOTIFY_CALLBACK = 2n;

/** A registration handle (HPOWERNOTIFY): the DEVICE_NOTIFY_SUBSCRIBE_PARAMETERS callback and context. */
export class PowerNotification extends KObject {
  readonly kind = 'PowerNotification';
  constructor(readonly callback: bigint, readonly context: bigint) {
    super();
  }
}

export const powerbase = [
  // DWORD PowerRegisterSuspendResumeNotification(DWORD Flags, HANDLE Recipient, PHPOWERNOTIFY RegistrationHandle);
  winapi('powrprof.dll', 'DWORD PowerRegisterSuspendResumeNotification(DWORD Flags, HANDLE Recipient, PHPOWERNOTIFY RegistrationHandle)', (c) => {
    const [flags, recipient, out] = c.args as [bigint, bigint, bigint];
    // Recipient is a window handle with DEVICE_NOTIFY_WINDOW_HANDLE; there are no windows here.
    if ((flags & 0xffffffffn) !== DEVICE_NOTIFY_CALLBACK || recipient === 0n || out === 0n) return ERROR_INVALID_PARAMETER;
    // DEVICE_NOTIFY_SUBSCRIBE_PARAMETERS { PDEVICE_NOTIFY_CALLBACK_ROUTINE Callback; PVOID Context; }
    const h = c.process.handles.add(new PowerNotification(c.mem.u64(recipient), c.mem.u64(recipient + 8n)));
    c.mem.setU64(out, h);
    return ERROR_SUCCESS;
  }, { onBadPointer: { value: BigInt(ERROR_NOACCESS) } }),

  // DWORD PowerUnregisterSuspendResumeNotification(HPOWERNOTIFY RegistrationHandle);
  winapi('powrprof.dll', 'DWORD PowerUnregisterSuspendResumeNotification(HPOWERNOTIFY RegistrationHandle)', (c) =>
    (c.process.object(c.args[0]!) instanceof PowerNotification && c.process.handles.close(c.args[0]!) ? ERROR_SUCCESS : ERROR_INVALID_PARAMETER)),
];
