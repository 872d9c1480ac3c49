package sim

import (
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/pimc-dev/pimc/ir/tensor"
	"github.com/pimc-dev/pimc/isa"
	"github.com/pimc-dev/pimc/target"
)

// andLoopProgram is a loop of `unroll` bmacs over pairs of defined rows of
// sub-arrays 0..3, repeated iters times: every bmac is one simulated two-row
// AND on 256 packed columns (plus its popcount and shift-add).
func andLoopProgram(tgt *target.Target, iters, unroll int) *isa.Program {
	a := tgt.Arch()
	p := &isa.Program{TargetName: tgt.Name, TargetFingerprint: a.Fingerprint}
	r := rand.New(rand.NewPCG(1, 2))
	for s := range 4 {
		for row := range 16 {
			bits := make([]byte, a.Cols/8)
			for i := range bits {
				bits[i] = byte(r.Uint32())
			}
			p.Weights = append(p.Weights, isa.WeightRow{Subarray: uint32(s), Row: uint32(row), Bits: bits, Src: -1})
		}
	}
	p.Code = append(p.Code, isa.NewInstr(isa.OpLi, 1, int64(iters)))
	top := int64(len(p.Code))
	for i := range unroll {
		p.Code = append(p.Code, isa.NewInstr(isa.OpBmac, 0, int64(i%4), int64(i%8), 0, int64(8+i%8), 0, int64(i%8), int64(i%2)))
	}
	p.Code = append(p.Code, isa.NewInstr(isa.OpDbnz, 1, top), isa.NewInstr(isa.OpHalt))
	for i := range p.Code {
		p.Code[i].Src = -1
	}
	return p
}

// BenchmarkAND measures simulated two-row AND operations (bmac) per second.
func BenchmarkAND(b *testing.B) {
	tgt := target.Default()
	const iters, unroll = 1000, 64
	m, err := Load(andLoopProgram(tgt, iters, unroll), tgt)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	cpu0 := cpuTime()
	for range b.N {
		m.Reset()
		if _, err := m.Run(); err != nil {
			b.Fatal(err)
		}
	}
	cpu := cpuTime() - cpu0
	b.ReportMetric(float64(b.N*iters*unroll)/b.Elapsed().Seconds(), "ANDs/s")
	if cpu > 0 {
		b.ReportMetric(float64(b.N*iters*unroll)/cpu.Seconds(), "ANDs/cpu-s")
	}
}

// layerCase is a 4-bit x 4-bit fully connected layer, F=62 filters of K=576
// (a 3x3x64 convolution's patch): 3 segments per filter; 62 filters x 4
// planes + 8 input rows fill the 256 rows of a sub-array.
func layerCase() *dotCase {
	r := rand.New(rand.NewPCG(3, 4))
	c := &dotCase{M: 4, N: 4, K: 576, F: 62, loopRows: true}
	c.x = make([]int64, c.K)
	for i := range c.x {
		c.x[i] = randBits(r, 4, false)
	}
	c.w = make([][]int64, c.F)
	for f := range c.w {
		c.w[f] = make([]int64, c.K)
		for i := range c.w[f] {
			c.w[f][i] = randBits(r, 4, true)
		}
	}
	return c
}

// BenchmarkLayer4x4 measures simulated MACs per second of a 62x576 layer
// with 4-bit weights and activations (3 sub-arrays, accadd merges).
func BenchmarkLayer4x4(b *testing.B) {
	tgt := target.Default()
	c := layerCase()
	m, err := Load(c.program(tgt), tgt)
	if err != nil {
		b.Fatal(err)
	}
	var st *RunStats
	b.ResetTimer()
	cpu0 := cpuTime()
	for range b.N {
		m.Reset()
		if err := m.WriteInputRaw("x", c.x); err != nil {
			b.Fatal(err)
		}
		if st, err = m.Run(); err != nil {
			b.Fatal(err)
		}
	}
	cpu := cpuTime() - cpu0
	rep := m.Executable().BuildReport([]*RunStats{st})
	b.ReportMetric(rep.MACs*float64(b.N)/b.Elapsed().Seconds(), "MACs/s")
	if cpu > 0 {
		b.ReportMetric(rep.MACs*float64(b.N)/cpu.Seconds(), "MACs/cpu-s")
	}
	b.ReportMetric(rep.PerInference.Cycles, "cycles/inference")
	b.ReportMetric(rep.PerInference.Energy.Total/1000, "nJ/inference")
}

// BenchmarkTestdataConv runs testdata/isa/conv.pasm (a 3x3 convolution loop:
// per output pixel 3 pld, 4 wrp, 24 bmac, 2 vacc) as a whole inference.
func BenchmarkTestdataConv(b *testing.B) {
	prog, ins, _ := isaProgram(b, "conv.pasm")
	m, err := Load(prog, target.Default())
	if err != nil {
		b.Fatal(err)
	}
	var st *RunStats
	b.ResetTimer()
	cpu0 := cpuTime()
	for range b.N {
		m.Reset()
		for n, v := range ins {
			if err := m.WriteInputRaw(n, v); err != nil {
				b.Fatal(err)
			}
		}
		if st, err = m.Run(); err != nil {
			b.Fatal(err)
		}
	}
	cpu := cpuTime() - cpu0
	if cpu > 0 {
		b.ReportMetric(float64(st.Steps)*float64(b.N)/cpu.Seconds(), "instrs/cpu-s")
	}
}

// BenchmarkRunBatch runs 256 images of testdata/isa/conv.pasm through
// RunBatch, in sequence and on all cores, reporting images per second.
func BenchmarkRunBatch(b *testing.B) {
	prog, ins, _ := isaProgram(b, "conv.pasm")
	exe, err := Prepare(prog, target.Default())
	if err != nil {
		b.Fatal(err)
	}
	batch := make([][]*tensor.Tensor, 256)
	for i := range batch {
		batch[i] = []*tensor.Tensor{tensor.FromI64(tensor.Int64, ins["x"], 1, 6, 6, 2)}
	}
	for _, par := range []int{1, -1} {
		b.Run(map[int]string{1: "sequential", -1: "parallel"}[par], func(b *testing.B) {
			for range b.N {
				if _, _, err := exe.RunBatch(batch, BatchOptions{Parallel: par}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(batch)*b.N)/b.Elapsed().Seconds(), "images/s")
		})
	}
}

// BenchmarkMNIST runs the compiled MNIST CNN of the golden tests
// (testdata/mnist-cntk.pimb.hex, `pimc compile -calib mnist` of
// testdata/models/mnist-cntk/model.onnx: 3020 instructions, 635708 executed
// per image) on the bundled digit 4, one inference per iteration.
func BenchmarkMNIST(b *testing.B) {
	prog, err := isa.DecodeBinary(readHexDump(b, filepath.Join("testdata", "mnist-cntk.pimb.hex")))
	if err != nil {
		b.Fatal(err)
	}
	m, err := Load(prog, target.Default())
	if err != nil {
		b.Fatal(err)
	}
	in := prog.Ports[0]
	x := readNpyF32(b, filepath.Join("..", "testdata", "models", "mnist-cntk", "digit4.npy"))
	img := tensor.FromF32(x, 1, 1, 28, 28)
	var st *RunStats
	b.ResetTimer()
	cpu0 := cpuTime()
	for range b.N {
		m.Reset()
		if err := m.WriteInput(in.Name, img); err != nil {
			b.Fatal(err)
		}
		if st, err = m.Run(); err != nil {
			b.Fatal(err)
		}
	}
	cpu := cpuTime() - cpu0
	rep := m.Report(st)
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "images/s")
	if cpu > 0 {
		b.ReportMetric(float64(b.N)/cpu.Seconds(), "images/cpu-s")
		b.ReportMetric(float64(st.Steps)*float64(b.N)/cpu.Seconds(), "instrs/cpu-s")
		b.ReportMetric(rep.MACs*float64(b.N)/cpu.Seconds(), "MACs/cpu-s")
	}
	b.ReportMetric(rep.PerInference.LatencyNS/1e6, "sim-ms/inference")
}
