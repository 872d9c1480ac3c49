package admm

import (
	"strings"
	"testing"

	"github.com/pimc-dev/pimc/frontend"
)

// TestOutputFilterWarnings: a config whose defaults prune filters everywhere
// warns about LeNet-5's fc3 (its 10 filters are the classes) and about no
// other layer; the demo's config, which prunes only fc3's columns, gets no
// warning.
func TestOutputFilterWarnings(t *testing.T) {
	g, err := frontend.Load("../testdata/models/lenet5/lenet5.onnx", frontend.Options{})
	if err != nil {
		t.Fatal(err)
	}
	layers, _ := Layers(g)
	for _, c := range []struct {
		config string
		want   []string
	}{
		{"defaults: {prune: {filter: 0.5, column: 0.5}, wbits: 4}\n", []string{`layer "fc3" feeds model output`, "about 5 of 10", "{fc3: {prune: {column: 0.5}}}"}},
		{"defaults: {prune: {filter: 0.5}}\nlayers: {fc3: {prune: {column: 0.5}}}\n", nil},
	} {
		cfg, err := ParseConfig([]byte(c.config))
		if err != nil {
			t.Fatal(err)
		}
		specs, err := cfg.Resolve(layers)
		if err != nil {
			t.Fatal(err)
		}
		warns := OutputFilterWarnings(g, layers, specs)
		if len(c.want) == 0 {
			if len(warns) != 0 {
				t.Errorf("config %q: unexpected warnings %q", c.config, warns)
			}
			continue
		}
		if len(warns) != 1 {
			t.Fatalf("config %q: warnings %q, want one about fc3", c.config, warns)
		}
		for _, w := range c.want {
			if !strings.Contains(warns[0], w) {
				t.Errorf("config %q: warning %q lacks %q", c.config, warns[0], w)
			}
		}
	}
}
