// Package battery is the hostile-input battery of the pimc command line.
//
// Each case builds its inputs in a fresh directory (malformed ONNX, .pir,
// .pasm, .pimb, tensor files, target descriptions and compress configs,
// devices made with mknod, pipes, symlinks, hard links, read-only and
// missing directories), runs the pimc binary on them as a child process,
// and asserts what a user is owed on bad input: the exit code, a message
// that names the file, node, instruction or flag, no panic, no file left
// behind, no input destroyed, and bounded wall time and memory (the
// child's peak RSS from its rusage). The binary is built once by TestMain
// from ./cmd/pimc.
//
// Cases live in one file per area (cases_AREA_test.go); harness_test.go
// holds the runner and its generic checks, fixtures_test.go the shared
// inputs. The package has no non-test code but this file.
//
// Allowed imports: the standard library; its tests also use
// internal/testcorpus and any pimc package that helps build inputs.
package battery
