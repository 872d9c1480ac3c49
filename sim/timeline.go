package sim

import (
	"math"
)

// The utilisation timeline (Report.Timeline): how busy each class of
// resource was over the course of an inference, in TimelineBins equal
// bins of its latency. It is recorded only when asked for
// (Executable.RecordTimeline), so a plain run pays nothing: the machine
// takes samples at the points where the interpreter loop already stops
// for the steady-state window's marks (window.go), which exec reaches by
// comparing the issue clock with one limit per instruction whatever the
// timeline does.
//
// A sample is taken when the running controller's issue clock passes the
// next sample time; it holds, for each class, the work done so far: the
// sub-arrays' busy time up to the sample's instant (busyUpTo: their
// intervals, exact while the instant falls in a sub-array's last covered
// stretch or the gap before it), the controllers' issue slots (one slot
// per instruction issued) and the work the DPUs, buffer ports, links and
// the DRAM channel were charged by the instructions issued so far (placed
// at their issue, a few cycles before they run). Samples start every
// timelineEvery ps of issue time; when a run's log reaches
// maxTimelineSamples every other sample is dropped and the spacing
// doubles, so a run keeps between half and all of maxTimelineSamples
// samples whatever its length, and the recording costs
// O(maxTimelineSamples x log(latency)) samples of O(touched sub-arrays +
// sources x shared resources) each. The last sample is at the run's end,
// with its totals.
//
// Binning (Summary): a run's cumulative work per class is interpolated
// linearly between its samples at the bin edges k x latency /
// TimelineBins; bin k's work is the difference, so the bins add up to the
// run's totals exactly and the timeline's mean over the bins is the
// class's busy fraction over the run. Runs of a batch are folded bin by
// bin (bin k is the k-th TimelineBins-th of each run's latency), in
// integer picoseconds, so the result does not depend on the order or
// split of the runs. A class's busy fraction in a bin is its work there /
// (its units x the bin's length): the units are the sub-arrays the run
// touched, the program's streams (controllers), and the DPUs, buffer
// ports, links and DRAM channels that did any work in the run.

// TimelineBins is the number of time bins of Report.Timeline.
const TimelineBins = 48

// timelineEvery is the initial spacing of a run's samples (ps of issue
// time), maxTimelineSamples the longest log before it is thinned.
const (
	timelineEvery      = 1000
	maxTimelineSamples = 256
)

// Timeline classes: the sub-arrays, then one per shared resource kind in
// ResourceKind order (controller issue slots, DPUs, buffer ports, links,
// DRAM).
const numTimeline = 1 + numShared

var timelineNames = [numTimeline]string{"sub-arrays", "controller issue", "DPU", "buffer port", "link", "DRAM"}

// RunTimeline is the timeline of one run (RunStats.Timeline): its samples
// in time order and the units of each class that worked.
type RunTimeline struct {
	Samples []TimelineSample `json:"samples"`
	Units   [numTimeline]int `json:"units"`
}

// TimelineSample is the work of each class up to instant AtPS (ps), by
// class: sub-arrays, issue, DPU, buffer port, link, DRAM.
type TimelineSample struct {
	AtPS int64              `json:"at_ps"`
	Work [numTimeline]int64 `json:"work_ps"`
}

// Timeline is the utilisation of each resource class over the inference
// (Report.Timeline): Bins bins of BinNS (the mean latency / Bins).
type Timeline struct {
	Bins    int             `json:"bins"`
	BinNS   float64         `json:"bin_ns"`
	Classes []TimelineClass `json:"classes"`
}

// TimelineClass is one class's busy fraction in each bin, the mean over
// its Units (the most of them that worked in one run).
type TimelineClass struct {
	Name  string    `json:"name"`
	Units int       `json:"units"`
	Busy  []float64 `json:"busy"`
}

// RecordTimeline makes the machines of e record a utilisation timeline
// (Report.Timeline) from their next run on. Call it before the runs start:
// machines read it when a run begins.
func (e *Executable) RecordTimeline(on bool) { e.timeline = on }

// timelineRec is a machine's recording state.
type timelineRec struct {
	next, every int64 // the next sample's issue time (MaxInt64: off), the spacing
	samples     []TimelineSample
}

// startTimeline begins a run's log (Run).
func (m *Machine) startTimeline() {
	tl := &m.tl
	tl.samples = tl.samples[:0]
	tl.next = math.MaxInt64
	if m.exe.timeline {
		tl.samples = append(tl.samples, TimelineSample{})
		tl.every, tl.next = timelineEvery, timelineEvery
	}
}

// nextStop is the issue time at which exec stops for markStop: the next
// window mark or timeline sample.
func (m *Machine) nextStop() int64 { return min(m.nextMark(), m.tl.next) }

// markStop logs what is due at issue time issue (steps issued by the
// machine) and returns the next stop.
func (m *Machine) markStop(issue, steps int64) int64 {
	if m.windowed() && issue > m.nextMark() {
		m.mark(issue, steps) // window.go
	}
	if issue > m.tl.next {
		m.sampleTimeline(issue, steps, false)
	}
	return m.nextStop()
}

// sampleTimeline logs the work so far at instant t (end: the run's end,
// the totals).
func (m *Machine) sampleTimeline(t, steps int64, end bool) {
	tl := &m.tl
	last := tl.samples[len(tl.samples)-1]
	s := TimelineSample{AtPS: max(t, last.AtPS)}
	for _, i := range m.touched {
		if sa := m.sas[i]; end {
			s.Work[0] += sa.busy
		} else {
			s.Work[0] += sa.busyUpTo(t)
		}
	}
	e := m.exe
	s.Work[1+int(ResIssue)] = steps * (e.cost.cycle / issueWidth(e.Target))
	sh := &e.shared
	work := m.stats.Work
	for src := 0; src+sh.total <= len(work); src += sh.total {
		for k := ResDPU; int(k) < numShared; k++ {
			for i := range sh.n[k] {
				s.Work[1+int(k)] += work[src+sh.base[k]+i]
			}
		}
	}
	for c := range s.Work { // cumulative: never less than before
		s.Work[c] = max(s.Work[c], last.Work[c])
	}
	tl.samples = append(tl.samples, s)
	if len(tl.samples) >= maxTimelineSamples {
		k := 0
		for i := 0; i < len(tl.samples); i += 2 {
			tl.samples[k] = tl.samples[i]
			k++
		}
		tl.samples = tl.samples[:k]
		tl.every *= 2
	}
	tl.next = tl.samples[len(tl.samples)-1].AtPS + tl.every
}

// finishTimeline closes the run's log with its totals at its latency and
// stores it in st (Run, after finishCharges).
func (m *Machine) finishTimeline(st *RunStats) {
	if !m.exe.timeline || len(m.tl.samples) == 0 {
		return
	}
	m.sampleTimeline(st.LatencyPS, st.Steps, true)
	rt := &RunTimeline{Samples: append([]TimelineSample(nil), m.tl.samples...)}
	rt.Units[0] = st.SubarraysUsed
	rt.Units[1+int(ResIssue)] = max(1, len(m.exe.Prog.Streams))
	sh := &m.exe.shared
	for k := ResDPU; int(k) < numShared; k++ {
		for i := range sh.n[k] {
			id := sh.base[k] + i
			for src := 0; src+sh.total <= len(st.Work); src += sh.total {
				if st.Work[src+id] > 0 {
					rt.Units[1+int(k)]++
					break
				}
			}
		}
	}
	st.Timeline = rt
}

// combineTimelines is the timeline of runs executed one after the other
// as one inference (CombineRuns): their samples end to end, each run's
// times and work after the previous runs' totals; nil if a run has none.
func combineTimelines(runs []*RunStats) *RunTimeline {
	c := &RunTimeline{}
	var at int64
	var base [numTimeline]int64
	for _, r := range runs {
		if r.Timeline == nil || len(r.Timeline.Samples) == 0 {
			return nil
		}
		for _, s := range r.Timeline.Samples {
			s.AtPS += at
			for k := range s.Work {
				s.Work[k] += base[k]
			}
			c.Samples = append(c.Samples, s)
		}
		last := c.Samples[len(c.Samples)-1]
		at, base = max(at+r.LatencyPS, last.AtPS), last.Work
		for k, u := range r.Timeline.Units {
			c.Units[k] = max(c.Units[k], u)
		}
	}
	return c
}

// timelineSum folds the runs' timelines (Summary): per class the work in
// each bin and the sum over runs of units x latency, and the runs' total
// latency.
type timelineSum struct {
	work   [numTimeline][TimelineBins]int64
	unitPS [numTimeline]int64
	units  [numTimeline]int
	latPS  int64
	runs   int64
}

// addTimeline bins run st's timeline (see the top of the file).
func (s *Summary) addTimeline(st *RunStats) {
	rt := st.Timeline
	if rt == nil || len(rt.Samples) == 0 || st.LatencyPS <= 0 {
		return
	}
	if s.tl == nil {
		s.tl = &timelineSum{}
	}
	t := s.tl
	L := st.LatencyPS
	for c := range numTimeline {
		prev, j := int64(0), 0
		for k := range TimelineBins {
			edge := L * int64(k+1) / TimelineBins
			for j+1 < len(rt.Samples) && rt.Samples[j+1].AtPS < edge {
				j++
			}
			cum := interpolate(rt.Samples, j, c, edge)
			t.work[c][k] += cum - prev
			prev = cum
		}
		t.unitPS[c] += int64(rt.Units[c]) * L
		t.units[c] = max(t.units[c], rt.Units[c])
	}
	t.latPS += L
	t.runs++
}

// interpolate is class c's cumulative work at instant x, linear between
// samples j and j+1 (the last sample's totals past it).
func interpolate(ss []TimelineSample, j, c int, x int64) int64 {
	a := ss[j]
	if j+1 >= len(ss) || x <= a.AtPS {
		if x >= a.AtPS {
			return a.Work[c]
		}
		return 0
	}
	b := ss[j+1]
	if x >= b.AtPS || b.AtPS == a.AtPS {
		return b.Work[c]
	}
	f := float64(x-a.AtPS) / float64(b.AtPS-a.AtPS)
	return a.Work[c] + int64(math.Round(f*float64(b.Work[c]-a.Work[c])))
}

// mergeTimeline adds o's folded timelines to s's (Summary.Merge).
func (s *Summary) mergeTimeline(o *Summary) {
	if o.tl == nil {
		return
	}
	if s.tl == nil {
		s.tl = &timelineSum{}
	}
	t := s.tl
	for c := range numTimeline {
		for k := range TimelineBins {
			t.work[c][k] += o.tl.work[c][k]
		}
		t.unitPS[c] += o.tl.unitPS[c]
		t.units[c] = max(t.units[c], o.tl.units[c])
	}
	t.latPS += o.tl.latPS
	t.runs += o.tl.runs
}

// timeline is the report's timeline: the classes that worked, each bin's
// work over the units' time in it.
func (s *Summary) timeline() *Timeline {
	t := s.tl
	if t == nil || t.runs == 0 {
		return nil
	}
	out := &Timeline{Bins: TimelineBins, BinNS: float64(t.latPS) / float64(t.runs) / TimelineBins / 1000}
	for c := range numTimeline {
		if t.unitPS[c] == 0 {
			continue
		}
		tc := TimelineClass{Name: timelineNames[c], Units: t.units[c], Busy: make([]float64, TimelineBins)}
		for k, w := range t.work[c] {
			tc.Busy[k] = float64(w) * TimelineBins / float64(t.unitPS[c])
		}
		out.Classes = append(out.Classes, tc)
	}
	return out
}
