package pimrt_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/pimc-dev/pimc/driver"
	"github.com/pimc-dev/pimc/ir/tensor"
	"github.com/pimc-dev/pimc/pimrt"
)

// TestRunLockstep: inferences run in lockstep give Run's outputs, device
// statistics and host work, over batches that fill the lanes and one that
// does not; pipelined and split programs are refused with the reason.
func TestRunLockstep(t *testing.T) {
	g, _, m := compiledLeNet5(t)
	ls, err := m.NewLockstep(3)
	if err != nil {
		t.Fatal(err)
	}
	k := 0
	for _, n := range []int{3, 3, 2} {
		var batch [][]*tensor.Tensor
		for range n {
			x := tensor.New(tensor.Float32, 1, 1, 28, 28)
			for i := range x.F32 {
				x.F32[i] = float32((i*5+11*k)%31) / 30
			}
			batch = append(batch, []*tensor.Tensor{x})
			k++
		}
		got, err := m.RunLockstep(ls, batch)
		if err != nil {
			t.Fatal(err)
		}
		for i, in := range batch {
			want, err := m.Run(in)
			if err != nil {
				t.Fatal(err)
			}
			a, _ := json.Marshal([]any{got[i].Stats, got[i].Host})
			b, _ := json.Marshal([]any{want.Stats, want.Host})
			if !tensor.Equal(got[i].Outputs[0], want.Outputs[0]) || string(a) != string(b) {
				t.Fatalf("batch of %d, inference %d: lockstep differs from Run", n, i)
			}
		}
	}
	if _, err := m.RunLockstep(ls, make([][]*tensor.Tensor, 4)); err == nil {
		t.Error("4 inferences on 3 lanes: no error")
	}
	for _, c := range []struct {
		opt  driver.Options
		want string
	}{
		{driver.Options{Calib: "random:1", Pipeline: true}, "pipelined"},
		{driver.Options{Calib: "random:1", Split: true}, "several streams"},
	} {
		res, err := driver.Compile(g, c.opt)
		if err != nil {
			t.Fatal(err)
		}
		m, err := pimrt.Load(res.Prog, res.Target)
		if err != nil {
			t.Fatal(err)
		}
		if why := m.LockstepRefusal(); !strings.Contains(why, c.want) {
			t.Errorf("refusal %q, want %q", why, c.want)
		}
		if _, err := m.NewLockstep(2); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("NewLockstep: %v, want %q", err, c.want)
		}
	}
}
