// Package archtest is pimc's architecture test: every package states in its
// doc.go what it may import, and the test fails when the code and those
// lines disagree. It also keeps docs/ARCHITECTURE.md, the package graph
// generated from the imports, equal to what the code has now:
//
//	go test ./internal/archtest                 # check the rules and the document
//	PIMC_UPDATE=1 go test ./internal/archtest   # rewrite docs/ARCHITECTURE.md
//
// PIMC_UPDATE=1 is the update switch of every golden file of the module
// (internal/golden).
//
// The test reads the packages of the whole module itself (the folders
// `go list ./...` would list, with go/build, so go test's cache knows
// every file the verdict depends on): a new package is checked as soon as
// it exists, and fails until its doc.go has the line.
//
// # The line
//
// One sentence of the package comment in doc.go, on one or more comment
// lines:
//
//	Allowed imports: ir, ir/tensor (the kernels), isa, target and the standard library.
//
// It starts with "Allowed imports:" at the start of a line that is not
// indented or after the period of another sentence on the same line (so
// the example above and quoted mentions do not count; two lines are an
// error), and ends at the first period that is followed by a space or by
// the end of the comment and is not inside parentheses. In between, a list of items separated by commas, the last
// one optionally by "and" (", and" too). An item is one of:
//
//   - "the standard library": every package of the Go distribution;
//   - a path inside the module, written without the module path (ir/tensor,
//     internal/outfile, cmd/pimc): exactly that package, which must exist;
//   - a path whose first element has a dot (gopkg.in/yaml.v3,
//     gonum.org/v1/gonum/blas): that package and every package under it, so
//     a module path allows the whole module.
//
// A package that imports nothing at all says "Allowed imports: nothing.".
// Text in parentheses says why and is ignored. Nothing else is accepted,
// so a typo cannot silently widen or narrow a rule.
//
// # What the line covers
//
// The packages of the module that the package reaches: those it imports,
// those they import, and so on. A package may import only what its line
// allows, directly or through others: pimrt imports backend, which imports
// ir/mapping, so pimrt's line names ir/mapping too, and a package that
// must never depend on the compiler cannot do so by a detour. From outside
// the module, the standard library included, the line names what the
// package imports itself: sim reaches
// gonum through ir/tensor, but that is ir/tensor's choice and ir/tensor's
// line names it (which modules a binary holds is go.mod's business).
//
// The line is exact, not an upper bound: an item the package no longer
// reaches fails too, so every doc.go states the truth. When either check
// fails, the test prints each offending import with the chain through
// which it is reached (sim -> pimrt -> ir) and the line that would state
// the truth now; copy it into doc.go once the change of architecture is
// wanted.
//
// Only the non-test files count: tests may import more (they build inputs
// with the frontend and compare with the interpreter). A test-only package
// (internal/battery: its only non-test file is doc.go) has nothing else,
// so its line covers what its tests import. The check sees the files of
// the platform it runs on (GOOS, GOARCH).
//
// Allowed imports: internal/golden and the standard library.
package archtest
