package testcorpus

import (
	"fmt"
	"sync"
	"testing"
)

// A loaded dataset, kept for the life of the test binary.
type loaded struct {
	once        sync.Once
	train, test any
	err         error
}

// datasets maps a dataset name to its *loaded.
var datasets sync.Map

// Dataset returns the training and test sets that load (data.Load) gives
// for a named dataset such as "mnist" (the files of the GoMNIST module in
// the Go module cache) or "fashion-mnist" (Debian's dataset-fashion-mnist in
// /usr/share/datasets). When load fails, t is skipped, or failed when
// Required, via Missing with load's error, which says how to install the
// data.
//
// Each name is loaded once per test binary: MNIST's 60000 training images
// take 188 MB as float32 (60000 x 784 x 4 bytes) and cost a decompression
// each time, so tests share one copy and must not modify it. The loader is a parameter because
// this package imports only the standard library (the data package's own
// tests use it too, and it cannot import them back).
func Dataset[D any](t testing.TB, name string, load func(name string) (train, test D, err error)) (train, test D) {
	t.Helper()
	v, _ := datasets.LoadOrStore(name, new(loaded))
	l := v.(*loaded)
	l.once.Do(func() { l.train, l.test, l.err = load(name) })
	if l.err != nil {
		Missing(t, "dataset "+name, l.err)
		return train, test
	}
	tr, ok1 := l.train.(D)
	te, ok2 := l.test.(D)
	if !ok1 || !ok2 {
		panic(fmt.Sprintf("BUG: testcorpus.Dataset(%q): loaded as %T, asked for %T", name, l.train, train))
	}
	return tr, te
}
