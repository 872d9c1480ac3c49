package sim

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pimc-dev/pimc/internal/golden"
	"github.com/pimc-dev/pimc/isa"
	"github.com/pimc-dev/pimc/target"
)

// The golden reports pin everything the simulator computes — outputs, the
// full per-instruction profile (executions and controller time of every pc),
// the per-source operation counts and MACs, the cost report (JSON) and a
// digest of the full instruction trace (issue and dispatch time of every
// executed instruction) — for the testdata/isa programs, the compiled MNIST
// model and synthetic layers on several geometries. They were captured before
// the simulator's hot path was optimised; any drift in a result, a cycle or
// an energy fails here. Regenerate them (internal/golden) only for an
// intended semantic change: PIMC_UPDATE=1 go test ./sim -run TestGoldenReports

// goldenRecord is the content of one golden file.
type goldenRecord struct {
	Outputs     []map[string][]int64 `json:"outputs"` // per image, raw
	Stats       []goldenStats        `json:"stats"`   // per image
	TraceSHA256 string               `json:"trace_sha256"`
	TraceLines  int                  `json:"trace_lines"`
	Report      json.RawMessage      `json:"report"`   // BuildReport of all images
	Combined    json.RawMessage      `json:"combined"` // report of CombineRuns(all images)
}

// goldenStats is a RunStats in a diff-friendly form: one line per executed
// instruction ("pc count time_ps") and per source ("src+1 ops... macs").
type goldenStats struct {
	LatencyPS     int64    `json:"latency_ps"`
	Steps         int64    `json:"steps"`
	SubarraysUsed int      `json:"subarrays_used"`
	PC            []string `json:"pc"`
	Sources       []string `json:"sources"`
}

func newGoldenStats(st *RunStats) goldenStats {
	g := goldenStats{LatencyPS: st.LatencyPS, Steps: st.Steps, SubarraysUsed: st.SubarraysUsed}
	for pc, p := range st.PC {
		if p.Count != 0 || p.TimePS != 0 {
			g.PC = append(g.PC, fmt.Sprint(pc, p.Count, p.TimePS))
		}
	}
	// The counts of the kinds added in v1.6 (dram_read, dram_write) are
	// printed only when a run has some, so the goldens of programs
	// without DRAM transfers keep their form.
	k := int(target.OpSync) + 1
	for s := range st.Dyn {
		for j := k; j < numKinds; j++ {
			if st.Dyn[s][j] != 0 {
				k = numKinds
			}
		}
	}
	for s := range st.Dyn {
		g.Sources = append(g.Sources, fmt.Sprint(s, st.Dyn[s][:k], st.MACs[s]))
	}
	return g
}

// goldenCase is a program, its target and the raw inputs of each image.
type goldenCase struct {
	name   string
	prog   *isa.Program
	tgt    *target.Target
	images []map[string][]int64
}

func goldenCases(t *testing.T) []goldenCase {
	var cases []goldenCase
	def := target.Default()
	for _, name := range []string{"dot", "conv", "relu_layer", "block", "edges", "dram", "act"} {
		prog, ins, _ := isaProgram(t, name+".pasm")
		cases = append(cases, goldenCase{"isa-" + name, prog, def, []map[string][]int64{ins}})
	}

	// The MNIST CNN of testdata/models compiled before the optimisation by
	// `pimc compile testdata/models/mnist-cntk/model.onnx -calib mnist`
	// (8-bit weights and activations); inputs: the three bundled test digits quantized to the
	// input port, and one pseudo-random image.
	bin, err := isa.DecodeBinary(readHexDump(t, filepath.Join("testdata", "mnist-cntk.pimb.hex")))
	if err != nil {
		t.Fatal(err)
	}
	in := bin.Ports[0]
	var imgs []map[string][]int64
	for _, d := range []string{"digit0", "digit4", "digit5"} {
		x := readNpyF32(t, filepath.Join("..", "testdata", "models", "mnist-cntk", d+".npy"))
		q := make([]int64, len(x))
		lo, hi := in.Type.Range()
		for i, v := range x {
			q[i] = min(max(int64(math.RoundToEven(float64(v)/in.Scale))+int64(in.ZeroPoint), lo), hi)
		}
		imgs = append(imgs, map[string][]int64{in.Name: q})
	}
	imgs = append(imgs, map[string][]int64{in.Name: randRaw(7, in)})
	// It was compiled for the default of its time, the serial machine
	// (sot-mram-45nm-serial): its report is the one pimc gave then.
	serial, err := target.Preset("sot-mram-45nm-serial")
	if err != nil {
		t.Fatal(err)
	}
	cases = append(cases, goldenCase{"mnist-cntk", bin, serial, imgs})

	cases = append(cases, goldenCase{"bench-and", andLoopProgram(def, 3, 64), def, []map[string][]int64{{}}})
	lc := layerCase()
	cases = append(cases, goldenCase{"bench-layer4x4", lc.program(def), def, []map[string][]int64{{"x": lc.x}}})

	// Random layers on other geometries (row widths that are not 256 columns).
	for _, cols := range []int{128, 200, 512, 1024} {
		tgt, err := target.Parse(fmt.Sprintf("cols%d", cols), []byte(fmt.Sprintf(
			"name: cols%d\nbase: sot-mram-45nm\ngeometry:\n  cols: {value: %d, provenance: golden test geometry}\n", cols, cols)))
		if err != nil {
			t.Fatal(err)
		}
		for seed := range 3 {
			r := rand.New(rand.NewPCG(uint64(seed), uint64(cols)))
			c := newDotCase(r, cols)
			cases = append(cases, goldenCase{fmt.Sprintf("dot-cols%d-seed%d", cols, seed), c.program(tgt), tgt, []map[string][]int64{{"x": c.x}}})
		}
	}
	return cases
}

// randRaw is a pseudo-random raw image for port p.
func randRaw(seed uint64, p isa.Port) []int64 {
	r := rand.New(rand.NewPCG(seed, 0x9017))
	lo, hi := p.Type.Range()
	q := make([]int64, p.Len())
	for i := range q {
		q[i] = lo + r.Int64N(hi-lo+1)
	}
	return q
}

// readNpyF32 reads a little-endian float32 .npy file (format 1.0 or 2.0).
func readNpyF32(t testing.TB, path string) []float32 {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) < 10 || string(b[:6]) != "\x93NUMPY" {
		t.Fatalf("%s: not a .npy file", path)
	}
	var hlen, off int
	if b[6] == 1 {
		hlen, off = int(binary.LittleEndian.Uint16(b[8:])), 10
	} else {
		hlen, off = int(binary.LittleEndian.Uint32(b[8:])), 12
	}
	header := string(b[off : off+hlen])
	if !strings.Contains(header, "'<f4'") || strings.Contains(header, "'fortran_order': True") {
		t.Fatalf("%s: want little-endian float32 in C order, header %q", path, header)
	}
	data := b[off+hlen:]
	x := make([]float32, len(data)/4)
	for i := range x {
		x[i] = math.Float32frombits(binary.LittleEndian.Uint32(data[4*i:]))
	}
	return x
}

// runGolden runs every image of c on one machine (Reset between images) and
// records what the golden file pins.
func runGolden(t *testing.T, c goldenCase) []byte {
	exe, err := Prepare(c.prog, c.tgt)
	if err != nil {
		t.Fatal(err)
	}
	m := exe.NewMachine()
	var rec goldenRecord
	var runs []*RunStats
	for i, img := range c.images {
		m.Reset()
		h := sha256.New()
		var tw *countingWriter
		if i == 0 {
			tw = &countingWriter{w: h}
			m.Trace = tw
		} else {
			m.Trace = nil
		}
		for n, v := range img {
			if err := m.WriteInputRaw(n, v); err != nil {
				t.Fatal(err)
			}
		}
		st, err := m.Run()
		if err != nil {
			t.Fatalf("image %d: %v", i, err)
		}
		if tw != nil {
			rec.TraceSHA256, rec.TraceLines = hex.EncodeToString(h.Sum(nil)), tw.lines
		}
		outs := map[string][]int64{}
		for _, p := range exe.Ports(isa.PortOut) {
			got, err := m.ReadOutputRaw(p.Name)
			if err != nil {
				t.Fatal(err)
			}
			outs[p.Name] = got.I64
		}
		rec.Outputs = append(rec.Outputs, outs)
		g := newGoldenStats(st)
		if i > 0 {
			// Later images: a digest of the profile keeps the file small.
			sum := sha256.Sum256([]byte(strings.Join(g.PC, "\n")))
			g.PC = []string{"sha256 " + hex.EncodeToString(sum[:])}
		}
		rec.Stats = append(rec.Stats, g)
		runs = append(runs, st)
	}
	// The traced run must account exactly as an untraced one: run image 0
	// again without the trace.
	m.Reset()
	m.Trace = nil
	for n, v := range c.images[0] {
		if err := m.WriteInputRaw(n, v); err != nil {
			t.Fatal(err)
		}
	}
	st, err := m.Run()
	if err != nil {
		t.Fatal(err)
	}
	a, _ := json.Marshal(st)
	b, _ := json.Marshal(runs[0])
	if !bytes.Equal(a, b) {
		t.Errorf("run with trace and without differ")
	}
	if rec.Report, err = exe.BuildReport(runs).JSON(); err != nil {
		t.Fatal(err)
	}
	if rec.Combined, err = exe.BuildReport([]*RunStats{CombineRuns(runs)}).JSON(); err != nil {
		t.Fatal(err)
	}
	out, err := json.MarshalIndent(&rec, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return append(out, '\n')
}

type countingWriter struct {
	w     interface{ Write([]byte) (int, error) }
	lines int
}

func (c *countingWriter) Write(p []byte) (int, error) {
	c.lines += bytes.Count(p, []byte{'\n'})
	return c.w.Write(p)
}

// TestGoldenReports compares every case against testdata/golden/NAME.json.
func TestGoldenReports(t *testing.T) {
	for _, c := range goldenCases(t) {
		t.Run(c.name, func(t *testing.T) {
			golden.CheckFile(t, filepath.Join("testdata", "golden", c.name+".json"), runGolden(t, c))
		})
	}
}
