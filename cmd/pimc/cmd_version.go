package main

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/pimc-dev/pimc/internal/buildinfo"
)

func init() {
	register(&command{name: "version", summary: "print pimc's module version, VCS revision and time, ISA version and Go version", run: runVersion})
}

func runVersion(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("version", "[-json]", stderr)
	asJSON := fs.Bool("json", false, "print the fields as one JSON object")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return parseCode(err)
	}
	if len(pos) != 0 {
		return usageError(fs, "%s", argCount("no arguments", pos))
	}
	in := buildinfo.Read()
	if *asJSON {
		b, err := json.Marshal(in)
		if err != nil {
			fmt.Fprintf(stderr, "pimc version: %v\n", err)
			return exitInternal
		}
		fmt.Fprintf(stdout, "%s\n", b)
		return exitOK
	}
	fmt.Fprintln(stdout, in)
	return exitOK
}
