//go:build !linux

package bench

// cpuNow is not available here: the harness falls back to wall time.
func cpuNow() int64 { return 0 }

const haveCPUClock = false
