package sim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pimc-dev/pimc/ir/tensor"
	"github.com/pimc-dev/pimc/isa"
	"github.com/pimc-dev/pimc/target"
)

// timelineMean is the mean of a class's bins, nil when the class is absent.
func timelineClass(tl *Timeline, name string) *TimelineClass {
	for i := range tl.Classes {
		if tl.Classes[i].Name == name {
			return &tl.Classes[i]
		}
	}
	return nil
}

func mean(v []float64) float64 {
	s := 0.0
	for _, x := range v {
		s += x
	}
	return s / float64(len(v))
}

// TestTimelineMatchesTotals runs the compiled MNIST CNN on three digits
// with and without the timeline: without it the report has none and is
// otherwise the same; with it, the mean over the bins of each class is
// the report's busy fraction of that class (sub-arrays, issue slots, DPU,
// buffer port), and a batch split over two machines gives the same
// timeline.
func TestTimelineMatchesTotals(t *testing.T) {
	prog, err := isa.DecodeBinary(readHexDump(t, filepath.Join("testdata", "mnist-cntk.pimb.hex")))
	if err != nil {
		t.Fatal(err)
	}
	var batch [][]*tensor.Tensor
	for _, d := range []string{"digit0", "digit4", "digit5"} {
		x := readNpyF32(t, filepath.Join("..", "testdata", "models", "mnist-cntk", d+".npy"))
		batch = append(batch, []*tensor.Tensor{tensor.FromF32(x, 1, 1, 28, 28)})
	}
	run := func(on bool, par int) *Report {
		tgt, err := target.Preset("sot-mram-45nm-serial") // what it was compiled for (golden_test.go)
		if err != nil {
			t.Fatal(err)
		}
		e, err := Prepare(prog, tgt)
		if err != nil {
			t.Fatal(err)
		}
		e.RecordTimeline(on)
		_, rep, err := e.RunBatch(batch, BatchOptions{Parallel: par})
		if err != nil {
			t.Fatal(err)
		}
		return rep
	}
	off, on, on2 := run(false, 1), run(true, 1), run(true, 2)
	if off.Timeline != nil {
		t.Fatal("a timeline without RecordTimeline")
	}
	tl := on.Timeline
	if tl == nil || tl.Bins != TimelineBins || !near(tl.BinNS*TimelineBins, on.PerInference.LatencyNS) {
		t.Fatalf("timeline %+v, latency %g ns", tl, on.PerInference.LatencyNS)
	}
	js := func(r *Report) string {
		c := *r
		c.Timeline = nil
		b, _ := json.Marshal(&c)
		return string(b)
	}
	if js(on) != js(off) {
		t.Error("recording the timeline changed the rest of the report")
	}
	a, _ := json.Marshal(on.Timeline)
	b, _ := json.Marshal(on2.Timeline)
	if !bytes.Equal(a, b) {
		t.Errorf("the timeline depends on the split of the batch:\n%s\n%s", a, b)
	}
	sa := timelineClass(tl, "sub-arrays")
	if sa == nil || sa.Units != on.SubarraysUsed || !near(mean(sa.Busy), on.SubarrayBusyFrac) {
		t.Errorf("sub-arrays: %+v, report: %d used, busy %g", sa, on.SubarraysUsed, on.SubarrayBusyFrac)
	}
	for _, u := range on.Resources {
		name := map[string]string{"issue": "controller issue", "DPU": "DPU", "buffer port": "buffer port"}[u.Kind]
		c := timelineClass(tl, name)
		if c == nil || c.Units != 1 || !near(mean(c.Busy), u.Utilisation) {
			t.Errorf("%s: timeline %+v, report %g", u.Resource, c, u.Utilisation)
		}
	}
	for _, c := range tl.Classes {
		for k, v := range c.Busy {
			if v < 0 || v > 1+1e-9 || math.IsNaN(v) {
				t.Errorf("%s bin %d: busy %g", c.Name, k, v)
			}
		}
	}
}

// TestTimelinePlacesWork: a program whose controller runs alone for the
// first part of the run (a counted loop of scalar instructions) and then
// writes rows of one sub-array shows the sub-array idle in the early bins
// and busy in the late ones, and the controller busy early and then for
// one cycle per write.
func TestTimelinePlacesWork(t *testing.T) {
	src := `    li r1, 2000
loop:
    addi r1, r1, -1
    bne r1, r0, loop
    pzero p0
` + strings.Repeat("    wrp [r0+0], [r0+0], p0, 0\n", 200) + `    halt
`
	e, err := Prepare(asm(t, src), target.Default())
	if err != nil {
		t.Fatal(err)
	}
	e.RecordTimeline(true)
	m := e.NewMachine()
	st, err := m.Run()
	if err != nil {
		t.Fatal(err)
	}
	tl := m.Report(st).Timeline
	sa, issue := timelineClass(tl, "sub-arrays"), timelineClass(tl, "controller issue")
	if sa == nil || issue == nil {
		t.Fatalf("classes %+v", tl.Classes)
	}
	// The loop takes 4000 instructions at one per cycle; the writes
	// 200 x row_write.
	tgt := target.Default()
	loopNS := 4000 / tgt.ClockGHz()
	writeNS := 200 * tgt.Ops.RowWrite.Latency.Value
	split := int(loopNS / (loopNS + writeNS) * TimelineBins)
	if split < 4 || split > TimelineBins-4 {
		t.Fatalf("loop %g ns, writes %g ns: no clear split", loopNS, writeNS)
	}
	for k := range TimelineBins {
		switch {
		case k < split-1:
			if sa.Busy[k] != 0 || issue.Busy[k] < 0.9 {
				t.Errorf("bin %d (loop): sub-arrays %g, issue %g", k, sa.Busy[k], issue.Busy[k])
			}
		case k > split+1:
			// one issue slot per row write
			if want := 1 / tgt.ClockGHz() / tgt.Ops.RowWrite.Latency.Value; sa.Busy[k] < 0.9 || math.Abs(issue.Busy[k]-want) > 0.05*want {
				t.Errorf("bin %d (writes): sub-arrays %g, issue %g", k, sa.Busy[k], issue.Busy[k])
			}
		}
	}
}

// TestTimelineStreams: on the program with several streams
// (testdata/isa/parallel.pasm) the timeline's mean over the bins is still
// each class's busy fraction over the run: the sub-arrays', and the
// controllers' issue slots, DPUs and buffer ports' (the mean of the units
// that worked).
func TestTimelineStreams(t *testing.T) {
	prog, ins, _ := isaProgram(t, "parallel.pasm")
	if len(prog.Streams) < 2 {
		t.Fatalf("parallel.pasm has %d streams", len(prog.Streams))
	}
	e, err := Prepare(prog, target.Default())
	if err != nil {
		t.Fatal(err)
	}
	e.RecordTimeline(true)
	m := e.NewMachine()
	for n, v := range ins {
		if err := m.WriteInputRaw(n, v); err != nil {
			t.Fatal(err)
		}
	}
	st, err := m.Run()
	if err != nil {
		t.Fatal(err)
	}
	rep := m.Report(st)
	tl := rep.Timeline
	if sa := timelineClass(tl, "sub-arrays"); sa == nil || !near(mean(sa.Busy), rep.SubarrayBusyFrac) {
		t.Errorf("sub-arrays: %+v, report %g", sa, rep.SubarrayBusyFrac)
	}
	sum, n := map[string]float64{}, map[string]int{}
	for _, u := range rep.Resources {
		sum[u.Kind] += u.Utilisation
		n[u.Kind]++
	}
	for kind, name := range map[string]string{"issue": "controller issue", "DPU": "DPU", "buffer port": "buffer port"} {
		c := timelineClass(tl, name)
		if n[kind] == 0 {
			if c != nil {
				t.Errorf("%s: a timeline for a class that did no work", name)
			}
			continue
		}
		if c == nil || !near(mean(c.Busy)*float64(c.Units), sum[kind]) {
			t.Errorf("%s: timeline %+v; report: %d units, busy %g in all", name, c, n[kind], sum[kind])
		}
	}
}

// TestTimelineInterleavedRuns: with the timeline recorded, the interleaved
// gbmac runs (gbmacmulti.go) give the outputs, statistics and report of
// the single-group path, and a timeline whose classes hold the same work
// (the bins' means, i.e. the busy fractions); only where a bin's edge
// falls inside a run may the work be placed differently, because a
// sample is taken at the first stop after its time and a run is one
// stretch. The interleaved runs do run.
func TestTimelineInterleavedRuns(t *testing.T) {
	defer func(m bool) { multiRuns = m }(multiRuns)
	tgt := target.Default()
	r := rand.New(rand.NewPCG(7, 8))
	var cases []lockstepCase
	for i := range 30 {
		cases = append(cases, lockstepCase{fmt.Sprintf("product-%d", i), dotRunProgram(r, tgt), tgt})
	}
	cases = append(cases, lockstepCases(t)...)
	multi := 0
	for _, c := range cases {
		exe, err := Prepare(c.prog, c.tgt)
		if err != nil {
			continue
		}
		exe.RecordTimeline(true)
		inputs := map[string][]int64{}
		for _, p := range exe.Ports(isa.PortIn) {
			inputs[p.Name] = randRaw(uint64(len(c.name)), *p)
		}
		var out [2]string
		var tl [2]*Timeline
		for k := range out {
			multiRuns = k == 1
			m := exe.NewMachine()
			for n, v := range inputs {
				if err := m.WriteInputRaw(n, v); err != nil {
					t.Fatal(err)
				}
			}
			st, err := m.Run()
			if err != nil {
				out[k] = runOutcome(m, st, err)
				continue
			}
			rep := m.Report(st)
			tl[k], rep.Timeline, st.Timeline = rep.Timeline, nil, nil
			out[k] = runOutcome(m, st, err) + fmt.Sprintf("\n%+v", rep)
			for _, d := range m.gbMulti {
				if k == 1 && d != nil && d.ok && d.ng >= 2 {
					multi++
				}
			}
		}
		if out[1] != out[0] {
			t.Fatalf("%s: with the timeline, interleaved runs give\n%s\nthe single-group path\n%s", c.name, out[1], out[0])
		}
		if tl[0] == nil {
			continue
		}
		if tl[1] == nil || len(tl[1].Classes) != len(tl[0].Classes) {
			t.Fatalf("%s: timelines %+v and %+v", c.name, tl[1], tl[0])
		}
		for i, a := range tl[1].Classes {
			b := tl[0].Classes[i]
			if a.Name != b.Name || a.Units != b.Units || math.Abs(mean(a.Busy)-mean(b.Busy)) > 1e-9 {
				t.Errorf("%s: class %s (%d units) busy %g, single-group path %s (%d) %g", c.name, a.Name, a.Units, mean(a.Busy), b.Name, b.Units, mean(b.Busy))
			}
		}
	}
	if multi < 10 {
		t.Fatalf("only %d interleaved runs were decoded", multi)
	}
}
