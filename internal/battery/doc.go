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
// The package is its tests, which run pimc as a binary and build inputs with
// pimc's packages. Allowed imports: admm, data, frontend, internal/hostile,
// isa, train, internal/outfile, ir, ir/interp, ir/mapping, ir/tensor, target
// and tensorio (through the others), google.golang.org/protobuf/proto,
// github.com/advancedclimatesystems/gonnx/onnx and the standard library.
package battery
