package main

import (
	"bytes"
	"fmt"
	"io"

	"github.com/pimc-dev/pimc/backend/isa"
	"github.com/pimc-dev/pimc/backend/target"
	"github.com/pimc-dev/pimc/internal/atomicfile"
)

func init() {
	register(&command{name: "disasm", summary: "print a .pimb binary as assembly (.pasm)", run: runDisasm})
}

func runDisasm(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("disasm", "FILE.pimb [-o FILE.pasm] [-check] [-target FILE|PRESET]", stderr)
	out := fs.String("o", "", "write the assembly to this file instead of stdout")
	check := fs.Bool("check", false, "also run the loader check against -target and fail if the program would not load")
	tflag := fs.String("target", "", "hardware description for -check (file or preset; default "+target.DefaultPreset+")")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return exitUsage
	}
	if len(pos) != 1 {
		fs.Usage()
		return exitUsage
	}
	data, err := readFile(pos[0])
	if err != nil {
		fmt.Fprintf(stderr, "pimc disasm: %v\n", err)
		return exitUser
	}
	p, err := isa.DecodeBinary(data)
	if err != nil {
		fmt.Fprintf(stderr, "pimc disasm: %s: %v\n", pos[0], err)
		return exitUser
	}
	if *check {
		t, err := target.LoadOrPreset(*tflag)
		if err != nil {
			fmt.Fprintf(stderr, "pimc disasm: %v\n", err)
			return exitUser
		}
		if err := isa.Validate(p, t.Arch()); err != nil {
			fmt.Fprintf(stderr, "pimc disasm: %s: %v\n", pos[0], err)
			return exitUser
		}
	}
	var b bytes.Buffer
	if err := isa.PrintAsm(&b, p); err != nil {
		fmt.Fprintf(stderr, "pimc disasm: %v\n", err)
		return exitInternal
	}
	if *out != "" {
		if err := atomicfile.WriteFile(*out, b.Bytes(), 0o644); err != nil {
			fmt.Fprintf(stderr, "pimc disasm: %v\n", err)
			return exitUser
		}
		return exitOK
	}
	stdout.Write(b.Bytes())
	return exitOK
}
