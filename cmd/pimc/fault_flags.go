package main

import (
	"flag"
	"fmt"
	"io"

	"github.com/pimc-dev/pimc/sim"
)

// faultSpecFlag is -faults: a sim.FaultSpec, or a list of them (one key
// with several values: a fault curve), parsed when the flag is set, so a
// bad spec is a command-line error naming the flag.
type faultSpecFlag struct {
	spec  sim.FaultSpec // the first case's
	cases []sim.FaultCase
	text  string
	set   bool
}

func (f *faultSpecFlag) String() string { return f.text }

func (f *faultSpecFlag) Set(s string) error {
	cases, err := sim.ParseFaultList(s)
	if err != nil {
		return err
	}
	f.spec, f.cases, f.text, f.set = cases[0].Spec, cases, s, true
	return nil
}

// faultFlags are -faults and -seed of sim and eval, and eval's -fault-seeds.
type faultFlags struct {
	spec  faultSpecFlag
	seed  *uint64
	seeds *int // nil: the command runs one chip
}

func addFaultFlags(fs *flag.FlagSet, repeat bool) *faultFlags {
	f := &faultFlags{}
	usage := "simulate SOT-MRAM non-idealities (docs/FAULTS.md), e.g. write=1e-4,sense=1e-5,stuck=1e-6; " + sim.FaultKeys + "; off by default"
	if repeat {
		usage += "; several values of one key (sense=0,1e-4,1e-3,1e-2) evaluate each: a fault curve (accuracy against the rate; -report and -html draw it)"
	}
	fs.Var(&f.spec, "faults", usage)
	f.seed = fs.Uint64("seed", 1, "chip instance of -faults: fixes its stuck cells and weight-programming errors, and with the image index every write and sense error (any -j gives the same result)")
	if repeat {
		f.seeds = fs.Int("fault-seeds", 1, "with -faults: evaluate on this many chip instances (seeds -seed, -seed+1, ...) and print the mean and standard deviation of the accuracy")
	}
	return f
}

// check is the usage check: -seed and -fault-seeds need -faults.
func (f *faultFlags) check(fs *flag.FlagSet) (string, bool) {
	given := map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { given[fl.Name] = true })
	switch {
	case f.seeds != nil && *f.seeds < 1:
		return fmt.Sprintf("-fault-seeds %d: want a positive count of chip instances", *f.seeds), false
	case !f.spec.set && (given["seed"] || given["fault-seeds"]):
		return "-seed and -fault-seeds choose chip instances of -faults: give -faults too", false
	case f.seeds == nil && len(f.spec.cases) > 1:
		return fmt.Sprintf("-faults %s: several values of a key are a fault curve, which pimc eval draws; give one value", f.spec.text), false
	}
	return "", true
}

// count is the number of chip instances to run (1 without -faults).
func (f *faultFlags) count() int {
	if f.seeds == nil || !f.spec.set {
		return 1
	}
	return *f.seeds
}

// chip returns chip instance k (seed -seed+k) of -faults for exe; nil
// without -faults.
func (f *faultFlags) chip(exe *sim.Executable, k int) (*sim.Chip, error) {
	if !f.spec.set {
		return nil, nil
	}
	return exe.NewChip(f.spec.spec, *f.seed+uint64(k))
}

// curve reports whether -faults lists several values of a key.
func (f *faultFlags) curve() bool { return len(f.spec.cases) > 1 }

// caseChip returns chip instance k of case c of -faults for exe.
func (f *faultFlags) caseChip(exe *sim.Executable, c sim.FaultCase, k int) (*sim.Chip, error) {
	return exe.NewChip(c.Spec, *f.seed+uint64(k))
}

// writeFaults prints the fault model a run used (nothing on the ideal
// device).
func writeFaults(w io.Writer, c *sim.Chip) {
	if c != nil {
		fmt.Fprintf(w, "faults: %s, seed %d\n", c.Spec.String(), c.Seed)
	}
}
