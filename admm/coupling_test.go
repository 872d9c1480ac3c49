package admm

import (
	"strings"
	"testing"
)

// TestProjectCoupled: a channel's norm sums its rows in every producer and
// its columns in every consumer; the pruned channels are exactly 0 in all
// of them and the kept ones unchanged.
func TestProjectCoupled(t *testing.T) {
	c := Coupling{Channels: 3, Ratio: 0.34, Producers: []string{"a", "b"}, Consumers: []CouplingConsumer{{Layer: "n", Inner: 2}}}
	shapes := map[string]Shape{"a": {Rows: 3, Cols: 1, Spatial: 1}, "b": {Rows: 3, Cols: 1, Spatial: 1}, "n": {Rows: 1, Cols: 6, Spatial: 2}}
	// Channel 0 is the largest in a alone, channel 1 only with b and n;
	// channel 2 is the smallest overall: 2 of 3 channels kept.
	mats := map[string][]float32{"a": {3, 1, 1}, "b": {0, 2, 1}, "n": {0, 0, 2, 2, 0.5, 0}}
	keep, err := ProjectCoupled(c, mats, shapes)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]float32{"a": {3, 1, 0}, "b": {0, 2, 0}, "n": {0, 0, 2, 2, 0, 0}}
	for name, w := range want {
		for i := range w {
			if mats[name][i] != w[i] || keep[name][i] != (name == "n" && i < 4 || name != "n" && i < 2) {
				t.Errorf("%s: %v keep %v, want %v", name, mats[name], keep[name], w)
				break
			}
		}
	}
	if err := checkMats(c, mats, shapes); err != nil {
		t.Error(err)
	}
	mats["n"][5] = 1 // channel 2 alive again in the consumer
	if err := checkMats(c, mats, shapes); err == nil || !strings.Contains(err.Error(), "3 channels non-zero, want at most 2") {
		t.Errorf("violation: %v", err)
	}
	shapes["n"] = Shape{Rows: 1, Cols: 5, Spatial: 1}
	if _, err := ProjectCoupled(c, mats, shapes); err == nil || !strings.Contains(err.Error(), `consumer "n" has 5 columns, want 3 x 2`) {
		t.Errorf("misfit: %v", err)
	}
}
