package admm

import (
	"bytes"
	"math"
	"strings"
	"testing"
)

func TestParseSeedsAndPaths(t *testing.T) {
	s, err := ParseSeeds("1, 2,3")
	if err != nil || len(s) != 3 || s[2] != 3 {
		t.Errorf("ParseSeeds: %v %v", s, err)
	}
	for _, bad := range []string{"", "0", "1,x", "2,2", "-1"} {
		if _, err := ParseSeeds(bad); err == nil {
			t.Errorf("ParseSeeds(%q): no error", bad)
		}
	}
	if p := SeedPath("dir/m.onnx", 7); p != "dir/m-seed7.onnx" {
		t.Errorf("SeedPath: %s", p)
	}
	if DefaultValidation(60000) != 5000 || DefaultValidation(1000) != 0 {
		t.Error("DefaultValidation")
	}
}

func TestMeanStdAndSummary(t *testing.T) {
	m, s := MeanStd([]float64{1, 2, 3})
	if m != 2 || math.Abs(s-1) > 1e-12 {
		t.Errorf("MeanStd: %g ± %g, want 2 ± 1", m, s)
	}
	if m, s := MeanStd([]float64{5}); m != 5 || s != 0 {
		t.Errorf("one value: %g ± %g", m, s)
	}
	reps := []LayerReport{{FiltersKept: 2, ColsKept: 3, Bits: 4, Weights: 10}, {FiltersKept: 1, ColsKept: 1, Bits: 0, Weights: 1}}
	st, dn := StoredBits(reps)
	if st != 2*3*4+32 || dn != 11*32 {
		t.Errorf("StoredBits: %g, %g", st, dn)
	}
	var b bytes.Buffer
	WriteSummary(&b, "admm", []RunSummary{{Seed: 1, Val: 0.99, Test: 0.98, StoredBits: 100, DenseBits: 8000}, {Seed: 2, Val: 0.97, Test: 0.96, StoredBits: 100, DenseBits: 8000}})
	if !strings.Contains(b.String(), "admm over 2 seeds: val 98.00% ± 1.41, test 97.00% ± 1.41, stored bits 80.0x ± 0.0") {
		t.Errorf("summary:\n%s", b.String())
	}
	if strings.Contains(b.String(), "deployed") {
		t.Errorf("summary without deployed accuracies mentions them:\n%s", b.String())
	}
	b.Reset()
	WriteSummary(&b, "l1", []RunSummary{{Seed: 1, Val: 0.99, ValDeployed: 0.985, Deployed: true, Test: 0.98, StoredBits: 100, DenseBits: 8000},
		{Seed: 2, Val: 0.97, ValDeployed: 0.975, Deployed: true, Test: 0.96, StoredBits: 100, DenseBits: 8000}})
	for _, want := range []string{"seed 1    l1        val 99.00%  val deployed 98.50%  test 98.00%", "l1 over 2 seeds: val 98.00% ± 1.41, val deployed 98.00% ± 0.71, test 97.00% ± 1.41"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, b.String())
		}
	}
}
