package train

import (
	"runtime"
	"sync"

	"github.com/pimc-dev/pimc/ir/tensor"
)

// parallelFor calls fn(lo, hi) on disjoint ranges covering [0, n), spread
// over the cores when n*cost (roughly float operations) is large enough to
// pay for goroutines. Each item must be computed the same way whatever the
// split and write only state owned by its range, so results are
// bit-identical for any core count.
func parallelFor(n, cost int, fn func(lo, hi int)) {
	p := runtime.GOMAXPROCS(0)
	if p > n {
		p = n
	}
	if p <= 1 || n*cost < 1<<15 {
		if n > 0 {
			fn(0, n)
		}
		return
	}
	var wg sync.WaitGroup
	chunk := (n + p - 1) / p
	for lo := 0; lo < n; lo += chunk {
		hi := min(lo+chunk, n)
		wg.Add(1)
		go func() {
			defer wg.Done()
			fn(lo, hi)
		}()
	}
	wg.Wait()
}

// workers is the number of goroutines SgemmParallel may use.
func workers() int { return runtime.GOMAXPROCS(0) }

// buf returns a float32 tensor of the given shape, reusing *t's storage when
// it is large enough. Layers keep their outputs and gradients in such
// buffers: a buffer is rewritten only in the next step, after every reader
// of the previous step has run.
func buf(t **tensor.Tensor, shape ...int) *tensor.Tensor {
	n := 1
	for _, d := range shape {
		n *= d
	}
	if *t == nil || cap((*t).F32) < n {
		*t = tensor.New(tensor.Float32, shape...)
		return *t
	}
	(*t).F32 = (*t).F32[:n]
	(*t).Shape = append((*t).Shape[:0], shape...)
	return *t
}
