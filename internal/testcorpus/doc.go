// Package testcorpus locates the external test data that tests read (the
// shared ONNX corpus beside the repository, files of Debian packages, the
// MNIST and Fashion-MNIST datasets) and applies the project's rule for it
// in one place: a test whose data is absent is skipped with a message
// naming what is missing, unless PIMC_REQUIRE_CORPUS=1 (set by .ci/run),
// which makes it fail instead.
//
// Only tests import this package. Allowed imports: the standard library.
package testcorpus
