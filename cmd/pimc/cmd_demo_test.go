package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestDemo runs the demo on a few images and checks that its printed
// compile command writes the very program the demo simulated.
func TestDemo(t *testing.T) {
	needMNIST(t)
	dir := t.TempDir()
	code, out, errs := runCLI("demo", "-limit", "20", "-o", dir)
	if code != exitOK {
		t.Fatalf("exit %d:\n%s\n%s", code, out, errs)
	}
	if testing.Verbose() {
		t.Log(out)
	}
	for _, want := range []string{
		"float", "W8A8", "W4A4", "ADMM W4A4", "latency / image", "energy / image", "TOPS/W", "sub-arrays used", "chip area", "area used", "weight storage",
		"equal the quantized reference interpreter's on all 20 images",
		"pimc train lenet5 -dataset mnist",
		"pimc eval " + filepath.Join(dir, "lenet5.onnx") + " -dataset mnist -limit 20",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	// Accuracy cells: "NN.NN% (c/20)" for the four columns.
	if n := len(regexp.MustCompile(`\d+\.\d\d% \(\d+/20\)`).FindAllString(out, -1)); n != 4 {
		t.Errorf("%d accuracy cells, want 4:\n%s", n, out)
	}
	// Weight storage shrinks: float 32-bit > W8A8 > W4A4 > ADMM.
	m := regexp.MustCompile(`weight storage \(conv/fc\)\s+([\d.]+) kbit\s+([\d.]+) kbit\s+([\d.]+) kbit\s+([\d.]+) kbit`).FindStringSubmatch(out)
	if m == nil || !(atof(m[1]) > atof(m[2]) && atof(m[2]) > atof(m[3]) && atof(m[3]) > atof(m[4])) {
		t.Errorf("weight storage row %q", m)
	}
	// Every printed compile command writes the program the demo simulated.
	cmds := regexp.MustCompile(`(?m)^  pimc (compile .*)$`).FindAllStringSubmatch(out, -1)
	if len(cmds) != 3 {
		t.Fatalf("%d compile commands, want 3 (W8A8, W4A4, ADMM):\n%s", len(cmds), out)
	}
	for _, cmd := range cmds {
		args := strings.Fields(cmd[1])
		demoProg := args[len(args)-1]
		mine := filepath.Join(t.TempDir(), "again.pimb")
		args[len(args)-1] = mine
		if code, _, errs := runCLI(args...); code != exitOK {
			t.Fatalf("%v: exit %d: %s", args, code, errs)
		}
		a, err := os.ReadFile(demoProg)
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(mine)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a, b) {
			t.Fatalf("the printed command %q writes a different program than the demo's %s", cmd[1], demoProg)
		}
	}
	// The compress command names files the demo wrote.
	m = regexp.MustCompile(`(?m)^  pimc compress (\S+) -dataset mnist -config (\S+) -o (\S+)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no compress command in:\n%s", out)
	}
	for _, f := range m[1:] {
		if _, err := os.Stat(f); err != nil {
			t.Errorf("compress command: %v", err)
		}
	}
}

func TestDemoFlags(t *testing.T) {
	for _, args := range [][]string{{"demo", "-limit", "0"}, {"demo", "extra"}, {"demo", "-nope"}, {"demo", "-j", "0"}} {
		if code, _, _ := runCLI(args...); code != exitUsage {
			t.Errorf("%v: exit %d, want %d", args, code, exitUsage)
		}
	}
	if code, _, errs := runCLI("demo", "-limit", "5", "-target", "no-such-target", "-o", t.TempDir()); code != exitUser || !strings.Contains(errs, "no-such-target") {
		t.Errorf("unknown target: exit %d: %s", code, errs)
	}
}

func atof(s string) float64 {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return -1
	}
	return f
}

func TestShellQuote(t *testing.T) {
	for in, want := range map[string]string{
		"/tmp/pimc-demo-1/lenet5.onnx": "/tmp/pimc-demo-1/lenet5.onnx",
		"my dir/x.onnx":                "'my dir/x.onnx'",
		"it's":                         `'it'\''s'`,
		"":                             "''",
	} {
		if got := shellQuote(in); got != want {
			t.Errorf("shellQuote(%q) = %s, want %s", in, got, want)
		}
	}
}
