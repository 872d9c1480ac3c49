package sim

// Steady-state FPS of a pipelined batch (docs/PARALLEL.md §7.1). A run of
// n >= 2 frames takes T_n: its frames stream through the stages, so the
// run includes the pipeline's fill (the first frame reaching the last
// stage) and drain (the last frame leaving it). n / T_n is the throughput
// with fill and drain; the steady state, one frame leaving every period, is
// (n - 1) / (T_n - T_1), where T_1 is a one-frame run of the same program
// on the batch's first image: the single-image latency, the fill and
// drain of a frame alone. A batch of several such runs sums them:
// sum(n_k - 1) / sum(T_n_k - T_1).
//
// T_1 from a run of image 0 alone is the fill of an uncontended pipeline;
// in a run of n frames, frame 0 also meets the later frames at shared
// resources (a bank's link), so T_n - T_1 undercounts the steady time and
// the formula overestimates the rate. The steady state is therefore
// measured inside the runs where it can be: the time from frame 1 to frame
// n - 1 entering the last stage is n - 2 periods (RunStats.FramePeriodsPS,
// window.go: frame 0's entry may carry the stage's one-time work); the
// formula is used only for runs without that measure.
//
// T_1 comes from one extra run (RunBatch, pimrt.Model.RunBatch) made only
// when the batch has a run of several frames, so a program of one frame
// per run (every non-pipelined program) runs exactly its images.

// NeedsSingleRun reports whether a batch of n images of e has a run of
// several frames, whose steady state needs the extra one-frame run of
// its first image (AddSingle).
func (e *Executable) NeedsSingleRun(n int) bool { return e.Frames() > 1 && n >= 2 }

// AddSingle records st, the statistics of a one-frame run of the batch's
// first image (not one of the batch's runs), as the single-image latency
// T_1 of the steady-state figures. Runs added by Add are unaffected.
func (s *Summary) AddSingle(st *RunStats) { s.singlePS = st.LatencyPS }

// addMultiFrame folds a run of several frames into the steady-state sums.
func (s *Summary) addMultiFrame(st *RunStats) {
	if st.Frames >= 2 {
		s.multiRuns++
		s.multiFrames += int64(st.Frames)
		s.multiPS += st.LatencyPS
		s.periodsPS += st.FramePeriodsPS
		s.periods += st.FramePeriods
		if st.FramePeriods > 0 {
			s.measuredRuns++
		}
	}
}

// mergeSteady adds o's steady-state sums to s (the single run is made by
// one worker only).
func (s *Summary) mergeSteady(o *Summary) {
	s.multiRuns += o.multiRuns
	s.multiFrames += o.multiFrames
	s.multiPS += o.multiPS
	s.periodsPS += o.periodsPS
	s.periods += o.periods
	s.measuredRuns += o.measuredRuns
	s.singlePS = max(s.singlePS, o.singlePS)
}

// reportSteady fills the steady-state fields of rep (nothing without a
// run of several frames and a single run to compare it with).
func (s *Summary) reportSteady(rep *Report) {
	if s.multiRuns == 0 || s.singlePS <= 0 {
		return
	}
	rep.SingleImageNS = float64(s.singlePS) / 1000
	rep.PipelinedRuns = int(s.multiRuns)
	rep.PipelinedFrames = int(s.multiFrames)
	rep.PipelinedNS = float64(s.multiPS) / 1000
	rep.PipelinedFPS = 1e12 * float64(s.multiFrames) / float64(s.multiPS)
	switch d := s.multiPS - s.multiRuns*s.singlePS; {
	case s.measuredRuns == s.multiRuns && s.periodsPS > 0:
		rep.SteadyStateFPS = 1e12 * float64(s.periods) / float64(s.periodsPS)
	case d > 0:
		rep.SteadyStateFPS = 1e12 * float64(s.multiFrames-s.multiRuns) / float64(d)
	}
}
