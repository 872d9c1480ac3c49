package main

import (
	"bytes"
	"fmt"
	"io"
	"os"

	"github.com/pimc-dev/pimc/driver"
	"github.com/pimc-dev/pimc/internal/outfile"
	"github.com/pimc-dev/pimc/isa"
	"github.com/pimc-dev/pimc/target"
)

func init() {
	register(&command{name: "disasm", summary: "print a .pimb binary as assembly (.pasm)", run: runDisasm})
}

func runDisasm(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("disasm", "FILE.pimb [-o FILE.pasm] [-check] [-stats] [-target FILE|PRESET]", stderr)
	out := fs.String("o", "", "write the assembly to this file instead of stdout (- is stdout)")
	check := fs.Bool("check", false, "also run the loader check against -target and fail if the program would not load")
	tflag := fs.String("target", "", "hardware description for -check (file or preset; default: the one the program embeds, for older programs "+target.DefaultPreset+"); one with another architecture is refused")
	stats := fs.Bool("stats", false, "print a static summary (instructions per opcode and per source, weight rows, constants) instead of the assembly")
	withOutputRules(fs)
	maxProg := programLimit(fs)
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return parseCode(err)
	}
	if len(pos) != 1 {
		return usageError(fs, "%s", argCount("one FILE.pimb argument", pos))
	}
	if code := checkPaths(fs, outfile.Input("input", pos[0]), outfile.Output("-o", *out), outfile.TargetInput(*tflag)); code != exitOK {
		return code
	}
	data, err := os.ReadFile(pos[0])
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
		t, err := driver.ProgramTarget(pos[0], pos[0]+": section targetdesc", p, *tflag, nil)
		if err != nil {
			fmt.Fprintf(stderr, "pimc disasm: %v\n", err)
			return exitUser
		}
		if err := isa.Validate(p, t.Arch()); err != nil {
			fmt.Fprintf(stderr, "pimc disasm: %s: %v\n", pos[0], err)
			return exitUser
		}
	}
	if *out == "" {
		*out = "-"
	}
	if *stats {
		var b bytes.Buffer
		isa.WriteStats(&b, p)
		if err := outfile.WriteOutput(*out, b.Bytes(), stdout); err != nil {
			fmt.Fprintf(stderr, "pimc disasm: %v\n", err)
			return exitUser
		}
		return exitOK
	}
	// The assembly streams to its destination as it is formatted: it can be
	// ten times the size of the .pimb.
	s, err := startAsm("-o", *out, p, maxProg.n, stdout)
	if err == nil {
		err = s.Commit()
	}
	if err != nil {
		fmt.Fprintf(stderr, "pimc disasm: %v\n", err)
		return exitUser
	}
	return exitOK
}
