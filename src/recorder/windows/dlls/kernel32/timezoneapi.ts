// timezoneapi.h. The emulated machine's clock is set to UTC with no daylight saving, so a program's local time
// is UTC on every run (Go's time.Local reads this at the first use of local time).

import { DWORD_FAILED, ERROR_NOACCESS, winapi } from '../../api.ts';
import { GuestMemory } from '../../guest-memory.ts';

/** TIME_ZONE_INFORMATION: LONG Bias; WCHAR StandardName[32]; SYSTEMTIME StandardDate; LONG StandardBias;
 *  WCHAR DaylightName[32]; SYSTEMTIME DaylightDate; LONG DaylightBias. */
const TZI = { Bias: 0, StandardName: 4, StandardDate: 68, StandardBias: 84, DaylightName: 88, DaylightDate: 152, DaylightBias: 168, size: 172 } as const;
/** What Windows calls its "(UTC) Coordinated Universal Time" zone, in both name fields. */
const UTC_NAME = 'Coordinated Universal Time';
/** No daylight saving transitions (StandardDate.wMonth = 0). */
const TIME_ZONE_ID_UNKNOWN = 0n;

export const timezoneapi = [
  // DWORD GetTimeZoneInformation(LPTIME_ZONE_INFORMATION lpTimeZoneInformation);
  winapi('kernel32.dll', 'DWORD GetTimeZoneInformation(LPTIME_ZONE_INFORMATION lpTimeZoneInformation)', (c) => {
    const b = new Uint8Array(TZI.size); // biases 0, transition dates all zero
    const name = GuestMemory.utf16z(UTC_NAME);
    b.set(name, TZI.StandardName);
    b.set(name, TZI.DaylightName);
    c.mem.write(c.args[0]!, b);
    return TIME_ZONE_ID_UNKNOWN;
  }, { onBadPointer: { value: DWORD_FAILED, lastError: ERROR_NOACCESS } }),
];
