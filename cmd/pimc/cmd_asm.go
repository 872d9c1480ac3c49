package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/pimc-dev/pimc/backend/isa"
	"github.com/pimc-dev/pimc/backend/target"
	"github.com/pimc-dev/pimc/internal/atomicfile"
)

func init() {
	register(&command{name: "asm", summary: "assemble a .pasm file into a validated .pimb binary", run: runAsm})
}

func runAsm(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("asm", "FILE.pasm [-o FILE.pimb] [-target FILE|PRESET]", stderr)
	out := fs.String("o", "", "output file (default: FILE with the extension .pimb)")
	tflag := fs.String("target", "", "hardware description to bind and validate against (file or preset; default "+target.DefaultPreset+")")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return parseCode(err)
	}
	if len(pos) != 1 {
		return usageError(fs, "%s", argCount("one FILE.pasm argument", pos))
	}
	in := pos[0]
	src, err := readFile(in)
	if err != nil {
		fmt.Fprintf(stderr, "pimc asm: %v\n", err)
		return exitUser
	}
	p, err := isa.ParseAsm(in, src)
	if err != nil {
		fmt.Fprintf(stderr, "pimc asm: %v\n", err)
		return exitUser
	}
	t, err := target.LoadOrPreset(*tflag)
	if err != nil {
		fmt.Fprintf(stderr, "pimc asm: %v\n", err)
		return exitUser
	}
	// Bind an unbound program (no fingerprint in its .target line) to the
	// target, unless it names a different one.
	var zero [32]byte
	if p.TargetFingerprint == zero {
		if p.TargetName != "" && p.TargetName != t.Name {
			fmt.Fprintf(stderr, "pimc asm: %s: program names target %q, but -target is %q\n", in, p.TargetName, t.Name)
			return exitUser
		}
		p.TargetName, p.TargetFingerprint = t.Name, t.Fingerprint()
	}
	if err := isa.Validate(p, t.Arch()); err != nil {
		fmt.Fprintf(stderr, "pimc asm: %s: %v\n", in, err)
		return exitUser
	}
	b, err := isa.EncodeBinary(p)
	if err != nil {
		fmt.Fprintf(stderr, "pimc asm: %s: %v\n", in, err)
		return exitInternal // Validate passed, so every field fits
	}
	if *out == "" {
		*out = strings.TrimSuffix(in, ".pasm") + ".pimb"
	}
	if err := atomicfile.WriteFile(*out, b, 0o644); err != nil {
		fmt.Fprintf(stderr, "pimc asm: %v\n", err)
		return exitUser
	}
	fmt.Fprintf(stdout, "%s: %d instructions, %d weight rows, %d constant words, %d bytes, target %s\n",
		*out, len(p.Code), len(p.Weights), constWords(p), len(b), t)
	return exitOK
}

func constWords(p *isa.Program) int {
	n := 0
	for _, c := range p.Consts {
		n += len(c.Data)
	}
	return n
}
