// winsock2.h (ws2_32.dll). The guest has no network; Go only needs WSAGetOverlappedResult to exist.

import { winapi } from '../../api.ts';

const WSAENETDOWN = 10050;
/** WSAStartup's documented answer to an lpWSAData that is not a valid pointer: it returns its errors directly. */
const WSAEFAULT = 10014n;
/** sizeof(WSADATA) on 64-bit Windows. */
const WSADATA_SIZE = 408;

export const winsock2 = [
  // BOOL WSAGetOverlappedResult(SOCKET s, LPWSAOVERLAPPED lpOverlapped, LPDWORD lpcbTransfer, BOOL fWait,
  //   LPDWORD lpdwFlags);
  winapi('ws2_32.dll', 'BOOL WSAGetOverlappedResult(SOCKET s, LPWSAOVERLAPPED lpOverlapped, LPDWORD lpcbTransfer, BOOL fWait, LPDWORD lpdwFlags)', (c) => {
    c.process.sandboxDenied('network: WSAGetOverlappedResult');
    c.setLastError(WSAENETDOWN);
    return false;
  }),
  // int WSAStartup(WORD wVersionRequired, LPWSADATA lpWSAData);
  // Succeeds: initialising Winsock touches no network; sockets themselves are what the sandbox refuses.
  winapi('ws2_32.dll', 'int WSAStartup(WORD wVersionRequired, LPWSADATA lpWSAData)', (c) => {
    c.mem.write(c.args[1]!, new Uint8Array(WSADATA_SIZE));
    c.mem.setU16(c.args[1]!, 0x0202);
    c.mem.setU16(c.args[1]! + 2n, 0x0202);
    return 0n;
  }, { onBadPointer: { value: WSAEFAULT } }),

  // int WSAEnumProtocolsW(LPINT lpiProtocols, LPWSAPROTOCOL_INFOW lpProtocolBuffer, LPDWORD lpdwBufferLength);
  // No protocols: Go then skips SetFileCompletionNotificationModes, which only matters for sockets.
  winapi('ws2_32.dll', 'int WSAEnumProtocolsW(LPINT lpiProtocols, LPWSAPROTOCOL_INFOW lpProtocolBuffer, LPDWORD lpdwBufferLength)', () => 0n),

  // int WSACleanup(void);
  winapi('ws2_32.dll', 'int WSACleanup(void)', () => 0n),
];
