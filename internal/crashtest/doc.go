// Package crashtest kills `pimc compress` with SIGKILL at random moments and
// checks that resuming gives the same model, byte for byte, as a run that
// was never interrupted, and that no temporary file or partial output is
// left behind (issue 9, part 5; docs/ADMM.md "Crash safety").
//
// The package has no code of its own: its test builds pimc, runs one
// reference compression, then runs the same compression again and again,
// killed after a random delay or the moment a checkpoint or the output
// gets a name in the output folder (inotify), resuming each time with
// -resume, until the wanted number of kills is reached and every
// interrupted run has finished. `go test ./internal/crashtest` runs a short
// configuration (20 kills, and 6 of the layer-wise mode); the flags
// -crash.long, -crash.kills and -crash.seed select the longer one described
// in docs/ADMM.md for runs by hand.
//
// Linux only (SIGKILL and inotify). The package is its tests; they run
// pimc as a binary. Allowed imports: internal/testcorpus and the standard
// library.
package crashtest
