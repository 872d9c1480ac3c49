package sim

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/pimc-dev/pimc/isa"
	"github.com/pimc-dev/pimc/target"
)

// dotCase is a random fully connected layer y = W x computed with bmac loops.
type dotCase struct {
	M, N     int  // weight bits (signed two's complement), activation bits
	xSigned  bool // activations two's complement, else unsigned
	K, F     int  // vector length, filters
	w        [][]int64
	x        []int64
	useVacc  bool // merge segments with vacc (else accadd in one mat)
	baseSA   int
	loopRows bool // walk the weight rows of the filters with a register loop
}

func randBits(r *rand.Rand, bits int, signed bool) int64 {
	if signed {
		return r.Int64N(1<<bits) - 1<<(bits-1)
	}
	return r.Int64N(1 << bits)
}

func newDotCase(r *rand.Rand, cols int) *dotCase {
	c := &dotCase{
		M: 1 + r.IntN(8), N: 1 + r.IntN(8), xSigned: r.IntN(2) == 0,
		F: 1 + r.IntN(4), useVacc: r.IntN(2) == 0, loopRows: r.IntN(2) == 0,
	}
	// K up to 4 segments; bias towards segment boundaries.
	switch r.IntN(3) {
	case 0:
		c.K = 1 + r.IntN(4*cols)
	case 1:
		c.K = cols*(1+r.IntN(3)) + r.IntN(3) - 1
	default:
		c.K = 1 + r.IntN(40)
	}
	c.baseSA = 4 * r.IntN(256) // first sub-array of a mat
	c.x = make([]int64, c.K)
	for i := range c.x {
		c.x[i] = randBits(r, c.N, c.xSigned)
	}
	c.w = make([][]int64, c.F)
	for f := range c.w {
		c.w[f] = make([]int64, c.K)
		for i := range c.w[f] {
			c.w[f][i] = randBits(r, c.M, true)
		}
	}
	return c
}

func (c *dotCase) String() string {
	return fmt.Sprintf("M=%d N=%d signedX=%v K=%d F=%d vacc=%v loop=%v sa=%d", c.M, c.N, c.xSigned, c.K, c.F, c.useVacc, c.loopRows, c.baseSA)
}

const (
	dotOutAddr = 4096
	dotWRow    = 8 // weight planes of filter f: rows dotWRow + f*M + m
)

// program emits the layer with the isa Go API: per segment j (columns
// [j*cols, (j+1)*cols) of x, sub-array baseSA+j) gather and write the N input
// planes, then per filter one bmac per (segment, m, n) and a merge of the
// segment accumulators into lane f of v0.
func (c *dotCase) program(tgt *target.Target) *isa.Program {
	a := tgt.Arch()
	cols := a.Cols
	segs := (c.K + cols - 1) / cols
	p := &isa.Program{TargetName: tgt.Name, TargetFingerprint: a.Fingerprint,
		Sources: []isa.Source{{Layer: "fc", Node: "Gemm_0", Value: "y"}}}
	emit := func(op isa.Opcode, args ...int64) {
		in := isa.NewInstr(op, args...)
		in.Src = 0
		p.Code = append(p.Code, in)
	}
	p.Ports = []isa.Port{
		{Name: "x", Dir: isa.PortIn, Addr: 0, Shape: []uint32{1, uint32(c.K)}, Type: isa.MakeIntType(max(c.N, 2), c.xSigned), Scale: 1},
		{Name: "y", Dir: isa.PortOut, Addr: dotOutAddr, Shape: []uint32{1, uint32(c.F)}, Type: isa.MakeIntType(32, true), Scale: 1},
	}
	if !c.xSigned {
		p.Ports[0].Type = isa.MakeIntType(c.N, false)
	}
	// weight image
	for j := range segs {
		for f := range c.F {
			for m := range c.M {
				bits := make([]byte, cols/8)
				for col := 0; col < cols && j*cols+col < c.K; col++ {
					if uint64(c.w[f][j*cols+col])>>m&1 != 0 {
						bits[col/8] |= 1 << (col % 8)
					}
				}
				p.Weights = append(p.Weights, isa.WeightRow{Subarray: uint32(c.baseSA + j), Row: uint32(dotWRow + f*c.M + m), Bits: bits, Src: 0})
			}
		}
	}
	emit(isa.OpSetvl, 0, int64(c.F))
	emit(isa.OpVbcast, 0, 0)
	for j := range segs {
		n := min(cols, c.K-j*cols)
		emit(isa.OpPzero, 0)
		emit(isa.OpPld, 0, 0, 0, int64(j*cols), int64(n))
		for b := range c.N {
			emit(isa.OpWrp, 0, int64(c.baseSA+j), 0, int64(b), 0, int64(b))
		}
	}
	sign := func(m, n int) int64 {
		negW := m == c.M-1
		negX := c.xSigned && n == c.N-1
		if negW != negX {
			return 1
		}
		return 0
	}
	body := func(f int, rowReg int64, rowOff int64, laneReg int64, lane int64) {
		for j := range segs {
			emit(isa.OpAccclr, 0, int64(c.baseSA+j), 0)
		}
		for j := range segs {
			for m := range c.M {
				for n := range c.N {
					emit(isa.OpBmac, 0, int64(c.baseSA+j), int64(n), rowReg, rowOff+int64(m), 0, int64(m+n), sign(m, n))
				}
			}
		}
		if c.useVacc {
			for j := range segs {
				emit(isa.OpVacc, 0, laneReg, lane, 0, int64(c.baseSA+j), 0, 1)
			}
		} else {
			for j := 1; j < segs; j++ {
				emit(isa.OpAccadd, 0, int64(c.baseSA), 0, 0, int64(c.baseSA+j), 0)
			}
			emit(isa.OpVacc, 0, laneReg, lane, 0, int64(c.baseSA), 0, 1)
		}
	}
	if c.loopRows {
		// r6 = row offset f*M, r7 = lane f, r8 = filters left
		emit(isa.OpLi, 6, 0)
		emit(isa.OpLi, 7, 0)
		emit(isa.OpLi, 8, int64(c.F))
		top := int64(len(p.Code))
		body(-1, 6, dotWRow, 7, 0)
		emit(isa.OpAddi, 6, 6, int64(c.M))
		emit(isa.OpAddi, 7, 7, 1)
		emit(isa.OpDbnz, 8, top)
	} else {
		for f := range c.F {
			body(f, 0, int64(dotWRow+f*c.M), 0, int64(f))
		}
	}
	emit(isa.OpVst, 0, 0, dotOutAddr, 1)
	emit(isa.OpHalt)
	return p
}

// want is the plain integer dot product; ok is false when a bit-serial
// partial sum would leave the accumulator range (the case is then skipped:
// saturation is tested separately).
func (c *dotCase) want(cols int, accBits int) (y []int64, ok bool) {
	lim := int64(1)<<(accBits-1) - 1
	ok = true
	for f := range c.F {
		var s int64
		for i := range c.K {
			s += c.w[f][i] * c.x[i]
		}
		y = append(y, s)
		// Any partial sum of a segment lies between minus the sum of its
		// negative plane terms and the sum of its positive ones.
		for j := 0; j*cols < c.K; j++ {
			var pos, neg int64
			for m := range c.M {
				for n := range c.N {
					var cnt int64
					for i := j * cols; i < min(c.K, (j+1)*cols); i++ {
						cnt += int64(uint64(c.w[f][i])>>m&1) & int64(uint64(c.x[i])>>n&1)
					}
					term := cnt << (m + n)
					if (m == c.M-1) != (c.xSigned && n == c.N-1) {
						neg += term
					} else {
						pos += term
					}
				}
			}
			if pos > lim || neg > lim+1 {
				ok = false
			}
		}
	}
	return y, ok
}

func TestPropertyDotProducts(t *testing.T) {
	tgt := target.Default()
	cols := tgt.Arch().Cols
	seeds := 200
	if testing.Short() {
		seeds = 60
	}
	ran := 0
	for seed := range seeds {
		r := rand.New(rand.NewPCG(uint64(seed), 0x5eed))
		c := newDotCase(r, cols)
		want, ok := c.want(cols, tgt.Arch().AccBits)
		if !ok {
			continue
		}
		ran++
		prog := c.program(tgt)
		m, err := Load(prog, tgt)
		if err != nil {
			t.Fatalf("seed %d (%v): %v", seed, c, err)
		}
		if err := m.WriteInputRaw("x", c.x); err != nil {
			t.Fatalf("seed %d (%v): %v", seed, c, err)
		}
		st, err := m.Run()
		if err != nil {
			t.Fatalf("seed %d (%v): %v", seed, c, err)
		}
		// MAC equivalents (Report.MACs) are exact for this mapping: F x K.
		if got := m.Report(st).MACs; got != float64(c.F*c.K) {
			t.Fatalf("seed %d (%v): MACs %v, want %d", seed, c, got, c.F*c.K)
		}
		got, _ := m.ReadOutputRaw("y")
		for f := range want {
			if got.I64[f] != want[f] {
				t.Fatalf("seed %d (%v): y = %v, want %v", seed, c, got.I64, want)
			}
		}
	}
	if ran < seeds/2 {
		t.Fatalf("only %d of %d cases ran (accumulator bound too strict)", ran, seeds)
	}
	t.Logf("%d of %d random layers checked", ran, seeds)
}
