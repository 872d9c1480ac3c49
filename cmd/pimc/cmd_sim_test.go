package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pimc-dev/pimc/internal/testcorpus"
	"github.com/pimc-dev/pimc/ir/tensor"
	"github.com/pimc-dev/pimc/sim"
	"github.com/pimc-dev/pimc/tensorio"
)

// dotX is the expect-input of testdata/isa/dot.pasm; its output is -11.
var dotX = []float32{3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9, 7, 9, 3}

func TestSimCLI(t *testing.T) {
	dir := t.TempDir()
	x := filepath.Join(dir, "x.pb")
	if err := tensorio.Write(x, tensor.FromF32(dotX, 1, 16), "x"); err != nil {
		t.Fatal(err)
	}
	rep := filepath.Join(dir, "r.json")
	y := filepath.Join(dir, "y.pb")
	code, out, errs := runCLI("sim", "../../testdata/isa/dot.pasm", "-i", x, "-o", y, "-report", rep)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if testing.Verbose() {
		t.Log(out)
	}
	for _, want := range []string{"latency", "33 ns", "fc", "Gemm_0", "area", "mm2 used", "static power", "row writes"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	got, err := tensorio.Read(y)
	if err != nil {
		t.Fatal(err)
	}
	if got.Len() != 1 || got.Float64At(0) != -11 {
		t.Fatalf("output %v = %v, want -11", got, got.Float32s())
	}
	var r sim.Report
	data, err := os.ReadFile(rep)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &r); err != nil {
		t.Fatal(err)
	}
	if r.PerInference.LatencyNS != 33 || r.MACs != 16 || len(r.Sources) != 2 { // fc and the unattributed halt
		t.Fatalf("report: latency %v, MACs %v, %d sources", r.PerInference.LatencyNS, r.MACs, len(r.Sources))
	}
}

// TestSimCLIBinary assembles dot.pasm with pimc asm and simulates the .pimb.
func TestSimCLIBinary(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "dot.pimb")
	if code, _, errs := runCLI("asm", "../../testdata/isa/dot.pasm", "-o", bin); code != exitOK {
		t.Fatalf("asm: exit %d: %s", code, errs)
	}
	x := filepath.Join(dir, "x.npy")
	if err := tensorio.Write(x, tensor.FromF32(dotX, 1, 16), ""); err != nil {
		t.Fatal(err)
	}
	trace := filepath.Join(dir, "trace.txt")
	code, out, errs := runCLI("sim", bin, "-i", x, "-q", "-trace", trace)
	if code != exitOK {
		t.Fatalf("sim: exit %d: %s", code, errs)
	}
	if !strings.Contains(out, "output y:") || !strings.Contains(out, "-11") {
		t.Fatalf("output summary lacks y = -11:\n%s", out)
	}
	if tr, err := os.ReadFile(trace); err != nil || !strings.Contains(string(tr), "    27     32.000     33.000  halt") {
		t.Fatalf("trace (%v):\n%s", err, tr)
	}
	// Costs are not part of the fingerprint: the same binary runs on a
	// description with 60 fJ/bit writes (energy sweep without recompiling),
	// and its 4 input-plane writes cost 4 x 256 x 60 fJ = 61.44 pJ.
	rep := filepath.Join(dir, "r.json")
	code, _, errs = runCLI("sim", bin, "-i", x, "-q", "-report", rep, "-target", "../../target/testdata/write-energy-low.yaml")
	if code != exitOK {
		t.Fatalf("write-energy-low: exit %d: %s", code, errs)
	}
	var r sim.Report
	data, _ := os.ReadFile(rep)
	if err := json.Unmarshal(data, &r); err != nil {
		t.Fatal(err)
	}
	if w := r.PerInference.Energy.Write; w < 61.44-1e-9 || w > 61.44+1e-9 {
		t.Fatalf("write energy %v pJ, want 61.44", w)
	}
}

func TestSimCLIBatchAndRaw(t *testing.T) {
	dir := t.TempDir()
	// 3 images; the second has x[0] = 4 (w[0] = 1): y = -10.
	b := append(append(append([]float32{}, dotX...), dotX...), dotX...)
	b[16] = 4
	x := filepath.Join(dir, "x.npy")
	if err := tensorio.Write(x, tensor.FromF32(b, 3, 16), ""); err != nil {
		t.Fatal(err)
	}
	var reports [2][]byte
	for i, j := range []string{"1", "2"} {
		y := filepath.Join(dir, "y"+j+".npy")
		rep := filepath.Join(dir, "r"+j+".json")
		code, _, errs := runCLI("sim", "../../testdata/isa/dot.pasm", "-i", x, "-batch", "3", "-o", y, "-q", "-raw", "-j", j, "-report", rep)
		if code != exitOK {
			t.Fatalf("-j %s: exit %d: %s", j, code, errs)
		}
		got, err := tensorio.Read(y)
		if err != nil {
			t.Fatal(err)
		}
		if got.DType != tensor.Int64 || len(got.I64) != 3 || got.I64[0] != -11 || got.I64[1] != -10 || got.I64[2] != -11 {
			t.Fatalf("-j %s: outputs %v %v, want int64 [-11 -10 -11]", j, got, got.I64)
		}
		reports[i], _ = os.ReadFile(rep)
	}
	if string(reports[0]) != string(reports[1]) {
		t.Fatal("sequential and parallel batches give different reports")
	}
	// -raw rejects non-integers; a wrong shape names the port.
	bad := filepath.Join(dir, "bad.npy")
	tensorio.Write(bad, tensor.FromF32(make([]float32, 15), 1, 15), "")
	if code, _, errs := runCLI("sim", "../../testdata/isa/dot.pasm", "-i", bad); code != exitUser || !strings.Contains(errs, `port "x"`) {
		t.Fatalf("bad shape: exit %d: %s", code, errs)
	}
	if code, _, _ := runCLI("sim", "../../testdata/isa/dot.pasm"); code != exitUser {
		t.Fatalf("missing input: exit %d", code)
	}
	if code, _, _ := runCLI("sim"); code != exitUsage {
		t.Fatalf("no program: exit %d", code)
	}
}

// TestSimCLICompiledModel compiles the CNTK MNIST model and simulates it
// through its host section: the MAC equivalents are the model's exact MAC
// count, and sequential and parallel batches agree.
func TestSimCLICompiledModel(t *testing.T) {
	model := testcorpus.Root(t, "models", "mnist-cntk-zoo")
	dir := t.TempDir()
	bin := filepath.Join(dir, "mnist.pimb")
	if code, _, errs := runCLI("compile", filepath.Join(model, "model.onnx"), "-o", bin); code != exitOK {
		t.Fatalf("compile: exit %d: %s", code, errs)
	}
	// A batch of the three test images as one [3,1,28,28] tensor.
	var imgs []float32
	for k := range 3 {
		m, err := tensorio.ReadNPZ(filepath.Join(model, fmt.Sprintf("test_data_%d.npz", k)))
		if err != nil {
			t.Fatal(err)
		}
		x := m["inputs"]
		if x == nil || x.Len() != 784 {
			t.Fatalf("test_data_%d.npz: no 784-element \"inputs\" array", k)
		}
		imgs = append(imgs, x.Float32s()...)
	}
	in := filepath.Join(dir, "x.npy")
	if err := tensorio.Write(in, tensor.FromF32(imgs, 3, 1, 28, 28), ""); err != nil {
		t.Fatal(err)
	}
	var reps, outs [2][]byte
	for i, j := range []string{"1", "2"} {
		rep, out := filepath.Join(dir, "r"+j+".json"), filepath.Join(dir, "y"+j+".npy")
		code, table, errs := runCLI("sim", bin, "-i", in, "-batch", "3", "-j", j, "-report", rep, "-o", out)
		if code != exitOK {
			t.Fatalf("sim -j %s: exit %d: %s", j, code, errs)
		}
		for _, want := range []string{"Convolution110", "\nhost (per inference", "  host ops ", "  transfers ", "  end to end ", "quantize", "are under \"host\""} {
			if !strings.Contains(table, want) {
				t.Errorf("table lacks %q (the layers, the host share):\n%s", want, table)
			}
		}
		reps[i], _ = os.ReadFile(rep)
		outs[i], _ = os.ReadFile(out)
	}
	if string(reps[0]) != string(reps[1]) || string(outs[0]) != string(outs[1]) {
		t.Fatal("-j 1 and -j 2 differ")
	}
	var r sim.Report
	if err := json.Unmarshal(reps[0], &r); err != nil {
		t.Fatal(err)
	}
	// conv 8 filters x 5x5x1 x 28x28 pixels + conv 16 x 5x5x8 x 14x14 + fc 10 x 256
	if want := float64(8*25*784 + 16*200*196 + 10*256); r.MACs != want {
		t.Errorf("MACs = %v, want %v", r.MACs, want)
	}
	if r.Images != 3 {
		t.Errorf("report of %d images, want 3", r.Images)
	}
	if h := r.Host; h == nil || !h.Costed || h.Ops <= 0 || h.Transfers < 2 || h.TotalLatencyNS <= r.PerInference.LatencyNS || h.HostEnergyShare <= 0 {
		t.Errorf("JSON report: host share %+v", h)
	}
	y, err := tensorio.Read(filepath.Join(dir, "y1.npy"))
	if err != nil || y.Len() != 30 {
		t.Fatalf("output %v: %v", y, err)
	}
}
