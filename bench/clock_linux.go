package bench

import (
	"syscall"
	"unsafe"
)

// cpuNow returns the process's CPU time (CLOCK_PROCESS_CPUTIME_ID), ns:
// every thread of the process, the garbage collector's included, and none
// of the time the process waits for a core another process holds.
func cpuNow() int64 {
	var ts syscall.Timespec
	const clockProcessCPUTime = 2
	if _, _, e := syscall.Syscall(syscall.SYS_CLOCK_GETTIME, clockProcessCPUTime, uintptr(unsafe.Pointer(&ts)), 0); e != 0 {
		return 0
	}
	return ts.Nano()
}

const haveCPUClock = true
