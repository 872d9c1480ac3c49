package backend_test

import (
	"testing"

	"github.com/pimc-dev/pimc/isa"
	"github.com/pimc-dev/pimc/target"
)

// TestSequencerRotatedLoops: on the default target (a plane sequencer, one
// accumulator per sub-array) every filter loop of gdot rounds is rotated
// (emit_rotated.go): its body drains filter i and issues filter i+1's
// gdots before the loop control, so the loop control issues while the
// sequences run, not between a drain and the next gdot. Where a round's
// gdot has several drains, the body issues a gdot after each drain (the
// gdot split), and no more gdots than half a bank's sequences. Bit-exact
// against the interpreter (compileAndCheck), W8A8 and W4A4, one frame and
// under -pipeline.
func TestSequencerRotatedLoops(t *testing.T) {
	tgt := target.Default()
	for _, c := range []struct{ opts string }{
		{"calib=random:2"},
		{"calib=random:2,wbits=4,abits=4,keep-ends=false"},
	} {
		t.Run(c.opts, func(t *testing.T) {
			g := quantizeModel(t, "../testdata/models/lenet5/lenet5.onnx", c.opts)
			res, _ := compileAndCheck(t, g, tgt, lenetBatch(2)...)
			loops, split := rotatedLoops(t, res.Prog.Code, tgt)
			if loops == 0 {
				t.Fatal("no filter loop of gdot rounds")
			}
			t.Logf("%d rotated filter loops, %d with split gdots", loops, split)
		})
	}
}

// rotatedLoops checks every loop (a backward dbnz) whose body holds a gdot
// and a drain: the last sub-array instruction before the loop control is
// a gdot, every drain in the body is followed by a gdot before the next
// drain or in the bodies of split loops, and a split body holds at most
// half a bank's sequences of gdots. It returns the loops and the split
// ones.
func rotatedLoops(t *testing.T, code []isa.Instr, tgt *target.Target) (loops, split int) {
	t.Helper()
	drain := func(op isa.Opcode) bool { return op == isa.OpGvacc || op == isa.OpVacc }
	for pc, in := range code {
		if in.Op != isa.OpDbnz || int(in.Args[1]) >= pc {
			continue
		}
		body := code[in.Args[1]:pc]
		gdots, drains, last, inner := 0, 0, isa.Opcode(0), false
		for _, b := range body {
			switch {
			case b.Op == isa.OpGdot:
				gdots++
				last = b.Op
			case drain(b.Op):
				drains++
				last = b.Op
			case b.Op == isa.OpDbnz:
				inner = true // an outer (pixel) loop: its inner loops count
			}
		}
		if inner || gdots == 0 || drains == 0 {
			continue
		}
		loops++
		if last != isa.OpGdot {
			t.Errorf("loop %d..%d: the last sub-array instruction before the loop control is a %v, not a gdot (the loop is not rotated)", in.Args[1], pc, last)
		}
		if gdots > 1 && gdots == drains {
			split++
			for i, b := range body {
				if drain(b.Op) && (i+1 == len(body) || body[i+1].Op != isa.OpGdot) {
					t.Errorf("split loop %d..%d: the drain at %d is not followed by its gdot", in.Args[1], pc, int(in.Args[1])+i)
				}
			}
			if int64(2*gdots) > tgt.PlaneSequences() {
				t.Errorf("split loop %d..%d: %d gdots in flight, more than half of a bank's %d sequences", in.Args[1], pc, gdots, tgt.PlaneSequences())
			}
		}
	}
	return loops, split
}

// TestSequencerDoubleBuffer: on the default target a matrix layer's pixels
// alternate between two sets of input rows (emit_dbuf.go), and each
// pixel's last round writes the next pixel's planes into the other set
// after issuing its gdots and before draining them: writes issued while
// gdots are pending (not yet drained), none of them into rows a pending
// gdot reads. Bit-exact against the interpreter on two images (W8A8 and
// W4A4).
func TestSequencerDoubleBuffer(t *testing.T) {
	tgt := target.Default()
	for _, opts := range []string{"calib=random:2", "calib=random:2,wbits=4,abits=4,keep-ends=false"} {
		t.Run(opts, func(t *testing.T) {
			g := quantizeModel(t, "../testdata/models/lenet5/lenet5.onnx", opts)
			res, _ := compileAndCheck(t, g, tgt, lenetBatch(2)...)
			ahead := 0
			var pending []isa.Instr // gdots issued and not yet drained
			for pc, in := range res.Prog.Code {
				switch in.Op {
				case isa.OpGdot:
					pending = append(pending, in)
				case isa.OpVacc, isa.OpGvacc:
					pending = pending[:0]
				case isa.OpWrp, isa.OpGwrp:
					if len(pending) == 0 {
						continue
					}
					ahead++
					row := in.Args[3]
					for _, gd := range pending {
						n := int64(isa.UnpackPlanes(gd.Args[6]).N) // the gdot's input planes
						if row >= gd.Args[2] && row < gd.Args[2]+n {
							t.Errorf("code[%d] %v writes a row the pending %v reads", pc, isa.FormatInstr(in), isa.FormatInstr(gd))
						}
					}
				}
			}
			if ahead == 0 {
				t.Error("no input write issued while a gdot's sequence was pending: the pixels are not double-buffered")
			}
			t.Logf("%d writes ahead of their pixel", ahead)
		})
	}
}
