package passes

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/pimc-dev/pimc/frontend"
	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/tensor"
	"github.com/pimc-dev/pimc/tensorio"
)

// convTCase is one transposed convolution: input [1, c, sp...], m output
// channels, kernel k per axis.
type convTCase struct {
	c, m, group         int
	sp, k               []int
	strides, dil, outPd []int
	pads                []int
	bias                bool
}

func (b *builder) convTranspose(x *ir.Value, tc convTCase) *ir.Value {
	ws := append([]int{tc.c, tc.m / tc.group}, tc.k...)
	ins := []*ir.Value{x, b.randConst(fmt.Sprintf("w%d", b.seq+1), -0.5, 0.5, ws...)}
	if tc.bias {
		ins = append(ins, b.randConst(fmt.Sprintf("b%d", b.seq+1), -0.5, 0.5, tc.m))
	}
	return b.node(ir.OpConvTranspose, ir.Attrs{
		"strides": ir.IntsFromInts(tc.strides), "pads": ir.IntsFromInts(tc.pads),
		"dilations": ir.IntsFromInts(tc.dil), "output_padding": ir.IntsFromInts(tc.outPd),
		"group": ir.IntAttr(int64(tc.group)),
	}, ins...)
}

// TestConvTransposeLower checks the rewrite against the direct scatter
// kernel of conv_transpose (ir/tensor) over strides, dilations, asymmetric
// pads, output padding, groups, 1-D and 2-D, and that every case is
// actually lowered (no conv_transpose left, a conv and, for strides > 1, a
// zero_insert).
func TestConvTransposeLower(t *testing.T) {
	var cases []convTCase
	for _, s := range [][]int{{1, 1}, {2, 2}, {3, 2}} {
		for _, d := range [][]int{{1, 1}, {2, 1}} {
			for _, pads := range [][]int{{0, 0, 0, 0}, {1, 0, 2, 1}} {
				for _, g := range []int{1, 2} {
					op := []int{min(s[0], d[0]) - 1, 0}
					cases = append(cases, convTCase{c: 4, m: 6, group: g, sp: []int{5, 4}, k: []int{3, 2},
						strides: s, dil: d, outPd: op, pads: pads, bias: g == 1})
				}
			}
		}
	}
	cases = append(cases,
		convTCase{c: 3, m: 2, group: 1, sp: []int{7}, k: []int{4}, strides: []int{3}, dil: []int{1}, outPd: []int{2}, pads: []int{1, 3}, bias: true},
		convTCase{c: 2, m: 2, group: 2, sp: []int{6}, k: []int{1}, strides: []int{2}, dil: []int{1}, outPd: []int{0}, pads: []int{0, 0}},
		// Pads beyond the dilated kernel: the zero-inserted input is cropped.
		convTCase{c: 2, m: 3, group: 1, sp: []int{5, 5}, k: []int{2, 2}, strides: []int{3, 3}, dil: []int{1, 1}, outPd: []int{0, 1}, pads: []int{2, 0, 0, 3}, bias: true})
	for i, tc := range cases {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			b := newBuilder(t)
			x := b.input("x", append([]int{1, tc.c}, tc.sp...)...)
			g := b.output(b.convTranspose(x, tc))
			checkPipeline(t, g, "conv-transpose-lower,dce")
			checkIdempotent(t, g, "conv-transpose-lower")
			ops := countOps(g)
			zi := 0
			for _, s := range tc.strides {
				if s > 1 {
					zi = 1
				}
			}
			crop := 0
			for d := range tc.k {
				ext := tc.dil[d] * (tc.k[d] - 1)
				if ext < tc.pads[d] || ext+tc.outPd[d] < tc.pads[len(tc.k)+d] {
					crop = 1
				}
			}
			if ops[ir.OpConvTranspose] != 0 || ops[ir.OpConv] != 1 || ops[ir.OpZeroInsert] != zi || ops[ir.OpPad] != crop {
				t.Errorf("ops after the pass: %v", ops)
			}
			if len(g.Consts) != 1+btoi(tc.bias) {
				t.Errorf("%d constants left after dce, want the new weight (and the bias)", len(g.Consts))
			}
		})
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestConvTransposeLowerKept checks the case the conv cannot express stays
// conv_transpose (on the host): 3-D.
func TestConvTransposeLowerKept(t *testing.T) {
	for _, tc := range []convTCase{
		{c: 2, m: 2, group: 1, sp: []int{3, 3, 3}, k: []int{2, 2, 2}, strides: []int{2, 2, 2}, dil: []int{1, 1, 1}, outPd: []int{0, 0, 0}, pads: []int{0, 0, 0, 0, 0, 0}},
	} {
		b := newBuilder(t)
		x := b.input("x", append([]int{1, tc.c}, tc.sp...)...)
		g := b.output(b.convTranspose(x, tc))
		checkPipeline(t, g, "conv-transpose-lower")
		if ops := countOps(g); ops[ir.OpConvTranspose] != 1 || len(g.Nodes) != 1 {
			t.Errorf("%v: ops after the pass: %v, want the conv_transpose kept", tc.sp, ops)
		}
	}
}

// TestConvTransposeLowerCorpus runs canonicalize (which includes the
// rewrite) on every ConvTranspose case of the corpus (the ONNX node tests
// and the PyTorch ConvTranspose2d modules) with their stored inputs and
// wants the interpreter within 1e-4 relative before and after; all but the
// 3-D node test must be lowered.
func TestConvTransposeLowerCorpus(t *testing.T) {
	root := corpusDir(t)
	var dirs []string
	for _, pat := range []string{"node/test_convtranspose*", "pytorch-converted/test_ConvTranspose2d*"} {
		m, _ := filepath.Glob(filepath.Join(root, pat))
		dirs = append(dirs, m...)
	}
	if len(dirs) != 13 {
		t.Errorf("%d ConvTranspose cases in the corpus, want 13", len(dirs))
	}
	lowered := 0
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			model := filepath.Join(dir, "model.onnx")
			g0, err := frontend.Load(model, frontend.Options{})
			if err != nil {
				t.Fatal(err)
			}
			// The node tests pass W (and B) as graph inputs: bind them as
			// constants, as `pimc compile -bind` does, so the weights can be
			// rewritten.
			opt := frontend.Options{Bind: map[string]*tensor.Tensor{}}
			var ins []*tensor.Tensor
			for i, v := range g0.Inputs {
				in, err := tensorio.Read(filepath.Join(dir, "test_data_set_0", fmt.Sprintf("input_%d.pb", i)))
				if err != nil {
					t.Fatal(err)
				}
				if i == 0 {
					ins = append(ins, in)
				} else {
					opt.Bind[v.Name] = in
				}
			}
			g, err := frontend.Load(model, opt)
			if err != nil {
				t.Fatal(err)
			}
			checkPipelineWith(t, g, "canonicalize", ins)
			ops := countOps(g)
			if filepath.Base(dir) == "test_convtranspose_3d" {
				if ops[ir.OpConvTranspose] != 1 {
					t.Errorf("3-D case: ops %v, want the conv_transpose kept", ops)
				}
				return
			}
			if ops[ir.OpConvTranspose] != 0 || ops[ir.OpConv] != 1 {
				t.Errorf("ops after canonicalize: %v, want the conv_transpose lowered to a conv", ops)
			}
			lowered++
		})
	}
	t.Logf("%d of %d ConvTranspose cases lowered", lowered, len(dirs))
}
