package backend

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/pimc-dev/pimc/isa"
	"github.com/pimc-dev/pimc/sim"
	"github.com/pimc-dev/pimc/target"
)

// TestEstimateStream: the estimate's stream time replays in-order
// dispatch: an instruction waits for a cell array an earlier one still
// holds (a bmac after a row write into its sub-array: the 2 ns write pulse
// and the 0.5 ns broadcast of a gwrp), one on another sub-array does not;
// every sub-array instruction is one link hop.
func TestEstimateStream(t *testing.T) {
	tgt := target.Default()
	run := func(src string) workEstimate {
		t.Helper()
		p, err := isa.ParseAsm("t.pasm", []byte(src+"    halt\n"))
		if err != nil {
			t.Fatal(err)
		}
		w, err := estimateWork(p, tgt)
		if err != nil {
			t.Fatal(err)
		}
		return w[0] // no sources: unattributed
	}
	near := func(got, want float64) bool { return math.Abs(got-want) < 1e-9 }
	// wrp at 0 dispatches at 1 and holds sub-array 0 until 3: the bmac on
	// it issued at 1 dispatches at 3 (until 4.2), the next one at 4.2,
	// which holds the issue of the halt until 4 (the first edge >= 3.2);
	// on sub-array 1 the bmacs dispatch at 2 and 3.2 and the halt issues
	// at 3. The halt is one more issue slot.
	same := run("    wrp [r0+0], [r0+6], p0, 0\n    bmac [r0+0], 4, [r0+5], a0, 0, pos\n    bmac [r0+0], 4, [r0+5], a0, 0, pos\n")
	if !near(same.stream, 4) || !near(same.issue, 4) || !near(same.link, 3) {
		t.Errorf("write then bmacs: stream %v issue %v link %v, want 4 4 3", same.stream, same.issue, same.link)
	}
	other := run("    wrp [r0+0], [r0+6], p0, 0\n    bmac [r0+1], 4, [r0+5], a0, 0, pos\n    bmac [r0+1], 4, [r0+5], a0, 0, pos\n")
	if !near(other.stream, 3) {
		t.Errorf("write then bmacs elsewhere: stream %v, want 3", other.stream)
	}
	// 20 bmacs on one sub-array: 1.2 ns senses; the issue falls behind
	// once dispatch is a cycle ahead of it: 23 ns (20 issue slots + 1).
	chain := run(strings.Repeat("    bmac [r0+0], 4, [r0+5], a0, 0, pos\n", 20))
	if !near(chain.stream, 23) || !near(chain.issue, 21) {
		t.Errorf("bmac chain: stream %v issue %v, want 23 21", chain.stream, chain.issue)
	}
	// A gwrp over 2 holds both for 2.5 ns (write and broadcast): the
	// gbmac over them issued at 2 dispatches at 4.5, so the halt issues
	// at 4.
	group := run("    li r5, 5\n    gwrp [r5], 2, [r0+6], p0, 0\n    gbmac [r5], 2, 6, [r0+5], a0, 0, pos\n")
	if !near(group.stream, 4) || !near(group.link, 2) {
		t.Errorf("gwrp then gbmac: stream %v link %v, want 4 2", group.stream, group.link)
	}
	// A gdot of 8x4 pairs on 3 sub-arrays (ISA v1.7): one issue slot, 32
	// bmac steps of 1.2 ns on each member; it holds the arrays from its
	// dispatch at 1 until 1 + 32 x 1.2, so a gbmac on a member issued at 1
	// waits: the halt issues at 38 (the first edge >= 39.4 - 1).
	seq, err := target.Load("../target/testdata/plane-sequencer.yaml")
	if err != nil {
		t.Fatal(err)
	}
	tgt = seq
	gd := run("    gdot [r0], 3, 0, [r0+8], a0, 8x4\n")
	if !near(gd.issue, 2) || !near(gd.sub[0], 32*1.2) || !near(gd.sub[2], 32*1.2) || !near(gd.link, 1) {
		t.Errorf("gdot: issue %v, sub-array work %v, link %v; want 2, 38.4 each, 1", gd.issue, gd.sub, gd.link)
	}
	gdw := run("    gdot [r0], 3, 0, [r0+8], a0, 8x4\n    gbmac [r0], 1, 0, [r0+8], a0, 0, pos\n")
	if !near(gdw.stream, 39) {
		t.Errorf("gdot then gbmac on a member: stream %v, want 39", gdw.stream)
	}
	// Its drain waits for the last shift-add: 39.4 + 1 + 0.5 (count,
	// shift-add) = 40.9, so the halt issues at 40.
	gdv := run("    gdot [r0], 3, 0, [r0+8], a0, 8x4\n    gvacc v0, [r0+0], [r0], 3, 1, a0, 1\n")
	if c, a := seq.Cost(target.OpBitcount).LatencyNS, seq.Cost(target.OpShiftAdd).LatencyNS; !near(gdv.stream, math.Ceil(39.4+c+a-1)) {
		t.Errorf("gdot then its drain: stream %v, want %v", gdv.stream, math.Ceil(39.4+c+a-1))
	}
}

// TestEstimateRemoteStream: a stream reaching its sub-arrays over a bank
// link dispatches every sub-array instruction a link latency after its
// link is free, as the simulator does: back-to-back gbmacs on one group,
// sensed every 1.2 ns from a local controller, go every 1.5 ns on average
// from a remote one (VGG-11-BN's features.8, docs/PARALLEL.md §8.4). The
// estimate's remote stream time is the simulator's issue time of the
// halt after the chain run on a controller of another bank, exactly, and
// its local stream time the same run on the bank's own controller.
func TestEstimateRemoteStream(t *testing.T) {
	tgt := target.Default()
	chain := "    li r5, 2\n" + strings.Repeat("    gbmac [r5], 4, 0, [r0+8], a0, 0, pos\n", 40)
	p, err := isa.ParseAsm("t.pasm", []byte(chain+"    halt\n"))
	if err != nil {
		t.Fatal(err)
	}
	w, err := estimateWork(p, tgt)
	if err != nil {
		t.Fatal(err)
	}
	est := w[0]
	if !(est.remote > est.stream*1.2) {
		t.Fatalf("40 gbmacs on one group: remote stream %v, local %v; want the remote one >= 1.2x", est.remote, est.stream)
	}
	// halt is the issue time (ns) of the halt of stream 1 running the
	// chain, on controller c (the stream of controller c is its number;
	// the others halt at once).
	halt := func(c int) float64 {
		t.Helper()
		src := ""
		for s := range 2 {
			src += fmt.Sprintf(".stream %d entry=s%d\n", s, s)
		}
		body := ""
		for s := range 2 {
			body += fmt.Sprintf("s%d:\n", s)
			if s == c {
				body += chain
			}
			body += "    halt\n"
		}
		for sa := 2; sa < 6; sa++ { // the rows the gbmacs read
			for _, row := range []int{0, 8} {
				src += fmt.Sprintf(".weights sa=%d row=%d src=-1 hex=%s\n", sa, row, strings.Repeat("5a", 32))
			}
		}
		q, err := isa.ParseAsm("s.pasm", []byte(src+body))
		if err != nil {
			t.Fatal(err)
		}
		q.TargetName, q.TargetFingerprint = tgt.Name, tgt.Fingerprint()
		m, err := sim.Load(q, tgt)
		if err != nil {
			t.Fatal(err)
		}
		var tr bytes.Buffer
		m.Trace = &tr
		if _, err := m.Run(); err != nil {
			t.Fatal(err)
		}
		// The chain and its halt are 42 instructions; stream 0's halt
		// alone is 1.
		want := 41
		if c == 1 {
			want = 42
		}
		for _, line := range strings.Split(tr.String(), "\n") {
			if f := strings.Fields(line); len(f) > 3 && f[0] == strconv.Itoa(want) && f[3] == "halt" {
				x, _ := strconv.ParseFloat(f[1], 64)
				return x
			}
		}
		t.Fatalf("no halt at pc %d in the trace:\n%s", want, tr.String())
		return 0
	}
	// Sub-arrays 2-5 are in bank 0: controller 0 is local, 1 remote.
	if got := halt(0); math.Abs(got-est.stream) > 1e-9 {
		t.Errorf("local controller: the simulator issues the halt at %v ns, the estimate's stream is %v", got, est.stream)
	}
	if got := halt(1); math.Abs(got-est.remote) > 1e-9 {
		t.Errorf("remote controller: the simulator issues the halt at %v ns, the estimate's remote stream is %v", got, est.remote)
	}
}
