// werapi.h. Go 1.21+ turns off the fault-reporting UI at start-up (WerGetFlags, then WerSetFlags with
// WER_FAULT_REPORTING_NO_UI). There is no Windows Error Reporting here; the flags are only kept and handed back.

import { winapi } from '../../api.ts';
import { ProcessObject } from '../../objects.ts';

const S_OK = 0n;
const E_INVALIDARG = 0x80070057n;

export const werapi = [
  // HRESULT WerGetFlags(HANDLE hProcess, PDWORD pdwFlags);
  winapi('kernel32.dll', 'HRESULT WerGetFlags(HANDLE hProcess, PDWORD pdwFlags)', (c) => {
    // Only this process exists; another process handle cannot name anything.
    if (!(c.process.object(c.args[0]!) instanceof ProcessObject) || c.args[1]! === 0n) return E_INVALIDARG;
    c.mem.setU32(c.args[1]!, c.process.werFlags);
    return S_OK;
  }),

  // HRESULT WerSetFlags(DWORD dwFlags);
  winapi('kernel32.dll', 'HRESULT WerSetFlags(DWORD dwFlags)', (c) => {
    c.process.werFlags = Number(c.args[0]! & 0xffffffffn);
    return S_OK;
  }),
];
