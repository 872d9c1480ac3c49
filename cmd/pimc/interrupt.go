package main

import (
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/pimc-dev/pimc/internal/outfile"
)

// catchInterrupts makes SIGINT (Ctrl-C), SIGTERM and SIGHUP stop pimc
// without leaving a partial output: the temporary files of the outputs
// not yet written (and pimc demo's temporary folder) are removed, the
// outputs keep their old contents, and pimc exits with 128 + the signal
// number (130, 143, 129), as a shell reports a process the signal killed.
// Outputs already complete stay: pimc train's model of the last finished
// epoch and pimc compress's checkpoint are there on purpose. SIGKILL cannot
// be caught; on Linux the unwritten outputs have no name then
// (internal/outfile), so it leaves nothing either. Only main calls this: in
// tests run is called in-process.
func catchInterrupts(stderr io.Writer) {
	c := make(chan os.Signal, 1)
	signal.Notify(c, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	go func() {
		s := <-c
		outfile.AbortPending()
		fmt.Fprintf(stderr, "pimc: stopped by %v; unfinished outputs removed\n", s)
		code := 128 + 15
		if n, ok := s.(syscall.Signal); ok {
			code = 128 + int(n)
		}
		os.Exit(code)
	}()
}
