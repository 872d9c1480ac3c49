package backend_test

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"sync"
	"testing"
	"time"

	"github.com/pimc-dev/pimc/backend"
	"github.com/pimc-dev/pimc/frontend"
	"github.com/pimc-dev/pimc/ir/tensor"
	"github.com/pimc-dev/pimc/isa"
	"github.com/pimc-dev/pimc/passes"
	"github.com/pimc-dev/pimc/sim"
	"github.com/pimc-dev/pimc/target"
)

// peakHeap samples the live heap every millisecond while f runs and
// returns the largest value seen (bytes).
func peakHeap(f func()) uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	var peak uint64
	var mu sync.Mutex
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(s)
			mu.Lock()
			peak = max(peak, s[0].Value.Uint64())
			mu.Unlock()
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	f()
	close(done)
	wg.Wait()
	return peak
}

func benchTarget(b *testing.B) *target.Target {
	tgt, err := target.Load(filepath.Join("testdata", "sot-mram-45nm-64banks.yaml"))
	if err != nil {
		b.Fatal(err)
	}
	return tgt
}

// BenchmarkCompileResNet18 compiles the torchvision ResNet-18 export at
// 32x32 (testdata/bench/resnet18_tv32.onnx, made by
// `/usr/bin/python3 testdata/bench/gen_models.py testdata/bench`) like
// `pimc compile`: import, canonicalize, quantize (W8A8, random:8
// calibration), map and emit, encode. Goal: <= 10 s and <= 1 GiB.
func BenchmarkCompileResNet18(b *testing.B) {
	path := filepath.Join("..", "testdata", "bench", "resnet18_tv32.onnx")
	if _, err := os.Stat(path); err != nil {
		b.Skipf("%s absent: generate it with /usr/bin/python3 testdata/bench/gen_models.py testdata/bench", path)
	}
	tgt := benchTarget(b)
	b.ReportAllocs()
	var res *backend.Result
	var size int
	var peak uint64
	var backendTime time.Duration
	for b.Loop() {
		runtime.GC()
		peak = max(peak, peakHeap(func() {
			g, err := frontend.Load(path, frontend.Options{})
			if err != nil {
				b.Fatal(err)
			}
			if err := passes.NewManager().RunString(g, "canonicalize,quantize"); err != nil {
				b.Fatal(err)
			}
			t0 := time.Now()
			res, err = compileQuantized(g, tgt, "off")
			if err != nil {
				b.Fatal(err)
			}
			bin, err := isa.EncodeBinary(res.Prog)
			if err != nil {
				b.Fatal(err)
			}
			backendTime += time.Since(t0)
			size = len(bin)
		}))
	}
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
	b.ReportMetric(backendTime.Seconds()/float64(b.N), "backend-s/op")
	b.ReportMetric(float64(len(res.Prog.Code)), "instructions")
	b.ReportMetric(float64(size)/(1<<20), "pimb-MiB")
	b.ReportMetric(float64(res.Subarrays), "subarrays")
}

// BenchmarkCompileResNet50 compiles the torchvision ResNet-50 export at
// 224x224 (testdata/bench/resnet50_224.onnx, made by `/usr/bin/python3
// testdata/bench/gen_models.py testdata/bench`; it needs torch, so the
// benchmark skips without it, PIMC_REQUIRE_CORPUS or not) like `pimc
// compile` (W8A8, random:8 calibration) for the default target: its
// feature maps go through the DRAM in bands (docs/BACKEND.md §9) and the
// weights beyond the 1024 sub-arrays are reprogrammed per layer from it
// (§10). Goal (issue 12): <= 10 s and <= 1.5 GiB.
func BenchmarkCompileResNet50(b *testing.B) {
	path := filepath.Join("..", "testdata", "bench", "resnet50_224.onnx")
	if _, err := os.Stat(path); err != nil {
		b.Skipf("%s absent: generate it with /usr/bin/python3 testdata/bench/gen_models.py testdata/bench", path)
	}
	tgt := target.Default()
	var res *backend.Result
	var peak uint64
	var backendTime time.Duration
	for b.Loop() {
		runtime.GC()
		peak = max(peak, peakHeap(func() {
			g, err := frontend.Load(path, frontend.Options{})
			if err != nil {
				b.Fatal(err)
			}
			if err := passes.NewManager().RunString(g, "canonicalize,quantize"); err != nil {
				b.Fatal(err)
			}
			t0 := time.Now()
			if res, err = compileQuantized(g, tgt, "off"); err != nil {
				b.Fatal(err)
			}
			if _, err := isa.EncodeBinary(res.Prog); err != nil {
				b.Fatal(err)
			}
			backendTime += time.Since(t0)
		}))
	}
	loads, stores := dramOps(res.Prog)
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
	b.ReportMetric(backendTime.Seconds()/float64(b.N), "backend-s/op")
	b.ReportMetric(float64(len(res.Prog.Code)), "instructions")
	b.ReportMetric(float64(res.Subarrays), "subarrays")
	b.ReportMetric(float64(loads+stores), "dram-transfers")
	b.ReportMetric(float64(res.Reprogram.Layers), "reprogrammed-layers")
}

// BenchmarkSimResNet50 simulates one image of the ResNet-50 of
// BenchmarkCompileResNet50 (testdata/bench/resnet50_224.onnx), compiled
// once outside the timer (W8A8, default target, no replication), on a
// seeded random 224x224 input per iteration: the single-image simulator
// speed of issue 15 (goal <= 5 s of CPU per image; docs/BENCHMARKS.md).
func BenchmarkSimResNet50(b *testing.B) { benchSimResNet50(b, target.Default()) }

// BenchmarkSimResNet50Seq is BenchmarkSimResNet50 on the default target
// with the plane sequencer (ISA v1.7: a gdot per round and run instead of
// M x N gbmacs).
func BenchmarkSimResNet50Seq(b *testing.B) { benchSimResNet50(b, withSequencer(b, target.Default())) }

func benchSimResNet50(b *testing.B, tgt *target.Target) {
	path := filepath.Join("..", "testdata", "bench", "resnet50_224.onnx")
	if _, err := os.Stat(path); err != nil {
		b.Skipf("%s absent: generate it with /usr/bin/python3 testdata/bench/gen_models.py testdata/bench resnet50_224", path)
	}
	g, err := frontend.Load(path, frontend.Options{})
	if err != nil {
		b.Fatal(err)
	}
	if err := passes.NewManager().RunString(g, "canonicalize,quantize"); err != nil {
		b.Fatal(err)
	}
	res, err := compileQuantized(g, tgt, "off")
	if err != nil {
		b.Fatal(err)
	}
	m, err := sim.Load(res.Prog, tgt)
	if err != nil {
		b.Fatal(err)
	}
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
	var out *sim.Result
	b.ResetTimer()
	for range b.N {
		if out, err = m.Infer(ins); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(out.Stats.Steps), "instrs/inference")
}

// BenchmarkEstimateWork: the static execution of a program that -pipeline
// partitions and balances by (estimate.go), on LeNet-5 W8A8 compiled
// without pipelining for the default target (91 k instructions executed
// per image); -pipeline -spread runs it once per placement it estimates.
func BenchmarkEstimateWork(b *testing.B) {
	g := quantizeModel(b, "../testdata/models/lenet5/lenet5.onnx", "calib=random:2")
	tgt := target.Default()
	res, err := compileQuantized(g, tgt, "auto")
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		if _, _, err := backend.EstimatedStream(res.Prog, tgt); err != nil {
			b.Fatal(err)
		}
	}
}
