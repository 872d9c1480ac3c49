package sim

import (
	"strings"
	"testing"
)

// TestParseFaultList: a spec is one case whose kind is its one rate key;
// bare values after a key are more cases of it, the other keys repeated;
// a list on a key that is no rate, or on two keys, is refused.
func TestParseFaultList(t *testing.T) {
	for _, c := range []struct {
		in    string
		texts []string
		kind  string
		rates []float64
	}{
		{"sense=1e-3", []string{"sense=1e-3"}, "sense", []float64{1e-3}},
		{"write=1e-4,sense=1e-5", []string{"write=1e-4,sense=1e-5"}, "", []float64{0}},
		{"sense=target", []string{"sense=target"}, "", []float64{0}},
		{"sense=0,1e-4, 1e-2", []string{"sense=0", "sense=1e-4", "sense=1e-2"}, "sense", []float64{0, 1e-4, 1e-2}},
		{"write=1e-3,1e-2,cells=weights", []string{"write=1e-3,cells=weights", "write=1e-2,cells=weights"}, "write", []float64{1e-3, 1e-2}},
		{"shift=6-14,sense=1e-3,1e-2", []string{"shift=6-14,sense=1e-3", "shift=6-14,sense=1e-2"}, "sense", []float64{1e-3, 1e-2}},
		{"sigma=0.1,0.12", []string{"sigma=0.1", "sigma=0.12"}, "sigma", []float64{0.1, 0.12}},
	} {
		cs, err := ParseFaultList(c.in)
		if err != nil || len(cs) != len(c.texts) {
			t.Errorf("%q: %v, %+v", c.in, err, cs)
			continue
		}
		for i, fc := range cs {
			want, _ := ParseFaults(c.texts[i])
			if fc.Text != c.texts[i] || fc.Kind != c.kind || fc.Rate != c.rates[i] || fc.Spec.String() != want.String() {
				t.Errorf("%q case %d: %q %s=%g, want %q %s=%g", c.in, i, fc.Text, fc.Kind, fc.Rate, c.texts[i], c.kind, c.rates[i])
			}
		}
	}
	for _, c := range []struct{ in, want string }{
		{"1e-3", "want key=value"},
		{"sense=1e-3,,", "want key=value"},
		{"cells=weights,inputs", "only write, stuck, sense and sigma take a list"},
		{"sense=1e-3,1e-2,write=0,1e-3", "values listed for both sense and write"},
		{"sense=1e-3,2", "sense=2: want a probability"},
	} {
		if _, err := ParseFaultList(c.in); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: %v, want %q", c.in, err, c.want)
		}
	}
}
