//go:build unix

package sim

import (
	"syscall"
	"time"
)

// cpuTime is the process's user+system CPU time. The benchmarks report rates
// per CPU-second as well as per wall-second because the development machine
// is shared: wall time includes time spent descheduled.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
