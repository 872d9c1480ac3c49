package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/pimc-dev/pimc/backend"
	"github.com/pimc-dev/pimc/driver"
	"github.com/pimc-dev/pimc/internal/outfile"
	"github.com/pimc-dev/pimc/isa"
	"github.com/pimc-dev/pimc/target"
)

func init() {
	register(&command{name: "asm", summary: "assemble a .pasm file into a validated .pimb binary", run: runAsm})
}

func runAsm(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("asm", "FILE.pasm [-o FILE.pimb] [-target FILE|PRESET]", stderr)
	out := fs.String("o", "", "output file (default: FILE with the extension .pimb; - for stdout)")
	tflag := fs.String("target", "", "hardware description to bind, validate against and embed (file or preset; default: the .targetdesc lines of the program, else "+target.DefaultPreset+"); one with another architecture than the program's is refused")
	withOutputRules(fs)
	maxProg := programLimit(fs)
	addLimitFlags(fs) // for the host graph of a compiled model's listing
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return parseCode(err)
	}
	if len(pos) != 1 {
		return usageError(fs, "%s", argCount("one FILE.pasm argument", pos))
	}
	in := pos[0]
	if *out == "" {
		*out = strings.TrimSuffix(in, ".pasm") + ".pimb"
	}
	if code := checkPaths(fs, outfile.Input("input", in), outfile.Output("-o", *out), outfile.TargetInput(*tflag)); code != exitOK {
		return code
	}
	src, err := os.ReadFile(in)
	if err != nil {
		fmt.Fprintf(stderr, "pimc asm: %v\n", err)
		return exitUser
	}
	p, err := isa.ParseAsm(in, src)
	if err != nil {
		fmt.Fprintf(stderr, "pimc asm: %v\n", err)
		return exitUser
	}
	// The program's own description (.targetdesc lines) when it gives one,
	// else -target or the default preset, which binds an unbound program.
	t, err := driver.ProgramTarget(in, in+": .targetdesc lines", p, *tflag, func(ft, own *target.Target) {
		fmt.Fprintf(stderr, "pimc asm: note: %s; the .pimb keeps the program's own description\n", driver.RecostNote(in, *tflag, ft, own))
	})
	if err != nil {
		fmt.Fprintf(stderr, "pimc asm: %v\n", err)
		return exitUser
	}
	if err := isa.Validate(p, t.Arch()); err != nil {
		fmt.Fprintf(stderr, "pimc asm: %s: %v\n", in, err)
		return exitUser
	}
	if len(p.Host) > 0 {
		if _, err := backend.ParseHost(p.Host); err != nil {
			fmt.Fprintf(stderr, "pimc asm: %s: %v\n", in, err)
			return exitUser
		}
	}
	if len(p.TargetDesc) == 0 {
		// The binary describes the target it was assembled for.
		if err := target.Embed(p, t); err != nil {
			fmt.Fprintf(stderr, "pimc asm: %s: %v\n", in, err)
			return exitInternal // Validate passed, so the fingerprints match
		}
	}
	if *out == "" {
		*out = strings.TrimSuffix(in, ".pasm") + ".pimb"
	}
	if err := checkProgramSize("-o", *out, p, maxProg.n); err != nil {
		fmt.Fprintf(stderr, "pimc asm: %s: %v\n", in, err)
		return exitUser
	}
	b, err := isa.EncodeBinary(p)
	if err != nil {
		fmt.Fprintf(stderr, "pimc asm: %s: %v\n", in, err)
		return exitInternal // Validate passed, so every field fits
	}
	if err := outfile.WriteOutput(*out, b, stdout); err != nil {
		fmt.Fprintf(stderr, "pimc asm: %v\n", err)
		return exitUser
	}
	fmt.Fprintf(reportTo(stdout, stderr, *out), "%s: %d instructions, %d weight rows, %d constant words, %d bytes, target %s\n",
		*out, len(p.Code), len(p.Weights), p.ConstWords(), len(b), p.TargetName)
	return exitOK
}
