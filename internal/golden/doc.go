// Package golden is the one harness of pimc's golden tests: a golden case
// is a txtar archive (a comment, then "-- NAME --" sections) holding its
// inputs and its expected outputs, or, where an archive does not suit (a
// binary's hex dump, a JSON report), one expected file.
//
// A test loads a case, reads its input sections, computes its outputs and
// hands each one to Check, which compares it with the expected section:
//
//	func TestGolden(t *testing.T) {
//		golden.Run(t, "testdata/canonical/*.txtar", func(t *testing.T, c *golden.Case) {
//			g := parse(t, c.Input("input.pir"))
//			c.Check("output.pir", run(g, c.Input("pipeline")))
//		})
//	}
//
// A mismatch fails the test with a "-want +got" line diff (unified, with
// context) and the exact command that updates that one golden, e.g.
//
//	PIMC_UPDATE=1 go test ./passes -run '^TestGolden$/^canonical$/^dce$'
//
// PIMC_UPDATE=1 is the only update switch, for every golden of the module:
// `PIMC_UPDATE=1 go test ./...` rewrites them all (an environment variable,
// not a flag, because `go test ./... -update` fails in every package whose
// test binary does not define the flag). An update rewrites only the
// expected sections it was handed, keeping the comment and every other
// section byte for byte, and only when the case passed its other checks:
// a golden whose test also runs the interpreter before and after cannot
// record a change of meaning, even by an update. Review the rewritten files
// with git diff.
//
// The txtar reader and writer are here (the format of
// golang.org/x/tools/txtar, which is not among the module's dependencies).
//
// The tests of every package may import it; no non-test file does.
//
// Allowed imports: the standard library.
package golden
