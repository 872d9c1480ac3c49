// Package sim is the ISA-level simulator of pimc's SOT-MRAM processing-in-memory
// engine (docs/ISA.md is its contract). It loads an isa.Program on a
// target.Target, executes every instruction exactly from the bits stored in
// the program (sub-array rows as packed 64-bit words, AND/OR with popcount,
// saturating shift-add accumulators, the DPU's requantization), and accounts
// time and energy per hardware unit and per source (layer / ONNX node).
//
// Allowed imports: isa, target, ir/tensor and the standard library. It never
// imports the compiler or the interpreter, so it can run hand-written
// assembly and serve as an independent oracle.
//
// Structure:
//   - Prepare predecodes a validated program into an Executable: a compact
//     instruction array, the packed weight image and the integer cost table.
//     It is read-only and shared by every Machine made from it.
//   - A Machine holds the mutable state of one engine (registers, buffers,
//     sub-arrays with copy-on-write rows, unit timers). Load = Prepare +
//     NewMachine. Run executes one inference and returns its RunStats.
//   - ISA v1.5: group instructions (group.go) and tokens (tokens.go) on any
//     stream; a program with several streams runs each on its own
//     controller, in timing order, with the controllers' state swapped in
//     and out of the Machine (streams.go).
//   - ISA v1.6: dload and dstore move words between ABUF and the off-chip
//     memory (dram.go: paged contents, one channel shared by every
//     controller, its time and energy reported as their own component).
//   - ISA v1.7: gdot (gdot.go) sequences the M x N plane pairs of a filter
//     slot on a group in the bank's plane sequencer: one issue, M x N bmac
//     steps per member; a fast path does the bit work as a uniform gbmac
//     run (dot products where it can), the reference executes the bmacs.
//   - BuildReport turns the RunStats of a batch into a Report (JSON and a
//     human table); Report.AddHost (host.go) adds the host's share of a
//     compiled model that its runtime counted (sim.HostWork). RunBatch runs a batch in sequence or on goroutines, one
//     Machine each, with identical, deterministic results.
//
// API (see Example):
//
//	m, err := sim.Load(prog, tgt)          // isa.Validate, predecode, program the weights
//	err = m.WriteInput("x", t)             // float: quantized; integer: raw (WriteInputRaw)
//	st, err := m.Run()                     // *Fault on a run-time error
//	y, _ := m.ReadOutput("y")              // dequantized Float32 (ReadOutputRaw: Int64)
//	rep := m.Report(st)                    // *Report: JSON(), WriteTable(w)
//	m.Reset()                              // back to the post-load state for the next image
//
//	exe, _ := sim.Prepare(prog, tgt)       // shared, read-only
//	res, rep, err := exe.RunBatch(images, sim.BatchOptions{Parallel: -1})
//	r, err := exe.NewMachine().Infer(inputs) // Reset + WriteInput + Run + read outputs
//
// Hot path: exec dispatches one predecoded instruction at a time, except
// runs of consecutive bmacs (a compiled layer is mostly that), which execute
// as a unit: static runs (bmacstatic.go, operands all immediates, predecoded
// at Prepare) and register-addressed runs (bmacreg.go, operands resolved
// once per entry: no bmac writes a register). A run does its bit work and
// accumulation in one pass and its timing in another, memoised per run
// (the timing does not depend on data); results, cycles and profiles are
// those of bmacRun, the per-instruction implementation, which a machine with
// a Trace uses for every bmac (tests compare the two; golden reports in
// testdata/golden pin every number). Runs of gbmacs over one group
// (gbmacrun.go, group code) likewise: timing on one representative member
// (memoised), bit work member by member; a traced machine takes the
// per-instruction gbmac (group.go), and a test compares the two.
//
// Consecutive gbmacs over up to four disjoint groups (a compiled round
// whose sub-arrays form several groups issues them interleaved) execute as
// one interleaved run (gbmacmulti.go): timing in program order on one
// member of each group (memoised per run like a single group's,
// gbmacmultimemo.go), then each group's bit work over its own
// instructions; tests compare it with the group-at-a-time path and the
// memo with the unmemoised timing.
//
// A uniform gbmac run (one accumulator) whose partial sums cannot saturate
// adds its ops' shifted counts in one vector pass (andsum.go: AND, VPOPCNTQ
// and shift per op on AVX-512, the Go loop elsewhere); a run that might
// saturate takes the op-by-op loop. A run that is the full product of I
// input and J weight planes (dotrun.go; every compiled conv/fc round, at
// most four pairs missing) is summed as integer dot products of the
// columns' values instead: the planes transposed to bytes once per write
// of their rows (planebytes.go, dropped by subarray.own and Reset) and
// multiplied by VPDPBUSD (dot_amd64.s) on CPUs with AVX-512 VNNI (others
// keep the bit-plane pass; the Go dot loop is the tests' reference), with
// the same added and subtracted sums, so the same saturation test.
//
// Lockstep (lockstep.go, issue 15): a program whose registers never hold
// data (no ld, no vlut) has control flow, addresses and timing that do not
// depend on the image, so a Lockstep of n lane machines records the data
// operations of one run into a tape (tape.go) and replays it on the other
// lanes and later batches (replay.go): decode, dispatch, timing and
// statistics once, the arithmetic per image, entry by entry across the
// lanes. Results and statistics are each image's per-image ones
// (TestLockstepMatchesPerImage); refused programs run per image, and runs
// too long for a tape (lockstepMaxSteps) lane by lane.
//
// Resource accounting (docs/PARALLEL.md §6): every instruction charges its
// units' occupancy per source (resources.go; issue slots and immediate-
// addressed sub-arrays at report time from the profile, the rest at run
// time), each sub-array's busy time is the union of its units' intervals,
// the machine records the writer source of every ABUF word (dataflow.go),
// and the report derives per-layer costs, the critical path through the
// layer graph, the device bound and the pipeline bound (bound.go). A
// pipelined batch (runs of several frames) adds its steady state: the busy
// figures over each run's steady-state window (window.go) and the
// steady-state FPS against a one-frame run of image 0 (steady.go).
//
// Device non-idealities (docs/FAULTS.md): a Chip (Executable.NewChip) is
// one seeded instance of a FaultSpec (ParseFaults: write errors, two-row
// sense errors, stuck-at cells); a machine on it (SetChip, SetFaultKey;
// BatchOptions.Chip) loads the weight image as that chip programmed it and
// draws write and sense errors from streams named by the seed and the image,
// so results do not depend on the number of goroutines. Without a chip
// nothing changes; with sense errors the machine takes the per-instruction
// bmac and gbmac paths.
//
// Timing model (docs/ISA.md §4 leaves the details to the simulator): see
// timing.go. Times are integer picoseconds, so reports are exact and
// reproducible. The definitions of every reported number are on Report.
package sim
