package main

import (
	"os"
	"strings"
	"testing"
)

// TestHelpAndReadmeListEveryCommand: `pimc help` shows each subcommand with
// its one-line summary, and README.md's command table has a row for each, so
// a new subcommand cannot go undocumented.
func TestHelpAndReadmeListEveryCommand(t *testing.T) {
	code, help, _ := runCLI("help")
	if code != exitOK {
		t.Fatalf("pimc help: exit %d", code)
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	var rows []string
	for _, l := range strings.Split(string(readme), "\n") {
		if strings.HasPrefix(l, "| `pimc ") {
			rows = append(rows, l)
		}
	}
	for name, c := range commands {
		if c.summary == "" || !strings.Contains(help, "  "+name+" ") || !strings.Contains(help, c.summary) {
			t.Errorf("pimc help does not list %q with its summary %q", name, c.summary)
		}
		found := false
		for _, r := range rows {
			found = found || strings.Contains(r, "`pimc "+name+" ")
		}
		if !found {
			t.Errorf("README.md's command table has no row for pimc %s", name)
		}
	}
}
