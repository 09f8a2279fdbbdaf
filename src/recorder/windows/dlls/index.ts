// Every emulated Win32 function, keyed "dll!Name", and the DLLs LoadLibrary can find.

import type { ApiDef } from '../api.ts';
import { ntsecapi } from './advapi32/ntsecapi.ts';
import { bcryptprimitives } from './bcryptprimitives/bcryptprimitives.ts';
import { consoleapi } from './kernel32/consoleapi.ts';
import { errhandlingapi } from './kernel32/errhandlingapi.ts';
import { fileapi } from './kernel32/fileapi.ts';
import { handleapi } from './kernel32/handleapi.ts';
import { ioapiset } from './kernel32/ioapiset.ts';
import { libloaderapi } from './kernel32/libloaderapi.ts';
import { memoryapi } from './kernel32/memoryapi.ts';
import { processenv } from './kernel32/processenv.ts';
import { processthreadsapi } from './kernel32/processthreadsapi.ts';
import { profileapi } from './kernel32/profileapi.ts';
import { synchapi } from './kernel32/synchapi.ts';
import { sysinfoapi } from './kernel32/sysinfoapi.ts';
import { timezoneapi } from './kernel32/timezoneapi.ts';
import { tlhelp32 } from './kernel32/tlhelp32.ts';
import { winbase } from './kernel32/winbase.ts';
import { winbaseMessages } from './kernel32/winbase-messages.ts';
import { winnt } from './kernel32/winnt.ts';
import { werapi } from './kernel32/werapi.ts';
import { ntioapi } from './ntdll/ntioapi.ts';
import { wdm } from './ntdll/wdm.ts';
import { winternl } from './ntdll/winternl.ts';
import { powerbase } from './powrprof/powerbase.ts';
import { timeapi } from './winmm/timeapi.ts';
import { winsock2 } from './ws2_32/winsock2.ts';

const ALL: ApiDef[] = [
  ...consoleapi, ...errhandlingapi, ...fileapi, ...handleapi, ...ioapiset, ...libloaderapi, ...memoryapi,
  ...processenv, ...processthreadsapi, ...profileapi, ...synchapi, ...sysinfoapi, ...timezoneapi, ...tlhelp32, ...werapi, ...winbase,
  ...winbaseMessages, ...winnt, ...ntioapi, ...wdm, ...winternl, ...ntsecapi, ...bcryptprimitives, ...powerbase,
  ...timeapi, ...winsock2,
];

export const API_TABLE: ReadonlyMap<string, ApiDef> = new Map(ALL.map((d) => [`${d.dll}!${d.proto.name}`, d]));

/** DLLs LoadLibrary succeeds for: those wintrace implements functions of, and kernelbase (kernel32's twin). */
export const KNOWN_DLLS: ReadonlySet<string> = new Set([...ALL.map((d) => d.dll), 'kernelbase.dll']);
