// Calls Windows APIs with pointers into memory the program does not have: each call must fail as Windows fails
// it, and the program goes on.
package main

import (
	"fmt"
	"syscall"
	"unsafe"
)

const bad = uintptr(0x10) // the first 64 KiB are never mapped

func main() {
	k := syscall.NewLazyDLL("kernel32.dll")
	out, _ := syscall.GetStdHandle(syscall.STD_OUTPUT_HANDLE)
	in, _ := syscall.GetStdHandle(syscall.STD_INPUT_HANDLE)
	var n uint32
	buf := []byte("ok\n")
	call := func(name string, args ...uintptr) {
		r, _, e := k.NewProc(name).Call(args...)
		fmt.Printf("%s: %#x, error %d\n", name, r, uint32(e.(syscall.Errno)))
	}
	call("WriteFile", uintptr(out), bad, 5, uintptr(unsafe.Pointer(&n)), 0)
	call("WriteFile", uintptr(out), uintptr(unsafe.Pointer(&buf[0])), 3, bad, 0)
	call("ReadFile", uintptr(in), uintptr(unsafe.Pointer(&buf[0])), 3, bad, 0)
	call("WriteConsoleW", uintptr(out), bad, 5, uintptr(unsafe.Pointer(&n)), 0)
	call("GetProcAddress", uintptr(k.Handle()), 0xbad0000000) // below 64 KiB would be an ordinal
	call("GetModuleHandleW", bad)
	call("CreateFileW", bad, 0x80000000, 0, 0, 3, 0, 0)
	call("GetFileAttributesW", bad)
	call("QueryPerformanceCounter", bad)
	call("GetEnvironmentVariableW", bad, 0, 0)
	call("WaitForMultipleObjects", 2, bad, 0, 0)
	r, _, _ := syscall.NewLazyDLL("ntdll.dll").NewProc("RtlGetVersion").Call(bad)
	fmt.Printf("RtlGetVersion: %#x\n", r)
	fmt.Println("still running")
}
