package passes

import (
	"strings"
	"testing"

	"github.com/pimc-dev/pimc/ir"
)

// TestHostReason: each host op left by quantize gets the reason it is not
// on the device: an op without an integer form, an activation of codes too
// wide for a table (not reachable with abits <= 8), an op reading another
// host op's float result.
func TestHostReason(t *testing.T) {
	b := newBuilder(t)
	x := b.input("x", 1, 3, 5, 5)
	c := b.conv2d(x, 4, 3, true)
	e := b.node("exp", nil, c)                                 // no integer form
	s := b.node(ir.OpSigmoid, nil, e)                          // reads the exp's float result
	g := b.output(b.node("exp", nil, b.conv2d(s, 2, 1, true))) // the last conv's codes go to the host: out-bits 16
	g.Stage = ir.StageCanonical
	mustVerify(t, g)
	if err := NewManager().RunString(g, "quantize{calib=random:8}"); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, n := range g.Nodes {
		if n.Op == "exp" || n.Op == ir.OpSigmoid {
			got = append(got, string(n.Op)+": "+HostReason(n))
		}
	}
	want := []string{"exp: exp has no integer form on the device", "sigmoid: reads a float value", "exp: exp has no integer form"}
	if len(got) != len(want) {
		t.Fatalf("host ops %q, want %d", got, len(want))
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("host op %d: %q, want %q...", i, got[i], want[i])
		}
	}
}
