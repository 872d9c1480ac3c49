package main

import (
	"fmt"
	"io"

	"github.com/pimc-dev/pimc/driver"
	"github.com/pimc-dev/pimc/internal/outfile"
	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/isa"
)

// checkProgramSize refuses a program whose .pimb would be larger than max
// bytes, before it is encoded (driver.CheckProgramSize): flag names the
// output.
func checkProgramSize(flag, path string, p *isa.Program, max int64) error {
	if err := driver.CheckProgramSize(p, max); err != nil {
		return fmt.Errorf("%s %s: %w", flag, path, err)
	}
	return nil
}

// startAsm prints p's assembly into a pending output at path (published by
// Commit, dropped by Abort), or to stdout for "-", streaming it: the text
// is never held in memory. Into a file, more than max bytes of text abort
// it with an error naming flag, and nothing is written.
func startAsm(flag, path string, p *isa.Program, max int64, stdout io.Writer) (*outfile.Stream, error) {
	s, err := outfile.Open(path, stdout)
	if err != nil {
		return nil, err
	}
	var w io.Writer = s
	if s.IsFile() {
		w = &limitWriter{w: s, max: max}
	}
	if err := isa.PrintAsm(w, p); err != nil {
		s.Abort()
		if !s.IsFile() {
			return nil, fmt.Errorf("%s %s: %w", flag, path, err)
		}
		return nil, fmt.Errorf("%s %s: %w; nothing written", flag, path, err)
	}
	return s, nil
}

// limitWriter passes writes on to w until they would pass max bytes in
// total, then fails.
type limitWriter struct {
	w      io.Writer
	max, n int64
}

func (l *limitWriter) Write(p []byte) (int, error) {
	if l.n+int64(len(p)) > l.max {
		return 0, fmt.Errorf("the assembly text passes %s, the limit (-max-program-bytes)", ir.FormatBytes(l.max))
	}
	n, err := l.w.Write(p)
	l.n += int64(n)
	return n, err
}
