package main

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/pimc-dev/pimc/ir/tensor"
	"github.com/pimc-dev/pimc/tensorio"
)

// TestCompileStatesWidths: pimc compile -wbits 4 -abits 4 says on the line
// of each layer quantize kept at other widths (LeNet-5's first and last,
// keep-ends; the logits, out-bits) what it kept and why; at -wbits 1 the
// binary layers are on one plane (W1) and bit-exact.
func TestCompileStatesWidths(t *testing.T) {
	dir := t.TempDir()
	model := embeddedLenet5
	code, out, errs := runCLI("compile", model, "-o", filepath.Join(dir, "w4.pimb"), "-wbits", "4", "-abits", "4")
	if code != exitOK {
		t.Fatalf("compile: exit %d: %s", code, errs)
	}
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`"conv1" .* W8 A8 .*\[w8 \(keep-ends\), a8 out \(keep-ends\), not -wbits 4 -abits 4\]`),
		regexp.MustCompile(`"conv2" .* W4 A8 [^[]*\n`),
		regexp.MustCompile(`"fc3" .* W8 A4 .*\[w8 \(keep-ends\), a16 out \(output read by the host: out-bits\), not -wbits 4 -abits 4\]`),
	} {
		if !want.MatchString(out) {
			t.Errorf("compile summary lacks %s:\n%s", want, out)
		}
	}
	x := tensor.New(tensor.Float32, 1, 1, 28, 28)
	for i := range x.F32 {
		x.F32[i] = float32(i%29) / 28
	}
	in := filepath.Join(dir, "x.npy")
	if err := tensorio.Write(in, x, ""); err != nil {
		t.Fatal(err)
	}
	code, out, errs = runCLI("compile", model, "-o", filepath.Join(dir, "w1.pimb"), "-wbits", "1", "-abits", "4", "-verify-with", in)
	if code != exitOK || !strings.Contains(out, "verify: bit-exact (10 values)") {
		t.Fatalf("-wbits 1: exit %d:\n%s\n%s", code, out, errs)
	}
	if n := strings.Count(out, " W1 A"); n != 3 {
		t.Errorf("%d layers on one plane (W1), want conv2, fc1, fc2:\n%s", n, out)
	}
}
