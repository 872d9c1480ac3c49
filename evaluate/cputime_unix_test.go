//go:build unix

package evaluate

import "syscall"

// cpuSeconds is the user+system CPU time of this process, so benchmarks on
// a shared machine can report CPU per image next to the (load-dependent)
// wall time.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Sec+ru.Stime.Sec) + float64(ru.Utime.Usec+ru.Stime.Usec)/1e6
}
