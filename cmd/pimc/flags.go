package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/pimc-dev/pimc/driver"
	"github.com/pimc-dev/pimc/frontend"
	"github.com/pimc-dev/pimc/ir/tensor"
	"github.com/pimc-dev/pimc/isa"
	"github.com/pimc-dev/pimc/target"
	"github.com/pimc-dev/pimc/tensorio"
)

// listFlag collects a repeated string flag (-i a.pb -i b.pb).
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(s string) error { *l = append(*l, s); return nil }

// shapeFlag collects repeated -shape name=1x3x32x32 settings.
type shapeFlag map[string][]int

func (s shapeFlag) String() string {
	var parts []string
	for k, v := range s {
		parts = append(parts, k+"="+formatDims(v))
	}
	return strings.Join(parts, ",")
}

func (s shapeFlag) Set(v string) error {
	eq := strings.LastIndexByte(v, '=')
	if eq <= 0 || eq == len(v)-1 {
		return fmt.Errorf("want name=DIMS like input=1x3x32x32, got %q", v)
	}
	name, dims := v[:eq], v[eq+1:]
	var shape []int
	for _, d := range strings.Split(dims, "x") {
		n, err := strconv.Atoi(d)
		if err != nil || n <= 0 {
			return fmt.Errorf("shape of %q: %q is not a positive dimension (want e.g. 1x3x32x32)", name, d)
		}
		shape = append(shape, n)
	}
	s[name] = shape
	return nil
}

func formatDims(d []int) string {
	parts := make([]string, len(d))
	for i, x := range d {
		parts[i] = strconv.Itoa(x)
	}
	return strings.Join(parts, "x")
}

// newFlagSet returns a flag set that reports errors to stderr and lets the
// caller map them to exit code 2.
func newFlagSet(name, usageLine string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("pimc "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: pimc %s %s\n", name, usageLine)
		fs.PrintDefaults()
	}
	return fs
}

// parseInterspersed parses flags that may appear after positional arguments
// (pimc run MODEL.onnx -i x.pb), which the flag package alone does not allow.
//
// A refused flag is reported as "pimc CMD: flag provided but not defined:
// -x", like every other error of pimc, followed by the usage; the flag
// package alone would print the bare message.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	out, usage := fs.Output(), fs.Usage
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	defer func() { fs.SetOutput(out); fs.Usage = usage }()
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			fs.SetOutput(out)
			if !errors.Is(err, flag.ErrHelp) {
				fmt.Fprintf(out, "%s: %v\n", fs.Name(), err)
			}
			usage()
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// bindFlag collects repeated -bind name=FILE settings: graph inputs fixed to
// the tensor stored in FILE (.pb or .npy), for inputs that feed shapes.
type bindFlag map[string]string

func (b bindFlag) String() string {
	var parts []string
	for k, v := range b {
		parts = append(parts, k+"="+v)
	}
	return strings.Join(parts, ",")
}

func (b bindFlag) Set(v string) error {
	eq := strings.IndexByte(v, '=')
	if eq <= 0 || eq == len(v)-1 {
		return fmt.Errorf("want name=FILE.pb, got %q", v)
	}
	b[v[:eq]] = v[eq+1:]
	return nil
}

// frontendOptions reads the bound tensors and returns the import options.
func frontendOptions(shapes shapeFlag, binds bindFlag) (frontend.Options, error) {
	opt := frontend.Options{Shapes: shapes, Bind: map[string]*tensor.Tensor{}}
	for name, path := range binds {
		t, err := tensorio.Read(path)
		if err != nil {
			return opt, fmt.Errorf("-bind %s: %w", name, err)
		}
		opt.Bind[name] = t
	}
	return opt, nil
}

// parseCode is the exit code of a failed flag parse: -h (flag.ErrHelp) asks
// for the usage, which the flag package has printed, and is no mistake, so
// it exits 0 like `pimc help`; any other parse error is a usage error (the
// flag package has printed its message and the usage).
func parseCode(err error) int {
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	return exitUsage
}

// usageError reports what is wrong with a command line (a missing argument,
// a flag value out of range) before printing the usage, so the user need not
// guess which of the listed flags was refused. It returns exitUsage.
func usageError(fs *flag.FlagSet, format string, args ...any) int {
	fmt.Fprintf(fs.Output(), "%s: %s\n", fs.Name(), fmt.Sprintf(format, args...))
	fs.Usage()
	return exitUsage
}

// argCount is the usageError text for a wrong number of positional
// arguments.
func argCount(want string, got []string) string {
	if len(got) == 0 {
		return "missing " + want
	}
	return fmt.Sprintf("want %s, got %d arguments (%s)", want, len(got), strings.Join(got, " "))
}

// programTargetUsage is the -target help of the commands that run a
// program (driver.ProgramTarget).
const programTargetUsage = "hardware description file or preset name (default: the one the program embeds; for older programs " + target.DefaultPreset + "); one with another architecture is refused, one with other costs re-costs the program"

// loadProgram reads a .pimb binary or .pasm assembly and the description
// it runs on (driver.LoadProgram). cmd names the command in the note line
// a re-costing -target prints to stderr.
func loadProgram(cmd, path, tflag string, stderr io.Writer) (*isa.Program, *target.Target, error) {
	return driver.LoadProgram(path, tflag, func(ft, own *target.Target) {
		fmt.Fprintf(stderr, "pimc %s: note: %s; reporting the costs of -target\n", cmd, driver.RecostNote(path, tflag, ft, own))
	})
}

// stateBound states the input dimensions bound from the command's input
// tensors (driver.LoadFed), when there are any worth saying, and the open
// ones left at 1.
func stateBound(stderr io.Writer, cmd string, bound driver.Bindings) {
	if s := bound.String(); s != "" {
		fmt.Fprintf(stderr, "pimc %s: input dimensions %s\n", cmd, s)
	}
	if u := bound.Unbound(); u != "" {
		fmt.Fprintf(stderr, "pimc %s: note: the model's open input dimensions %s are set to 1 (no -shape or input tensor gives them)\n", cmd, u)
	}
}

// shapeUsage is the -shape text of the commands that take input tensors.
const shapeUsage = "pin the shape of an input with symbolic or unknown dimensions: name=1x3x32x32 (repeatable); without it they are bound from the input tensors given (-i, -verify-with, -calib files), else set to 1; a tensor that contradicts it is refused"
