package main

import (
	"fmt"
	"io"
	"os"
	"sort"

	"github.com/pimc-dev/pimc/ir"
)

// Exit codes shared by every subcommand.
const (
	exitOK       = 0
	exitUser     = 1 // bad input, failed verification, failed test cases
	exitUsage    = 2 // bad flags or arguments
	exitInternal = 3 // a bug in pimc
	// 128 + the signal number (130 SIGINT, 143 SIGTERM, 129 SIGHUP): stopped
	// by a signal, unfinished outputs removed (catchInterrupts).
)

// command is one subcommand. run gets the arguments after the subcommand name.
type command struct {
	name    string
	summary string
	run     func(args []string, stdout, stderr io.Writer) int
}

var commands = map[string]*command{}

func register(c *command) {
	if _, dup := commands[c.name]; dup {
		panic("BUG: subcommand registered twice: " + c.name)
	}
	commands[c.name] = c
}

func main() {
	catchInterrupts(os.Stderr)
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run dispatches to a subcommand and turns a panic into exit code 3 with a
// message asking for a bug report, so users never see a raw stack trace
// without context.
func run(args []string, stdout, stderr io.Writer) (code int) {
	if len(args) == 2 && args[0] == "help" && commands[args[1]] != nil {
		args = []string{args[1], "-h"} // pimc help CMD = pimc CMD -h
	}
	if len(args) == 0 || args[0] == "-h" || args[0] == "-help" || args[0] == "--help" || args[0] == "help" {
		if len(args) == 0 {
			fmt.Fprintln(stderr, "pimc: missing command")
			usage(stderr)
			return exitUsage
		}
		usage(stdout) // asked for: to stdout, so `pimc help | less` works
		return exitOK
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "pimc: unknown command %q\n", args[0])
		usage(stderr)
		return exitUsage
	}
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(stderr, "pimc %s: internal error (please report this as a bug): %v\n", c.name, r)
			code = exitInternal
		}
	}()
	ir.SetLimits(ir.Limits{}) // the defaults, unless the command's flags say otherwise (limit_flags.go)
	return c.run(args[1:], stdout, stderr)
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: pimc <command> [flags] [args]")
	fmt.Fprintln(w, "\ncommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nRun 'pimc <command> -h' (or 'pimc help <command>') for the flags of one command.")
}
