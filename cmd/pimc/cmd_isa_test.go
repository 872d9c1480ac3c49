package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pimc-dev/pimc/isa"
	"github.com/pimc-dev/pimc/target"
)

func runCLI(args ...string) (code int, stdout, stderr string) {
	var o, e bytes.Buffer
	code = run(args, &o, &e)
	return code, o.String(), e.String()
}

func TestAsmDisasm(t *testing.T) {
	dir := t.TempDir()
	src, err := os.ReadFile("../../testdata/isa/dot.pasm")
	if err != nil {
		t.Fatal(err)
	}
	// Unbind the program: pimc asm must bind it to -target.
	unbound := strings.Replace(string(src), `.target "sot-mram-45nm" `+func() string {
		fp := target.Default().Fingerprint()
		return strings.ToLower(strings.TrimSpace(string(hexOf(fp[:]))))
	}(), `.target "sot-mram-45nm"`, 1)
	if unbound == string(src) {
		t.Fatal("could not unbind dot.pasm")
	}
	in := filepath.Join(dir, "dot.pasm")
	os.WriteFile(in, []byte(unbound), 0o644)
	code, out, errs := runCLI("asm", in)
	if code != exitOK {
		t.Fatalf("asm: exit %d: %s", code, errs)
	}
	if !strings.Contains(out, "dot.pimb: 28 instructions") {
		t.Errorf("asm output: %q", out)
	}
	bin, err := os.ReadFile(filepath.Join(dir, "dot.pimb"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := isa.DecodeBinary(bin)
	if err != nil {
		t.Fatal(err)
	}
	if p.TargetFingerprint != target.Default().Fingerprint() {
		t.Error("asm did not bind the program to the default target")
	}
	code, out, errs = runCLI("disasm", "-check", filepath.Join(dir, "dot.pimb"))
	if code != exitOK {
		t.Fatalf("disasm: exit %d: %s", code, errs)
	}
	if out != string(isa.FormatAsm(p)) {
		t.Error("disasm output differs from FormatAsm")
	}
	code, out2, errs := runCLI("disasm", "-stats", filepath.Join(dir, "dot.pimb"))
	if code != exitOK || !strings.Contains(out2, "bmac") || !strings.Contains(out2, "Gemm_0") {
		t.Errorf("disasm -stats: exit %d, %q, %s", code, out2, errs)
	}
	// Disassembly assembles back to the same bytes.
	os.WriteFile(filepath.Join(dir, "re.pasm"), []byte(out), 0o644)
	if code, _, errs = runCLI("asm", filepath.Join(dir, "re.pasm"), "-o", filepath.Join(dir, "re.pimb")); code != exitOK {
		t.Fatalf("re-asm: %s", errs)
	}
	re, _ := os.ReadFile(filepath.Join(dir, "re.pimb"))
	if !bytes.Equal(re, bin) {
		t.Error("asm(disasm(x)) != x")
	}
}

func hexOf(b []byte) []byte {
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 2*len(b))
	for _, c := range b {
		out = append(out, digits[c>>4], digits[c&15])
	}
	return out
}

func TestAsmErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, s string) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(s), 0o644)
		return p
	}
	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"asm"}, exitUsage, "usage: pimc asm"},
		{[]string{"asm", filepath.Join(dir, "missing.pasm")}, exitUser, "no such file"},
		{[]string{"asm", write("syntax.pasm", "    bogus r1\n")}, exitUser, `syntax.pasm:1: unknown instruction "bogus"`},
		{[]string{"asm", write("nohalt.pasm", "    nop\n")}, exitUser, "code: no halt instruction"},
		{[]string{"asm", write("unprog.pasm", "    and [r0+3], 0, [r0+1]\n    halt\n")}, exitUser, "code[0] (and): reads sub-array 3 row 0, which is never programmed"},
		{[]string{"asm", write("other.pasm", ".target \"other\"\n    halt\n")}, exitUser, `program names target "other"`},
		{[]string{"asm", "-target", "nope", write("ok.pasm", "    halt\n")}, exitUser, `no preset "nope"`},
		{[]string{"disasm", write("junk.pimb", "not a binary at all, definitely not a pimb file....................")}, exitUser, "pimb: bad magic"},
	}
	for _, c := range cases {
		code, _, errs := runCLI(c.args...)
		if code != c.code || !strings.Contains(errs, c.want) {
			t.Errorf("pimc %v: exit %d, stderr %q; want exit %d and %q", c.args, code, errs, c.code, c.want)
		}
	}
	// A failed assembly leaves no output file.
	if _, err := os.Stat(filepath.Join(dir, "nohalt.pimb")); err == nil {
		t.Error("failed asm wrote an output file")
	}
}

func TestTargetShow(t *testing.T) {
	code, out, errs := runCLI("target", "show")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{"ops.and_sense.latency", "1.2", "PAPER.md §4 default", "fJ/column", "2048 fJ/row", "area total"} {
		if !strings.Contains(out, want) {
			t.Errorf("target show output lacks %q", want)
		}
	}
	code, out, errs = runCLI("target", "show", "-json")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	back, err := target.Parse("show.json", []byte(out))
	if err != nil {
		t.Fatalf("target show -json does not load back: %v", err)
	}
	if back.CostFingerprint() != target.Default().CostFingerprint() {
		t.Error("target show -json changed the description")
	}
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("name: x\nbase: sot-mram-45nm\ngeometry:\n  rows: {value: 0, provenance: p}\n"), 0o644)
	code, _, errs = runCLI("target", "show", bad)
	if code != exitUser || !strings.Contains(errs, "geometry.rows: 0 outside [2, 1024]") {
		t.Errorf("bad target: exit %d, %q", code, errs)
	}
	if code, _, _ = runCLI("target"); code != exitUsage {
		t.Errorf("pimc target: exit %d, want usage", code)
	}
	if code, out, _ = runCLI("target", "list"); code != exitOK || !strings.Contains(out, "sot-mram-45nm") {
		t.Errorf("pimc target list: %d %q", code, out)
	}
	for _, args := range [][]string{{"target", "-h"}, {"target", "list", "-h"}} {
		if code, _, errs = runCLI(args...); code != exitOK || !strings.Contains(errs, "usage: pimc target") {
			t.Errorf("pimc %s: exit %d, %q; want the usage and exit 0", strings.Join(args, " "), code, errs)
		}
	}
	if code, _, errs = runCLI("target", "list", "extra"); code != exitUsage || !strings.Contains(errs, `unexpected argument "extra"`) {
		t.Errorf("pimc target list extra: exit %d, %q", code, errs)
	}
}
