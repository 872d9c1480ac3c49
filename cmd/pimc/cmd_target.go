package main

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/pimc-dev/pimc/driver"
	"github.com/pimc-dev/pimc/target"
)

func init() {
	register(&command{name: "target", summary: "show (and check) a hardware description or preset, or list the presets", run: runTarget})
}

func runTarget(args []string, stdout, stderr io.Writer) int {
	usage := func() {
		fmt.Fprintln(stderr, "usage: pimc target show [-json] [FILE.yaml|FILE.json|PRESET|PROG.pimb|PROG.pasm]")
		fmt.Fprintln(stderr, "       pimc target list")
		fmt.Fprintln(stderr, "\nshow prints the effective configuration (after merging a base preset) with units,")
		fmt.Fprintln(stderr, "normalised values and the provenance of every number; without FILE it shows the")
		fmt.Fprintf(stderr, "default preset %s; for a program, the description it was compiled for (the one it\n", target.DefaultPreset)
		fmt.Fprintln(stderr, "embeds). An invalid file is reported with every problem and exit code 1.")
	}
	if len(args) == 0 {
		usage()
		return exitUsage
	}
	switch args[0] {
	case "list":
		if len(args) == 2 && (args[1] == "-h" || args[1] == "-help" || args[1] == "--help") {
			usage()
			return exitOK
		}
		if len(args) != 1 {
			fmt.Fprintf(stderr, "pimc target list: unexpected argument %q (list takes none)\n", args[1])
			usage()
			return exitUsage
		}
		for _, n := range target.Presets() {
			t, err := target.Preset(n)
			if err != nil {
				fmt.Fprintf(stderr, "pimc target: %v\n", err)
				return exitInternal
			}
			fmt.Fprintf(stdout, "%-21s %s\n", n, t.Description)
		}
		return exitOK
	case "show":
		fs := newFlagSet("target show", "[-json] [FILE.yaml|FILE.json|PRESET|PROG.pimb|PROG.pasm]", stderr)
		asJSON := fs.Bool("json", false, "print the effective configuration as JSON (loads back with pimc)")
		pos, err := parseInterspersed(fs, args[1:])
		if err != nil {
			return parseCode(err)
		}
		if len(pos) > 1 {
			return usageError(fs, "want at most one FILE|PRESET argument, got %d (%s)", len(pos), strings.Join(pos, " "))
		}
		file := ""
		if len(pos) == 1 {
			file = pos[0]
		}
		var t *target.Target
		if ext := strings.ToLower(filepath.Ext(file)); ext == ".pimb" || ext == ".pasm" {
			t, err = driver.ProgramDescription(file)
		} else {
			t, err = target.LoadOrPreset(file)
		}
		if err != nil {
			fmt.Fprintf(stderr, "pimc %v\n", err) // "pimc target FILE: problems"
			return exitUser
		}
		if *asJSON {
			b, err := t.MarshalJSONIndent()
			if err != nil {
				fmt.Fprintf(stderr, "pimc target: %v\n", err)
				return exitInternal
			}
			stdout.Write(b)
			return exitOK
		}
		if err := t.WriteTable(stdout); err != nil {
			fmt.Fprintf(stderr, "pimc target: %v\n", err)
			return exitUser
		}
		return exitOK
	case "-h", "-help", "--help", "help":
		usage()
		return exitOK
	}
	fmt.Fprintf(stderr, "pimc target: unknown subcommand %q (want %s)\n", args[0], strings.Join([]string{"show", "list"}, " or "))
	usage()
	return exitUsage
}
