package sim

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/pimc-dev/pimc/ir/tensor"
	"github.com/pimc-dev/pimc/target"
)

// TestRunBatchParallelEqualsSequential runs a batch of different images in
// sequence and on 3 goroutines: outputs and JSON reports must be identical,
// and each output must be the plain dot product.
func TestRunBatchParallelEqualsSequential(t *testing.T) {
	tgt := target.Default()
	r := rand.New(rand.NewPCG(9, 10))
	c := &dotCase{M: 4, N: 4, K: 300, F: 3, loopRows: true}
	c.w = make([][]int64, c.F)
	for f := range c.w {
		c.w[f] = make([]int64, c.K)
		for i := range c.w[f] {
			c.w[f][i] = randBits(r, 4, true)
		}
	}
	c.x = make([]int64, c.K)
	exe, err := Prepare(c.program(tgt), tgt)
	if err != nil {
		t.Fatal(err)
	}
	var batch [][]*tensor.Tensor
	var want [][]int64
	for range 7 {
		x := make([]int64, c.K)
		for i := range x {
			x[i] = randBits(r, 4, false)
		}
		c.x = x
		y, _ := c.want(tgt.Arch().Cols, tgt.Arch().AccBits)
		want = append(want, y)
		batch = append(batch, []*tensor.Tensor{tensor.FromI64(tensor.Int64, x, 1, c.K)})
	}
	var reports [][]byte
	for _, par := range []int{0, 3} {
		res, rep, err := exe.RunBatch(batch, BatchOptions{Parallel: par})
		if err != nil {
			t.Fatal(err)
		}
		for i, rs := range res {
			for f := range want[i] {
				if rs.Raw[0].I64[f] != want[i][f] {
					t.Fatalf("parallel=%d image %d: y = %v, want %v", par, i, rs.Raw[0].I64, want[i])
				}
			}
		}
		js, err := rep.JSON()
		if err != nil {
			t.Fatal(err)
		}
		reports = append(reports, js)
		if rep.Images != 7 || len(rep.PerImage) != 7 {
			t.Fatalf("report has %d images", rep.Images)
		}
		checkNear(t, "batch latency", rep.Batch.LatencyNS, 7*rep.PerImage[0].LatencyNS)
	}
	if !bytes.Equal(reports[0], reports[1]) {
		t.Fatal("sequential and parallel reports differ")
	}
}

// TestInputQuantization: float inputs are quantized with scale and zero
// point (round half to even, saturating); NCHW tensors are transposed to
// NHWC ports; outputs are dequantized.
func TestInputQuantization(t *testing.T) {
	p := asm(t, `
.input "x" addr=0 shape=1x2x2x3 type=u4 scale=0.5 zp=2
.output "y" addr=100 shape=1x2 type=i8 scale=0.25 zp=-1
    li r1, 7
    st r1, [r0+100]
    li r1, -128
    st r1, [r0+101]
    halt
`)
	m, err := Load(p, target.Default())
	if err != nil {
		t.Fatal(err)
	}
	// NCHW [1,3,2,2]: channel c, pixel (y,x) = c*10 + y*2 + x, scaled.
	vals := []float32{
		-3, 0.25, 0.75, 1.25, // c0: q = round(v/0.5)+2 = -4->0 (clamped), 0.5->2 (even), 1.5->4, 2.5->4
		2, 2.5, 3, 3.5, // c1: 6, 7, 8, 9
		6, 6.5, 100, -0.25, // c2: 14, 15, 15 (clamped), -0.5->-0+2 = 2
	}
	if err := m.WriteInput("x", tensor.FromF32(vals, 1, 3, 2, 2)); err != nil {
		t.Fatal(err)
	}
	// NHWC order: pixel-major, channels inner.
	wantWords(t, m, 0, 0, 6, 14, 2, 7, 15, 4, 8, 15, 4, 9, 2)
	if _, err := m.Run(); err != nil {
		t.Fatal(err)
	}
	y, err := m.ReadOutput("y")
	if err != nil {
		t.Fatal(err)
	}
	if y.F32[0] != 2 || y.F32[1] != -31.75 {
		t.Fatalf("y = %v, want [2 -31.75]", y.F32)
	}
	if err := m.WriteInput("x", tensor.FromI64(tensor.Int64, make([]int64, 11), 1, 11)); err == nil {
		t.Fatal("wrong element count accepted")
	}
	bad := make([]int64, 12)
	bad[3] = 16
	if err := m.WriteInput("x", tensor.FromI64(tensor.Int64, bad, 1, 2, 2, 3)); err == nil {
		t.Fatal("raw value 16 accepted for a u4 port")
	}
	if err := m.WriteInput("y", tensor.FromI64(tensor.Int64, make([]int64, 2), 1, 2)); err == nil {
		t.Fatal("writing an output port accepted")
	}
}

// TestInputNaNInf: the simulator's own quantization of float inputs gives
// the codes of the interpreter's (tensor.QuantizeLinear) for NaN and ±Inf
// too: ±Inf saturate, NaN is the zero point. Before, a NaN was an error.
func TestInputNaNInf(t *testing.T) {
	nan, inf := float32(math.NaN()), float32(math.Inf(1))
	vals := []float32{nan, inf, -inf, 1.2, -1.25, 1e30, float32(math.Copysign(float64(nan), -1)), 0}
	for _, c := range []struct {
		typ string
		dt  tensor.DType
		zp  int64
	}{{"i8", tensor.Int8, -3}, {"u8", tensor.Uint8, 10}, {"i8", tensor.Int8, 0}} {
		p := asm(t, fmt.Sprintf(".input \"x\" addr=0 shape=1x8 type=%s scale=0.5 zp=%d\n    halt\n", c.typ, c.zp))
		m, err := Load(p, target.Default())
		if err != nil {
			t.Fatal(err)
		}
		if err := m.WriteInput("x", tensor.FromF32(vals, 1, 8)); err != nil {
			t.Fatalf("%s zp %d: %v", c.typ, c.zp, err)
		}
		oracle := tensor.New(c.dt, 1, 8)
		if err := tensor.QuantizeLinear(oracle, tensor.FromF32(vals, 1, 8), tensor.FromF32([]float32{0.5}), tensor.FromI64(c.dt, []int64{c.zp}), 0); err != nil {
			t.Fatal(err)
		}
		want := make([]int32, 8)
		for i, q := range oracle.I64 {
			want[i] = int32(q)
		}
		if want[0] != int32(c.zp) || want[6] != int32(c.zp) {
			t.Fatalf("oracle maps NaN to %d, want the zero point %d", want[0], c.zp)
		}
		wantWords(t, m, 0, want...)
	}
}
