package sim

import (
	"fmt"
	"math"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/pimc-dev/pimc/ir/tensor"
	"github.com/pimc-dev/pimc/isa"
	"github.com/pimc-dev/pimc/target"
)

// ones is a weight row of 256 ones.
const ones = "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"

// senseLoop senses two all-ones rows `iters` times on each path that
// senses: a static bmac (sub-array 0, lane 0), and + popc + shadd
// (sub-array 1, lane 1), a gbmac over sub-arrays 2 and 3 (lanes 2, 3); and
// writes an all-ones patch with wrp (sub-array 4, lane 4) and gwrp
// (sub-arrays 5 and 6, lanes 5, 6) before every bmac of it against an
// all-ones weight row. Ideal: every lane is 256 x iters.
func senseLoop(iters int) string {
	var b strings.Builder
	for s := range 7 {
		fmt.Fprintf(&b, ".weights sa=%d row=4 src=-1 hex=%s\n", s, ones)
		fmt.Fprintf(&b, ".weights sa=%d row=5 src=-1 hex=%s\n", s, ones)
	}
	fmt.Fprintf(&b, `
    li r1, 1
    li r2, 256
    bfill r0, r2, r1         # ABUF[0:256] = 1
    pzero p0
    pld p0, 0, [r0+0], 256
    li r3, 2
    li r5, 5
    li r6, %d
loop:
    bmac [r0+0], 4, [r0+5], a0, 0, pos
    and [r0+1], 4, [r0+5]
    popc [r0+1]
    shadd [r0+1], a0, 0, pos
    gbmac [r3], 2, 4, [r0+5], a0, 0, pos
    wrp [r0+4], [r0+6], p0, 0
    bmac [r0+4], 6, [r0+5], a0, 0, pos
    gwrp [r5], 2, [r0+6], p0, 0
    gbmac [r5], 2, 6, [r0+5], a0, 0, pos
    dbnz r6, loop
    setvl [r0+7]
    vbcast v0, r0
`, iters)
	for s := range 7 {
		fmt.Fprintf(&b, "    vacc v0, [r0+%d], [r0+%d], a0, 1\n", s, s)
	}
	b.WriteString("    vst v0, [r0+1000], 1\n    halt\n")
	return b.String()
}

// runLanes runs src on machine m (on its chip) and returns ABUF[1000:1007].
func runLanes(t *testing.T, m *Machine) []int32 {
	t.Helper()
	m.Reset()
	if _, err := m.Run(); err != nil {
		t.Fatal(err)
	}
	return append([]int32(nil), m.abuf[1000:1007]...)
}

func chipFor(t *testing.T, e *Executable, spec string, seed uint64) *Chip {
	t.Helper()
	sp, err := ParseFaults(spec)
	if err != nil {
		t.Fatal(err)
	}
	c, err := e.NewChip(sp, seed)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestFaultRates checks each error kind against its rate: on all-ones rows
// every error removes one from the bit count, so each lane's deficit is a
// binomial count with a known mean; it must lie within 6 standard
// deviations of it (fixed seeds: deterministic; any seed fails with
// probability < 1e-8), and so grow with the rate, decade by decade.
func TestFaultRates(t *testing.T) {
	const iters = 200
	e, err := Prepare(asm(t, senseLoop(iters)), target.Default())
	if err != nil {
		t.Fatal(err)
	}
	ideal := runLanes(t, e.NewMachine())
	for _, v := range ideal {
		if v != 256*iters {
			t.Fatalf("ideal lanes %v, want %d each", ideal, 256*iters)
		}
	}
	n := float64(256 * iters)
	within := func(what string, deficit int32, cells, p float64) {
		mean, sd := cells*p, math.Sqrt(cells*p*(1-p))
		if math.Abs(float64(deficit)-mean) > 6*sd+1 {
			t.Errorf("%s: deficit %d, want %.1f ± %.1f (6 sd)", what, deficit, mean, 6*sd)
		}
	}
	for _, p := range []float64{1e-3, 1e-2, 1e-1} {
		// sense=P: both-ones columns misread with probability P on every
		// sensing path; nothing is written wrong.
		m := e.NewMachine()
		if err := m.SetChip(chipFor(t, e, fmt.Sprintf("sense=%g", p), 7)); err != nil {
			t.Fatal(err)
		}
		got := runLanes(t, m)
		for lane := range got {
			within(fmt.Sprintf("sense=%g lane %d", p, lane), ideal[lane]-got[lane], n, p)
		}
		// write=P: the all-ones weight rows are programmed once per chip
		// (so are wrong in about 256 p columns for good), and every
		// wrp/gwrp writes 256 bits of which P are wrong.
		m = e.NewMachine()
		if err := m.SetChip(chipFor(t, e, fmt.Sprintf("write=%g,cells=inputs", p), 7)); err != nil {
			t.Fatal(err)
		}
		got = runLanes(t, m)
		for lane := range got {
			if lane < 4 {
				if got[lane] != ideal[lane] {
					t.Errorf("write=%g,cells=inputs: lane %d (no written row) = %d, want the ideal %d", p, lane, got[lane], ideal[lane])
				}
				continue
			}
			within(fmt.Sprintf("write=%g lane %d", p, lane), ideal[lane]-got[lane], n, p)
		}
	}
}

// TestStuckCells counts a chip's stuck cells: Binomial(cells, p), half of
// them at 1; only the cells=weights restriction leaves written rows alone.
func TestStuckCells(t *testing.T) {
	e, err := Prepare(asm(t, senseLoop(1)), target.Default())
	if err != nil {
		t.Fatal(err)
	}
	const p = 0.01
	c := chipFor(t, e, fmt.Sprintf("stuck=%g", p), 3)
	stuck, high := 0, 0
	const sas = 64
	for s := range sas {
		cs := c.subarray(s)
		for i, w := range cs.stuckMask {
			stuck += popcount(w)
			high += popcount(cs.stuckVal[i])
			if cs.stuckVal[i]&^w != 0 {
				t.Fatalf("sub-array %d: a stuck value outside the stuck mask", s)
			}
		}
	}
	cells := float64(sas * 256 * 256)
	if mean, sd := cells*p, math.Sqrt(cells*p*(1-p)); math.Abs(float64(stuck)-mean) > 6*sd {
		t.Errorf("%d stuck cells in %g, want %.0f ± %.0f", stuck, cells, mean, 6*sd)
	}
	if half, sd := float64(stuck)/2, math.Sqrt(float64(stuck))/2; math.Abs(float64(high)-half) > 6*sd {
		t.Errorf("%d of %d stuck at 1, want about half", high, stuck)
	}
	// The same seed is the same chip; another seed another one.
	if !reflect.DeepEqual(chipFor(t, e, "stuck=0.01", 3).subarray(5).stuckMask, c.subarray(5).stuckMask) {
		t.Error("seed 3 made two different chips")
	}
	if reflect.DeepEqual(chipFor(t, e, "stuck=0.01", 4).subarray(5).stuckMask, c.subarray(5).stuckMask) {
		t.Error("seeds 3 and 4 made the same chip")
	}
}

func popcount(x uint64) int {
	n := 0
	for ; x != 0; x &= x - 1 {
		n++
	}
	return n
}

// TestFaultsZeroRate: a spec whose rates are 0 runs the ideal device, and a
// zero rate next to a non-zero one changes nothing of the other's errors
// (each kind draws from its own streams).
func TestFaultsZeroRate(t *testing.T) {
	e, err := Prepare(asm(t, senseLoop(50)), target.Default())
	if err != nil {
		t.Fatal(err)
	}
	run := func(spec string) ([]int32, *RunStats) {
		m := e.NewMachine()
		if spec != "" {
			if err := m.SetChip(chipFor(t, e, spec, 11)); err != nil {
				t.Fatal(err)
			}
		}
		m.Reset()
		st, err := m.Run()
		if err != nil {
			t.Fatal(err)
		}
		return append([]int32(nil), m.abuf[1000:1007]...), st
	}
	ideal, ist := run("")
	for _, spec := range []string{"write=0", "write=0,sense=0,stuck=0"} {
		got, st := run(spec)
		if !reflect.DeepEqual(got, ideal) || !reflect.DeepEqual(st, ist) {
			t.Errorf("%s: lanes %v, want the ideal %v (and the same statistics)", spec, got, ideal)
		}
	}
	sense, sst := run("sense=0.01")
	if reflect.DeepEqual(sense, ideal) {
		t.Fatal("sense=0.01 changed nothing")
	}
	if got, st := run("sense=0.01,write=0,stuck=0"); !reflect.DeepEqual(got, sense) || !reflect.DeepEqual(st, sst) {
		t.Errorf("sense=0.01 with zero write and stuck rates: %v, want sense=0.01's %v", got, sense)
	}
	// Timing and energy do not depend on faults.
	if sst.LatencyPS != ist.LatencyPS || !reflect.DeepEqual(sst.Dyn, ist.Dyn) {
		t.Errorf("sense errors changed the timing or the operation counts")
	}
}

// TestFaultsDeterministic runs a compiled program (mnist-cntk) on a chip
// with every kind of fault: the same results for any number of goroutines,
// different from the ideal device's and from another seed's.
func TestFaultsDeterministic(t *testing.T) {
	prog, err := isa.DecodeBinary(readHexDump(t, filepath.Join("testdata", "mnist-cntk.pimb.hex")))
	if err != nil {
		t.Fatal(err)
	}
	tgt, err := target.Preset("sot-mram-45nm-serial")
	if err != nil {
		t.Fatal(err)
	}
	e, err := Prepare(prog, tgt)
	if err != nil {
		t.Fatal(err)
	}
	// Six copies of one digit, its raw input codes.
	in := prog.Ports[0]
	x := readNpyF32(t, filepath.Join("..", "testdata", "models", "mnist-cntk", "digit4.npy"))
	q := make([]int64, len(x))
	lo, hi := in.Type.Range()
	for i, v := range x {
		q[i] = min(max(int64(math.RoundToEven(float64(v)/in.Scale))+int64(in.ZeroPoint), lo), hi)
	}
	var batch [][]*tensor.Tensor
	for range 6 {
		batch = append(batch, []*tensor.Tensor{tensor.FromI64(tensor.Int64, q, 1, 1, 28, 28)})
	}
	outs := func(chip *Chip, par int) [][]int64 {
		res, _, err := e.RunBatch(batch, BatchOptions{Parallel: par, Chip: chip})
		if err != nil {
			t.Fatal(err)
		}
		var o [][]int64
		for _, r := range res {
			o = append(o, append([]int64(nil), r.Raw[0].I64...))
		}
		return o
	}
	const spec = "write=1e-3,sense=1e-3,stuck=1e-3"
	ideal := outs(nil, 1)
	seq := outs(chipFor(t, e, spec, 5), 1)
	for _, par := range []int{2, 3, -1} {
		if got := outs(chipFor(t, e, spec, 5), par); !reflect.DeepEqual(got, seq) {
			t.Errorf("-j %d: results differ from the sequential run on the same chip", par)
		}
	}
	if reflect.DeepEqual(seq, ideal) {
		t.Error("the faulty chip computed exactly the ideal results")
	}
	// The same input as image 0 and image 1 meets different errors (the
	// key is the image index), and seed 6 is another chip.
	if reflect.DeepEqual(seq[0], seq[1]) {
		t.Error("images 0 and 1 (the same input) met the same errors")
	}
	if reflect.DeepEqual(outs(chipFor(t, e, spec, 6), 2), seq) {
		t.Error("seeds 5 and 6 gave the same results")
	}
}

// TestParseFaults: the spec syntax and its errors, each naming the key and
// what it expects.
func TestParseFaults(t *testing.T) {
	f, err := ParseFaults("write=1e-4, sense=1e-5,stuck=1e-6,cells=weights,shift=2-5")
	if err != nil {
		t.Fatal(err)
	}
	if f.Write != 1e-4 || f.Stuck != 1e-6 || f.And != (target.SenseRates{0, 1e-5, 1e-5}) || f.Or != (target.SenseRates{1e-5, 1e-5, 0}) ||
		f.Cells != CellsWeights || f.ShiftLo != 2 || f.ShiftHi != 5 {
		t.Errorf("parsed %+v", f)
	}
	for _, c := range []struct{ spec, want string }{
		{"", "empty spec; want comma-separated key=value"},
		{"write", `"write": want key=value`},
		{"write=x", "write=x: want a probability in [0, 0.5]"},
		{"write=0.7", "write=0.7: want a probability in [0, 0.5]"},
		{"stuck=-1", "stuck=-1: want a probability in [0, 1]"},
		{"sense=NaN", "sense=NaN: want a probability"},
		{"sigma=0", "sigma=0: want the relative resistance spread, a number in (0, 1]"},
		{"sense=1e-3,sigma=0.1", "sigma=0.1 with sense=1e-3"},
		{"cells=all", "cells=all: want weights or inputs"},
		{"shift=5-2", "shift=5-2: want LO-HI"},
		{"write=1e-3,write=1e-4", "write given twice"},
		{"wrte=1e-3", `unknown key "wrte"; want comma-separated`},
	} {
		if _, err := ParseFaults(c.spec); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("ParseFaults(%q) = %v, want an error containing %q", c.spec, err, c.want)
		}
	}
	// sense=target needs the target's sense_margin section.
	e, err := Prepare(asm(t, "    halt\n"), target.Default())
	if err != nil {
		t.Fatal(err)
	}
	c := chipFor(t, e, "sigma=0.1", 1)
	want, _ := target.Default().SenseMargin.Rates(0.1)
	if c.Spec.And != want {
		t.Errorf("sigma=0.1: AND rates %v, want the model's %v", c.Spec.And, want)
	}
	noSM := *target.Default()
	noSM.SenseMargin = nil
	e2, err := Prepare(asm(t, "    halt\n"), &noSM)
	if err != nil {
		t.Fatal(err)
	}
	sp, _ := ParseFaults("sense=target")
	if _, err := e2.NewChip(sp, 1); err == nil || !strings.Contains(err.Error(), "has no sense_margin section") {
		t.Errorf("sense=target on a target without the model: %v", err)
	}
}

// TestBinomSampler checks the sampler's distribution function: mean and
// variance of many draws, and the extremes.
func TestBinomSampler(t *testing.T) {
	r := stream(1, 99, 0, 0)
	for _, c := range []struct {
		n int
		p float64
	}{{256, 1e-3}, {256, 0.1}, {40, 0.5}, {2048, 0.3}} {
		b := newBinom(c.n, c.p)
		const draws = 20000
		sum, sq := 0.0, 0.0
		for range draws {
			k := float64(b.draw(&r, c.n))
			sum += k
			sq += k * k
		}
		mean, v := sum/draws, sq/draws-(sum/draws)*(sum/draws)
		wm, wv := float64(c.n)*c.p, float64(c.n)*c.p*(1-c.p)
		if math.Abs(mean-wm) > 6*math.Sqrt(wv/draws) || math.Abs(v-wv) > 0.1*wv {
			t.Errorf("Binomial(%d, %g): mean %.4f var %.4f, want %.4f and %.4f", c.n, c.p, mean, v, wm, wv)
		}
	}
	if k := newBinom(10, 1).draw(&r, 10); k != 10 {
		t.Errorf("p = 1 drew %d of 10", k)
	}
	if b := newBinom(256, 1e-30); len(b.cdf[256]) != 0 {
		t.Errorf("p = 1e-30: a table of %d entries, want none (never an error)", len(b.cdf[256]))
	}
}
