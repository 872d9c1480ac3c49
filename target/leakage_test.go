package target

import (
	"bytes"
	"math"
	"strings"
	"testing"
)

// TestLeakageBreakdown checks the default preset's static power against a
// hand calculation: 1024 sub-arrays x (2.82 + 1.41 + 0.423) uW, 16 x 64 DPU
// lanes x 4.23 uW, (2^20 x 32 + 2^16 x 32) SRAM bits x 3.03 pW, 16
// controllers x 14.1 uW, cells 0.
func TestLeakageBreakdown(t *testing.T) {
	d := Default()
	fixed, per := d.LeakagePower()
	wantPer := (2.82 + 1.41 + 0.423) * 1e-3
	wantFixed := 1024*4.23e-3 + float64(1<<20*32+1<<16*32)*3.03e-9 + 16*14.1e-3
	if math.Abs(per-wantPer) > 1e-12 || math.Abs(fixed-wantFixed) > 1e-9 {
		t.Errorf("LeakagePower = %v, %v mW; want %v, %v", fixed, per, wantFixed, wantPer)
	}
	if got, want := d.TotalLeakageMW(), wantFixed+1024*wantPer; math.Abs(got-want) > 1e-9 {
		t.Errorf("TotalLeakageMW = %v, want %v", got, want)
	}
	if d.PowerGating() {
		t.Error("power gating on by default")
	}
}

// TestShowLeakage: pimc target show lists the static powers in power units,
// normalised to mW, and their chip totals.
func TestShowLeakage(t *testing.T) {
	var b bytes.Buffer
	if err := Default().WriteTable(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{"leakage.dpu_lane", "4.23     uW", "0.00423 mW", "leakage.sram_bit", "3.03e-09 mW",
		"leakage DPU                     4.332 mW", "leakage total                   9.43 mW"} {
		if !strings.Contains(out, want) {
			t.Errorf("target show lacks %q:\n%s", want, out)
		}
	}
}
