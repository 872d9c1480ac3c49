package ir

// DiffGraphs exposes the structural, bit-exact graph comparison to the
// external tests of this package (corpus_test.go).
var DiffGraphs = diffGraphs
