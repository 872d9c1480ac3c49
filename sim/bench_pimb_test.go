package sim

import (
	"fmt"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/pimc-dev/pimc/ir/tensor"
	"github.com/pimc-dev/pimc/isa"
	"github.com/pimc-dev/pimc/target"
)

// BenchmarkPIMB runs the compiled program named by PIMC_BENCH_PIMB (a .pimb
// file, e.g. `pimc compile testdata/models/resnet-small-fashion-mnist.onnx
// -calib fashion-mnist -o rs.pimb`) on one seeded random input image per
// iteration. It exists because the committed goldens are MNIST-sized: a
// ResNet-scale program touches megabytes of weight rows, and its speed is
// set by memory traffic the small programs never show. Skipped when the
// variable is unset (compiling needs the compiler, which sim must not import).
// PIMC_BENCH_TIMELINE=1 records the utilisation timeline (timeline.go).
func BenchmarkPIMB(b *testing.B) {
	path, prog, tgt := benchProgram(b)
	m, err := Load(prog, tgt)
	if err != nil {
		b.Fatalf("%s: %v", path, err)
	}
	m.Executable().RecordTimeline(os.Getenv("PIMC_BENCH_TIMELINE") == "1")
	r := rand.New(rand.NewPCG(5, 6))
	var ins []*tensor.Tensor
	for _, p := range m.Executable().Ports(isa.PortIn) {
		shape, n := make([]int, len(p.Shape)), 1
		for i, d := range p.Shape {
			shape[i], n = int(d), n*int(d)
		}
		x := make([]float32, n)
		for i := range x {
			x[i] = r.Float32()
		}
		ins = append(ins, tensor.FromF32(x, shape...))
	}
	var res *Result
	b.ResetTimer()
	cpu0 := cpuTime()
	for range b.N {
		if res, err = m.Infer(ins); err != nil {
			b.Fatal(err)
		}
	}
	cpu := cpuTime() - cpu0
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "images/s")
	if cpu > 0 {
		b.ReportMetric(float64(b.N)/cpu.Seconds(), "images/cpu-s")
		b.ReportMetric(float64(res.Stats.Steps)*float64(b.N)/cpu.Seconds(), "instrs/cpu-s")
	}
	b.ReportMetric(float64(res.Stats.Steps), "instrs/inference")
}

// BenchmarkLockstep runs the program of PIMC_BENCH_PIMB (as BenchmarkPIMB)
// in lockstep batches (Lockstep) of PIMC_BENCH_LANES lanes (default 16) on
// seeded random input images, one batch per iteration; the figures are per
// image. The first batch records the tape outside the timer.
func BenchmarkLockstep(b *testing.B) {
	path, prog, tgt := benchProgram(b)
	lanes := 16
	if s := os.Getenv("PIMC_BENCH_LANES"); s != "" {
		fmt.Sscan(s, &lanes)
	}
	exe, err := Prepare(prog, tgt)
	if err != nil {
		b.Fatalf("%s: %v", path, err)
	}
	ls, err := exe.NewLockstep(lanes)
	if err != nil {
		b.Fatalf("%s: %v", path, err)
	}
	r := rand.New(rand.NewPCG(5, 6))
	batch := func() *RunStats {
		for _, m := range ls.Lanes() {
			m.Reset()
			for _, p := range exe.Ports(isa.PortIn) {
				if err := m.WriteInputRaw(p.Name, randRaw(r.Uint64(), *p)); err != nil {
					b.Fatal(err)
				}
			}
		}
		st, err := ls.Run(lanes)
		if err != nil {
			b.Fatal(err)
		}
		return st
	}
	st := batch()
	b.ResetTimer()
	cpu0 := cpuTime()
	for range b.N {
		batch()
	}
	cpu := cpuTime() - cpu0
	n := float64(b.N * lanes)
	b.ReportMetric(n/b.Elapsed().Seconds(), "images/s")
	if cpu > 0 {
		b.ReportMetric(n/cpu.Seconds(), "images/cpu-s")
	}
	b.ReportMetric(float64(st.Steps), "instrs/inference")
}

// benchProgram reads the program PIMC_BENCH_PIMB names (the benchmark is
// skipped when it is unset) and the target it was compiled for: its own
// description (format v1.4+), so one .pimb runs on the same machine at
// every commit (a serial v1.4 program keeps its serial machine after the
// default target changed); the default target for older files.
func benchProgram(b *testing.B) (string, *isa.Program, *target.Target) {
	b.Helper()
	path := os.Getenv("PIMC_BENCH_PIMB")
	if path == "" {
		b.Skip("set PIMC_BENCH_PIMB to a compiled .pimb")
	}
	data, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	prog, err := isa.DecodeBinary(data)
	if err != nil {
		b.Fatalf("%s: %v", path, err)
	}
	tgt, err := target.Embedded(prog, path)
	if err != nil {
		b.Fatal(err)
	}
	if tgt == nil {
		tgt = target.Default()
	}
	return path, prog, tgt
}
