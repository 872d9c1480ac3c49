package backend_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/tensor"
	"github.com/pimc-dev/pimc/target"
)

// lateWindowModel is five convolutions (32, 64, 128, 256 and 64 filters)
// on a 3x8x8 input, on the default target with 4 sub-arrays per bank (64
// in all): the last three are reprogrammed in a window stage, whose first
// op (128 filters) takes 2 chunk pieces and whose second (256) 5.
func lateWindowModel(t *testing.T) (*ir.Graph, *target.Target) {
	b := newGB(t, 21)
	y := b.input(1, 3, 8, 8)
	for i, f := range []int{32, 64, 128, 256, 64} {
		y = b.conv(y, f, 3, 1, 1, 1, 1)
		if i < 4 {
			y = b.relu(y)
		}
	}
	g, _ := b.finish("wbits=8,abits=8", y)
	tgt := reprogramTarget()
	tgt.Geometry.SubarraysPerMat.Value = 4
	return g, tgt
}

// lateWindowBatch is n inputs of lateWindowModel's shape, each different.
func lateWindowBatch(n int) [][]*tensor.Tensor { return patternBatch(n, 3, 37, true, 1, 3, 8, 8) }

// TestWindowLateControllers: the window stage's later ops have pieces on
// late controllers (window_late.go, docs/PARALLEL.md §8.8): controllers
// that run a stage or a helper before the window and, once it has run the
// run's last frame, jump to their pieces of the window's later ops. Some
// window controller is one of an earlier stage's, the code of each pc
// belongs to one stream (a late controller's pieces are reached from its
// stage's stream, not a stream of their own), neither controller 0 nor
// the prefetching controller is late, the summary names the late ones,
// and every image of a batch of 6 (runs of 4 and 2 frames) is bit-exact
// against the interpreter.
func TestWindowLateControllers(t *testing.T) {
	g, tgt := lateWindowModel(t)
	res := compilePipelined(t, g, tgt, "auto", 4)
	win := res.Stages[len(res.Stages)-1]
	var before []int
	for _, st := range res.Stages[:len(res.Stages)-1] {
		t.Logf("stage: controllers %v %v split %v", st.Controllers, st.Layers, st.Split)
		before = append(before, st.Controllers...)
	}
	t.Logf("window stage: controllers %v (late %v) %v split %v", win.Controllers, win.Late, win.Layers, win.Split)
	if !win.Window || len(win.Late) == 0 {
		t.Fatalf("window stage: controllers %v, late %v; want late controllers", win.Controllers, win.Late)
	}
	shared := 0
	for _, c := range win.Late {
		if !slices.Contains(win.Controllers, c) {
			t.Errorf("late controller %d is not among the window stage's %v", c, win.Controllers)
		}
		if c == 0 || c == prefetchController(t, res) {
			t.Errorf("late controller %d: controller 0 or the prefetcher", c)
		}
		if slices.Contains(before, c) {
			shared++
		}
	}
	if shared == 0 {
		t.Errorf("no late controller %v runs a stage before the window (%v)", win.Late, before)
	}
	stream := streamOfPC(t, res.Prog)
	ran := map[int]bool{} // controllers that run code of the window's later ops
	for pc, in := range res.Prog.Code {
		if in.Src >= 0 && int(in.Src) < len(res.Prog.Sources) && slices.Contains(win.Layers[1:], res.Prog.Sources[in.Src].Layer) {
			ran[stream[pc]] = true
		}
	}
	for _, c := range win.Late {
		if !ran[c] {
			t.Errorf("late controller %d runs no code of the window's later ops %v", c, win.Layers[1:])
		}
	}
	var sum strings.Builder
	res.WriteStages(&sum)
	if !strings.Contains(sum.String(), "its later ops also on controller") {
		t.Errorf("summary:\n%s", sum.String())
	}
	checkPipelined(t, g, res, tgt, lateWindowBatch(6))
}

// TestWindowLateTokens: each late piece takes a go and a done token, so on
// a target with few tokens the window's later ops take fewer late
// controllers (half as many per try), down to none, and then the window
// stage takes fewer controllers of its own (the next pipeline by estimate,
// fewer helpers): lateWindowModel's chosen pipeline (4 window controllers)
// needs 32 tokens with its 1 late controller and 30 with none, the next
// one fewer. With 32 it compiles with 1, with 30 with none, with 20 with
// 2 window controllers, bit-exact; without the fallbacks 30 and 20 were
// refused for their tokens.
func TestWindowLateTokens(t *testing.T) {
	for _, c := range []struct {
		tokens    int64
		late, own int
	}{{32, 1, 4}, {30, 0, 4}, {20, 0, 2}} {
		g, tgt := lateWindowModel(t)
		tgt.Parallel.Tokens.Value = c.tokens
		res := compilePipelined(t, g, tgt, "auto", 4)
		win := res.Stages[len(res.Stages)-1]
		t.Logf("%d tokens: window stage controllers %v, late %v, split %v", c.tokens, win.Controllers, win.Late, win.Split)
		if own := len(win.Controllers) - len(win.Late); len(win.Late) != c.late || own != c.own {
			t.Errorf("%d tokens: window controllers %v, late %v; want %d of its own, %d late", c.tokens, win.Controllers, win.Late, c.own, c.late)
		}
		checkPipelined(t, g, res, tgt, lateWindowBatch(6))
	}
}
