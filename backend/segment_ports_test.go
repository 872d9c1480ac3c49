package backend_test

import (
	"strings"
	"testing"

	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/isa"
	"github.com/pimc-dev/pimc/pimrt"
	"github.com/pimc-dev/pimc/sim"
	"github.com/pimc-dev/pimc/target"
)

// TestSegmentPortsShareWords: the device segments of a model with host ops
// between them reuse the same buffer words for their ports (every run starts
// from the post-load state; the host carries values between runs), the
// program still runs bit-exactly, the runtime refuses a port recorded in
// another segment than the host section says, and the same layout with
// every port in one segment is rejected by the loader.
func TestSegmentPortsShareWords(t *testing.T) {
	b := newGB(t, 6)
	x := b.input(1, 4, 6, 6)
	y := x
	for range 3 {
		y = b.relu(b.conv(y, 4, 3, 1, 1, 1, 1))
		y = b.op("exp", nil, y) // host: the next conv is a new segment
	}
	gr, ins := b.finish("wbits=8,abits=8", b.conv(y, 3, 1, 1, 0, 1, 1))
	tgt := target.Default()
	res, run := compileAndCheck(t, gr, tgt, ins...)
	if res.Segments != 4 || len(run.Stats) != 4 {
		t.Fatalf("%d segments, %d runs; want 4 and 4", res.Segments, len(run.Stats))
	}
	p := res.Prog
	shared := 0
	for i := range p.Ports {
		for j := range i {
			a, c := &p.Ports[i], &p.Ports[j]
			if a.Addr < c.Addr+uint32(c.Len()) && c.Addr < a.Addr+uint32(a.Len()) {
				if a.SharesRun(c) {
					t.Fatalf("ports %q (segment %d) and %q (segment %d) of one run overlap", a.Name, a.Segment, c.Name, c.Segment)
				}
				shared++
			}
		}
	}
	if shared == 0 {
		t.Fatalf("no two ports of different segments share buffer words:\n%v", p.Ports)
	}
	if p.Ports[0].Name != "$segment" || p.Ports[0].Segment != isa.AllSegments {
		t.Errorf("first port %q segment %d, want the selector in every segment", p.Ports[0].Name, p.Ports[0].Segment)
	}
	// Raw runs of the device program alone write every port: refused.
	exe, err := sim.Prepare(p, tgt)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := exe.NewMachine().Infer(nil); err == nil || !strings.Contains(err.Error(), "share buffer words") {
		t.Errorf("Infer of a program with shared port words: %v", err)
	}
	// The runtime only writes and reads the ports of the segment it runs,
	// so a port the host section lists for another segment is refused.
	k := 0
	for k < len(p.Ports) && p.Ports[k].Segment != 2 {
		k++
	}
	if k == len(p.Ports) {
		t.Fatal("no port of segment 2")
	}
	p.Ports[k].Segment = 9 // no other port there: still loads
	if err := isa.Validate(p, tgt.Arch()); err != nil {
		t.Fatal(err)
	}
	if _, err := pimrt.Load(p, tgt); err == nil || !strings.Contains(err.Error(), "segment 2 lists port") || !strings.Contains(err.Error(), "assigns to segment 9") {
		t.Errorf("pimrt.Load with a port in the wrong segment: %v", err)
	}
	for i := range p.Ports {
		p.Ports[i].Segment = 0
	}
	if err := isa.Validate(p, tgt.Arch()); err == nil || !strings.Contains(err.Error(), "of the same run (segment 0; ports of one segment must be disjoint)") {
		t.Fatalf("every port in segment 0: Validate gave %v", err)
	}
}

// TestHostValueReadByTwoSegments: a host value (here an exp's codes)
// read by two device segments gets one input port per segment, the later
// one named "<value>@<segment>", and the program runs bit-exactly. Before,
// both ports had the value's name and the program did not validate
// (PaddleOCR's PP-OCRv4 recogniser has this shape).
func TestHostValueReadByTwoSegments(t *testing.T) {
	b := newGB(t, 7)
	x := b.input(1, 4, 6, 6)
	h := b.op("exp", nil, b.conv(x, 4, 3, 1, 1, 1, 1))       // host, read by segments 1 and 2
	s := b.op("exp", nil, b.conv(h, 4, 3, 1, 1, 1, 1))       // segment 1, then host
	y := b.op(ir.OpAdd, nil, b.conv(s, 4, 1, 1, 0, 1, 1), h) // segment 2 reads h's codes
	gr, ins := b.finish("wbits=8,abits=8", y)
	res, _ := compileAndCheck(t, gr, target.Default(), ins...)
	if res.Segments != 3 {
		t.Fatalf("%d segments, want 3", res.Segments)
	}
	// h's codes: one port in segment 1, the same name @2 in segment 2.
	in := map[string]int32{}
	for _, p := range res.Prog.Ports {
		if p.Dir == isa.PortIn {
			in[p.Name] = p.Segment
		}
	}
	found := false
	for name, seg := range in {
		if seg2, ok := in[name+"@2"]; ok && seg == 1 && seg2 == 2 {
			found = true
		}
	}
	if !found {
		t.Errorf("input ports %v: want one read in segments 1 and 2 (NAME, NAME@2)", in)
	}
}
