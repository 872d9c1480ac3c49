package sim

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/pimc-dev/pimc/target"
)

// slowWrites is the default target with 10 ns row writes, so that a few
// wrps on one sub-array outweigh the controller's issue slots.
func slowWrites() *target.Target {
	t := target.Default()
	t.Ops.RowWrite.Latency.Value = 10
	return t
}

// boundReport runs src on tgt and returns its report.
func boundReport(t *testing.T, tgt *target.Target, src string) *Report {
	t.Helper()
	m, err := Load(asm(t, src), tgt)
	if err != nil {
		t.Fatal(err)
	}
	st, err := m.Run()
	if err != nil {
		t.Fatal(err)
	}
	return m.Report(st)
}

// twoLayers is a program of two layers on sub-arrays 0 (a) and 1 (b). a
// writes four rows (4 x 10 ns) and senses one (1.2 ns), then drains its
// accumulator through the DPU and stores it at ABUF word 100; b loads its
// patch from word `from` and writes four rows of sub-array 1 (4 x 10 ns).
// With from = 100 b reads what a wrote: the layers are a chain; with 200
// they are independent.
func twoLayers(from int) string {
	return fmt.Sprintf(`.source 0 layer="a" node="a" value="a"
.source 1 layer="b" node="b" value="b"
    pzero p0                           # @0
    pld p0, 0, [r0+0], 8               # @0
    wrp [r0+0], [r0+0], p0, 0          # @0
    wrp [r0+0], [r0+1], p0, 1          # @0
    wrp [r0+0], [r0+2], p0, 2          # @0
    wrp [r0+0], [r0+3], p0, 3          # @0
    and [r0+0], 0, [r0+1]              # @0
    popc [r0+0]                        # @0
    shadd [r0+0], a0, 0, pos           # @0
    setvl [r0+1]                       # @0
    vbcast v0, r0                      # @0
    vacc v0, [r0+0], [r0+0], a0, 1     # @0
    vst v0, [r0+100], 1                # @0
    pzero p1                           # @1
    pld p1, 0, [r0+%d], 8              # @1
    wrp [r0+1], [r0+0], p1, 0          # @1
    wrp [r0+1], [r0+1], p1, 1          # @1
    wrp [r0+1], [r0+2], p1, 2          # @1
    wrp [r0+1], [r0+3], p1, 3          # @1
    halt
`, from)
}

func source(t *testing.T, r *Report, layer string) SourceReport {
	t.Helper()
	for _, s := range r.Sources {
		if s.Layer == layer {
			return s
		}
	}
	t.Fatalf("no source %q", layer)
	return SourceReport{}
}

// TestBoundIndependentLayers: layers that do not read each other's output
// may overlap, so the device bound is the larger layer's cost (a: 41.2 ns on
// sub-array 0's array), not the sum; when b reads a's output it is the sum,
// 81.2 ns, and the serial run cannot be faster than that.
func TestBoundIndependentLayers(t *testing.T) {
	for _, c := range []struct {
		from       int
		want       float64
		bCritical  bool
		latencyMin float64
	}{
		{200, 41.2, false, 0},
		{100, 81.2, true, 81.2},
	} {
		t.Run(fmt.Sprint("from", c.from), func(t *testing.T) {
			r := boundReport(t, slowWrites(), twoLayers(c.from))
			p := r.PerInference
			checkNear(t, "device bound", p.DeviceBoundNS, c.want)
			a, b := source(t, r, "a"), source(t, r, "b")
			checkNear(t, "a bound", a.BoundNS, 41.2)
			checkNear(t, "b bound", b.BoundNS, 40)
			if a.Busiest != "sub-array 0 array" || b.Busiest != "sub-array 1 array" {
				t.Errorf("busiest: a %q, b %q", a.Busiest, b.Busiest)
			}
			if !a.Critical || b.Critical != c.bCritical {
				t.Errorf("critical: a %v, b %v; want true, %v", a.Critical, b.Critical, c.bCritical)
			}
			// The pipeline bound is the busiest resource's total: sub-array 0.
			checkNear(t, "pipeline bound", p.PipelineBoundNS, 41.2)
			if r.PipelineBusiest != "sub-array 0 array" {
				t.Errorf("pipeline busiest %q", r.PipelineBusiest)
			}
			if p.LatencyNS < c.latencyMin || p.LatencyNS < p.DeviceBoundNS && c.latencyMin > 0 {
				t.Errorf("latency %.1f ns below the bound %.1f", p.LatencyNS, p.DeviceBoundNS)
			}
		})
	}
}

// TestBoundControllerBusiest: a layer of bmacs spread over four sub-arrays
// needs 1.2 ns of each one's array per four issue cycles: the controller's
// issue slots are its busiest resource, and on the serial machine the
// device bound is then (almost) the latency: every instruction's issue slot.
func TestBoundControllerBusiest(t *testing.T) {
	var b strings.Builder
	b.WriteString(".source 0 layer=\"fc\" node=\"fc\" value=\"y\"\n")
	for s := range 4 {
		fmt.Fprintf(&b, ".weights sa=%d row=0 src=0 hex=%s\n", s, strings.Repeat("ff", 32))
	}
	for i := range 100 {
		fmt.Fprintf(&b, "    bmac [r0+%d], 0, [r0+0], a0, 0, pos   # @0\n", i%4)
	}
	b.WriteString("    halt                                  # @0\n")
	r := boundReport(t, target.Default(), b.String())
	p := r.PerInference
	s := source(t, r, "fc")
	if s.Busiest != "controller 0 issue" {
		t.Errorf("busiest %q, want controller 0 issue", s.Busiest)
	}
	checkNear(t, "fc bound", s.BoundNS, 101) // 101 instructions x 1 ns
	checkNear(t, "device bound", p.DeviceBoundNS, 101)
	// The latency adds only the drain of the last bmac and halt's wait.
	if p.LatencyNS < p.DeviceBoundNS || p.LatencyNS > 1.05*p.DeviceBoundNS {
		t.Errorf("latency %.1f ns, device bound %.1f ns: want the bound within 5%%", p.LatencyNS, p.DeviceBoundNS)
	}
	if len(r.Resources) == 0 || r.Resources[0].Resource != "controller 0 issue" || !near(r.Resources[0].Utilisation, 101/p.LatencyNS) {
		t.Errorf("resources %+v", r.Resources)
	}
}

// TestBusyHalfTheTime: one sub-array writes two rows (2 x 10 ns), then the
// controller spends the rest of 40 ns on scalar work: busy 20 of 40 ns.
func TestBusyHalfTheTime(t *testing.T) {
	var b strings.Builder
	b.WriteString(`    pzero p0
    wrp [r0+0], [r0+0], p0, 0
    wrp [r0+0], [r0+1], p0, 0
`)
	// pzero dispatches at 1, the writes at 2..12 and 12..22 (the second
	// waits for the array, the next instruction issues at 11); 28 addis
	// issue at 11..38, halt dispatches at 40.
	for range 28 {
		b.WriteString("    addi r1, r1, 1\n")
	}
	b.WriteString("    halt\n")
	r := boundReport(t, slowWrites(), b.String())
	lat := r.PerInference.LatencyNS
	checkNear(t, "busy fraction", r.SubarrayBusyFrac, 20/lat)
	if lat != 40 {
		t.Errorf("latency %.1f ns, want 40 (the test's arithmetic assumes it)", lat)
	}
}

// TestBusyUnionNotSum: back-to-back bmacs on one sub-array overlap the
// count and shift-add of one with the sense of the next; the sub-array is
// busy from the first sense to the last shift-add (the union), not for the
// sum of the three units' times.
func TestBusyUnionNotSum(t *testing.T) {
	var b strings.Builder
	fmt.Fprintf(&b, ".weights sa=0 row=0 src=-1 hex=%s\n", strings.Repeat("ff", 32))
	for range 10 {
		b.WriteString("    bmac [r0+0], 0, [r0+0], a0, 0, pos\n")
	}
	b.WriteString("    halt\n")
	m, err := Load(asm(t, b.String()), target.Default())
	if err != nil {
		t.Fatal(err)
	}
	st, err := m.Run()
	if err != nil {
		t.Fatal(err)
	}
	// Senses at 1 + 1.2k ns (k < 10): the last ends at 13.0, its count at
	// 13.5 and its shift-add at 13.8: busy 12.8 ns. The sum of the unit
	// times would be 10 x (1.2 + 0.5 + 0.3) = 20 ns.
	if len(st.Busy) != 1 || st.Busy[0].PS != 12800 {
		t.Fatalf("busy %+v, want sub-array 0 busy 12800 ps", st.Busy)
	}
	r := m.Report(st)
	checkNear(t, "busy fraction", r.SubarrayBusyFrac, 12.8/r.PerInference.LatencyNS)
}

// TestBoundReportText: the text report has the device and pipeline bound
// lines right after the latency line, aligned with it, and the utilisation
// of the shared resources after the sub-arrays line.
func TestBoundReportText(t *testing.T) {
	r := boundReport(t, slowWrites(), twoLayers(100))
	var buf bytes.Buffer
	if err := r.WriteTable(&buf); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(buf.String(), "\n")
	at := -1
	for i, l := range lines {
		if strings.HasPrefix(l, "  latency ") {
			at = i
		}
	}
	if at < 0 || at+2 >= len(lines) {
		t.Fatalf("no latency line:\n%s", buf.String())
	}
	dev, pipe := lines[at+1], lines[at+2]
	if !strings.HasPrefix(dev, "  device bound ") || !strings.Contains(dev, "81.2 ns") {
		t.Errorf("line after latency: %q", dev)
	}
	if col := strings.Index(lines[at], "9"); col < 0 || strings.Index(dev, "81.2") != strings.Index(lines[at], strings.TrimLeft(lines[at][len("  latency"):], " ")) {
		t.Errorf("device bound not aligned with latency:\n%s\n%s", lines[at], dev)
	}
	if !strings.HasPrefix(pipe, "  pipeline bound ") || !strings.Contains(pipe, "FPS") {
		t.Errorf("pipeline line: %q", pipe)
	}
	for _, want := range []string{"  controllers ", "  DPUs ", "  buffer ports ", "busiest resource", "sub-array 0 array"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, buf.String())
		}
	}
}

// TestBoundRegisterAddressedSameAsImmediate: the charges of register-
// addressed sub-array instructions (made at run time) equal those of the
// same instructions with immediate sub-arrays (made at report time from the
// profile).
func TestBoundRegisterAddressedSameAsImmediate(t *testing.T) {
	imm := twoLayers(100)
	reg := strings.NewReplacer("[r0+0], [r0+", "[r1+0], [r0+", "[r0+1], [r0+", "[r1+1], [r0+", "[r0+0], 0,", "[r1+0], 0,",
		"popc [r0+0]", "popc [r1+0]", "shadd [r0+0]", "shadd [r1+0]", "[r0+0], [r0+0], a0", "[r0+0], [r1+0], a0").Replace(imm)
	if reg == imm {
		t.Fatal("replacer changed nothing")
	}
	a, b := boundReport(t, slowWrites(), imm), boundReport(t, slowWrites(), reg)
	for i := range a.Sources {
		sa, sb := a.Sources[i], b.Sources[i]
		if !near(sa.BoundNS, sb.BoundNS) || sa.Busiest != sb.Busiest || sa.Critical != sb.Critical {
			t.Errorf("%s: immediate %.1f ns %q %v, register %.1f ns %q %v", sa.Layer, sa.BoundNS, sa.Busiest, sa.Critical, sb.BoundNS, sb.Busiest, sb.Critical)
		}
	}
	checkNear(t, "device bound", b.PerInference.DeviceBoundNS, a.PerInference.DeviceBoundNS)
	checkNear(t, "busy fraction", b.SubarrayBusyFrac, a.SubarrayBusyFrac)
}

// TestBoundSharedSubarray: two layers that do not communicate through ABUF
// but both write rows of sub-array 0 are ordered through its state: the
// bound is the sum of their costs.
func TestBoundSharedSubarray(t *testing.T) {
	src := strings.Replace(twoLayers(200), "wrp [r0+1],", "wrp [r0+0],", -1)
	r := boundReport(t, slowWrites(), src)
	checkNear(t, "device bound", r.PerInference.DeviceBoundNS, 81.2)
	if s := source(t, r, "b"); !s.Critical || s.Busiest != "sub-array 0 array" {
		t.Errorf("b: critical %v, busiest %q", s.Critical, s.Busiest)
	}
}

// TestBoundCycleIsOneNode: layers that read each other's output (a, then
// b, then a again) form one node costing their busiest resource's joint
// work: a's 40 ns and b's 40 ns of sub-array 0's array.
func TestBoundCycleIsOneNode(t *testing.T) {
	r := boundReport(t, slowWrites(), `.source 0 layer="a" node="a" value="a"
.source 1 layer="b" node="b" value="b"
    pzero p0                         # @0
    wrp [r0+0], [r0+0], p0, 0        # @0
    wrp [r0+0], [r0+1], p0, 0        # @0
    st r0, [r0+10]                   # @0
    ld r1, [r0+10]                   # @1
    wrp [r0+1], [r0+0], p0, 0        # @1
    wrp [r0+1], [r0+1], p0, 0        # @1
    wrp [r0+1], [r0+2], p0, 0        # @1
    wrp [r0+1], [r0+3], p0, 0        # @1
    st r1, [r0+11]                   # @1
    ld r2, [r0+11]                   # @0
    wrp [r0+0], [r0+2], p0, 0        # @0
    wrp [r0+0], [r0+3], p0, 0        # @0
    halt
`)
	// a: 40 ns on sub-array 0, b: 40 ns on sub-array 1; together their
	// busiest resource still needs 40 ns, so the cycle costs 40, not 80.
	checkNear(t, "device bound", r.PerInference.DeviceBoundNS, 40)
	if a, b := source(t, r, "a"), source(t, r, "b"); !a.Critical || !b.Critical {
		t.Errorf("critical: a %v, b %v; want both (one node)", a.Critical, b.Critical)
	}
}

// TestBoundCombinedSegments: runs combined as the device segments of one
// inference (the host runs between them) are chained: a layer run in the
// first segment and an independent one in the second cost the sum, where
// in one run they would cost the larger.
func TestBoundCombinedSegments(t *testing.T) {
	// r1 selects the layer: 0 runs a, 1 runs b (the test sets it as a host
	// would select a segment's entry).
	prog := strings.Replace(strings.Replace(twoLayers(200), "    pzero p0 ", "    bne r1, r0, lb # @0\n    pzero p0 ", 1),
		"    pzero p1 ", "    halt # @0\nlb:\n    pzero p1 ", 1)
	m, err := Load(asm(t, prog), slowWrites())
	if err != nil {
		t.Fatal(err)
	}
	var runs []*RunStats
	for sel := range int32(2) {
		m.Reset()
		m.regs[1] = sel
		st, err := m.Run()
		if err != nil {
			t.Fatal(err)
		}
		runs = append(runs, st)
	}
	e := m.Executable()
	checkNear(t, "segment a", e.BuildReport(runs[:1]).PerInference.DeviceBoundNS, 41.2)
	checkNear(t, "segment b", e.BuildReport(runs[1:]).PerInference.DeviceBoundNS, 40)
	checkNear(t, "a then b", e.BuildReport([]*RunStats{CombineRuns(runs)}).PerInference.DeviceBoundNS, 81.2)
}

// TestBoundSharedController: two independent layers of scalar work share
// the one controller: the critical path is the longer layer (20 ns), but
// the device bound is the controller's total (41 ns with halt): the path
// alone is no lower bound when independent layers share a resource. The
// text report shows both.
func TestBoundSharedController(t *testing.T) {
	var b strings.Builder
	b.WriteString(".source 0 layer=\"a\" node=\"a\" value=\"a\"\n.source 1 layer=\"b\" node=\"b\" value=\"b\"\n")
	for i := range 40 {
		fmt.Fprintf(&b, "    addi r%d, r%d, 1   # @%d\n", 1+i/20, 1+i/20, i/20)
	}
	b.WriteString("    halt\n")
	r := boundReport(t, target.Default(), b.String())
	p := r.PerInference
	checkNear(t, "critical path", p.CriticalPathNS, 20)
	checkNear(t, "device bound", p.DeviceBoundNS, 41)
	checkNear(t, "pipeline bound", p.PipelineBoundNS, 41)
	var buf bytes.Buffer
	if err := r.WriteTable(&buf); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "; critical path 20 ns)") {
		t.Errorf("device bound line lacks the critical path:\n%s", buf.String())
	}
}

// TestBoundTwoStreams: the layers of twoLayers on two streams (controller 0
// drives sub-array 0 in bank 0, controller 1 sub-array 64 in bank 1): each
// controller's issue slots are charged to it, the independent layers
// overlap in the run as the bound says they may: the latency, 50 ns, is
// a's chain (pld, four writes, the sense, count, shift-add, vacc, vst: the
// fill and drain the bound leaves out) and well under the 81.2 ns of the
// two layers in a row.
func TestBoundTwoStreams(t *testing.T) {
	src := twoLayers(200)
	src = strings.Replace(src, "    pzero p0 ", ".stream 0 entry=sa\n.stream 1 entry=sb\nsa:\n    pzero p0 ", 1)
	src = strings.Replace(src, "    pzero p1 ", "    halt\nsb:\n    pzero p1 ", 1)
	src = strings.ReplaceAll(src, "wrp [r0+1],", "wrp [r0+64],")
	r := boundReport(t, slowWrites(), src)
	p := r.PerInference
	checkNear(t, "device bound", p.DeviceBoundNS, 41.2)
	if b := source(t, r, "b"); b.Busiest != "sub-array 64 array" || b.Critical {
		t.Errorf("b: busiest %q, critical %v", b.Busiest, b.Critical)
	}
	if p.LatencyNS > 50 {
		t.Errorf("latency %.1f ns: the streams did not overlap (bound %.1f ns)", p.LatencyNS, p.DeviceBoundNS)
	}
	issue := map[string]float64{}
	for _, u := range r.Resources {
		if u.Kind == "issue" {
			issue[u.Resource] = u.BusyNS
		}
	}
	// a: 13 instructions and the halt of stream 0; b: 6 and the final halt.
	if issue["controller 0 issue"] != 14 || issue["controller 1 issue"] != 7 {
		t.Errorf("issue slots %v, want controller 0 14 ns, controller 1 7 ns", issue)
	}
	// The stages: stream 0 runs a (41.2 ns on sub-array 0, the slowest),
	// stream 1 b (40 ns on sub-array 64); the halts are unattributed.
	if len(r.Stages) != 2 {
		t.Fatalf("stages %+v", r.Stages)
	}
	s0, s1 := r.Stages[0], r.Stages[1]
	if !slices.Contains(s0.Layers, "a") || s0.Busiest != "sub-array 0 array" || !s0.Slowest || !near(s0.BoundNS, 41.2) {
		t.Errorf("stage 0 %+v", s0)
	}
	if !slices.Equal(s1.Layers, []string{"b"}) || s1.Busiest != "sub-array 64 array" || s1.Slowest || !near(s1.BoundNS, 40) {
		t.Errorf("stage 1 %+v", s1)
	}
	var buf bytes.Buffer
	if err := r.WriteTable(&buf); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "  slowest stage ") || !strings.Contains(buf.String(), "controller 0 of 2: 41.2 ns") {
		t.Errorf("no slowest stage line:\n%s", buf.String())
	}
}

// TestBoundGlueCopiesPassData: bcopys attributed to no layer (the
// compiler's rings between pipeline stages) pass the data on: b depends on
// a directly, and the glue, which also copies the input a reads and the
// output of b, does not tie a and b into one node (which would cost only
// their busiest resource, 30 ns, as if they could overlap): a 20 ns on
// sub-array 0, then b 30 ns on sub-array 1.
func TestBoundGlueCopiesPassData(t *testing.T) {
	r := boundReport(t, slowWrites(), `.source 0 layer="a" node="a" value="a"
.source 1 layer="b" node="b" value="b"
    li r1, 1
    li r2, 100
    li r3, 0
    bcopy r2, r3, r1                 # the input into a's buffer
    ld r4, [r0+100]                  # @0
    pzero p0                         # @0
    wrp [r0+0], [r0+0], p0, 0        # @0
    wrp [r0+0], [r0+1], p0, 0        # @0
    st r4, [r0+110]                  # @0
    li r2, 200
    li r3, 110
    bcopy r2, r3, r1                 # a's output into b's buffer
    ld r5, [r0+200]                  # @1
    pzero p1                         # @1
    wrp [r0+1], [r0+0], p1, 0        # @1
    wrp [r0+1], [r0+1], p1, 0        # @1
    wrp [r0+1], [r0+2], p1, 0        # @1
    st r5, [r0+210]                  # @1
    li r2, 300
    li r3, 210
    bcopy r2, r3, r1                 # b's output out
    halt
`)
	a, b := source(t, r, "a"), source(t, r, "b")
	checkNear(t, "a", a.BoundNS, 20)
	checkNear(t, "b", b.BoundNS, 30)
	if !a.Critical || !b.Critical {
		t.Errorf("critical: a %v, b %v", a.Critical, b.Critical)
	}
	// The glue reads b's output, so it follows b: its cost is its 11
	// issue slots (7 li, 3 bcopy, halt; its port time is 6 ns):
	// 20 + 30 + 11. Tied into one node, the three would cost 30.
	checkNear(t, "critical path", r.PerInference.CriticalPathNS, 61)
}
