package main

import (
	"flag"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/pimc-dev/pimc/ir"
)

// byteSize is a flag holding a byte count, written as a plain number of
// bytes or with a binary unit: 1073741824, 1GiB, 512MiB, 64KiB, 2TiB.
type byteSize struct {
	n   int64
	set func(int64) // called by Set with the new value
}

var byteUnits = []struct {
	suffix string
	mult   int64
}{{"TiB", 1 << 40}, {"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"B", 1}}

func (b *byteSize) String() string {
	if b == nil {
		return ""
	}
	for _, u := range byteUnits {
		if b.n >= u.mult && b.n%u.mult == 0 {
			return strconv.FormatInt(b.n/u.mult, 10) + u.suffix
		}
	}
	return strconv.FormatInt(b.n, 10)
}

func (b *byteSize) Set(s string) error {
	num, mult := s, int64(1)
	for _, u := range byteUnits {
		if strings.HasSuffix(s, u.suffix) {
			num, mult = strings.TrimSuffix(s, u.suffix), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n <= 0 {
		return fmt.Errorf("want a positive byte count like 1073741824, 1GiB or 512MiB, got %q", s)
	}
	if n > math.MaxInt64/mult {
		return fmt.Errorf("%q is too large", s)
	}
	b.n = n * mult
	if b.set != nil {
		b.set(b.n)
	}
	return nil
}

// addLimitFlags adds -max-value-bytes and -max-total-bytes (ir.Limits) to
// a command that imports, parses or runs a model. Setting a flag changes
// the process-wide limits as it is parsed, before any model is read; run
// restores the defaults before each command.
func addLimitFlags(fs *flag.FlagSet) {
	value := &byteSize{n: ir.DefaultMaxValueBytes, set: func(n int64) {
		l := ir.CurrentLimits()
		l.ValueBytes = n
		ir.SetLimits(l)
	}}
	total := &byteSize{n: ir.DefaultMaxTotalBytes, set: func(n int64) {
		l := ir.CurrentLimits()
		l.TotalBytes = n
		ir.SetLimits(l)
	}}
	fs.Var(value, "max-value-bytes", "refuse a model with a value (input, constant or node output) larger than this: a tiny model may ask for a 30000x30000 tensor (units B, KiB, MiB, GiB, TiB; counted as held in memory: 4 bytes per float32, 8 per integer element)")
	fs.Var(total, "max-total-bytes", "refuse a model whose values (inputs, constants, node outputs) add up to more than this (units as -max-value-bytes)")
}

// programLimit is -max-program-bytes: the largest .pimb or .pasm file a
// command writes. The size of a .pimb is computed before it is encoded,
// a .pasm is counted as it streams to its temporary file; above the limit
// nothing is written.
func programLimit(fs *flag.FlagSet) *byteSize {
	b := &byteSize{n: defaultMaxProgramBytes}
	fs.Var(b, "max-program-bytes", "refuse to write a .pimb or .pasm file larger than this (units as -max-value-bytes)")
	return b
}

// defaultMaxProgramBytes is the default of -max-program-bytes: 1 GiB.
const defaultMaxProgramBytes = 1 << 30
