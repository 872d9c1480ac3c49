package tensor

import (
	"runtime"
	"sync"
)

// minParallelWork is the amount of work (roughly multiply-adds) below which
// splitting across goroutines costs more than it saves.
const minParallelWork = 1 << 15

// parallelFor calls fn(lo, hi) over disjoint ranges covering [0, n). When the
// total work (n * costPerItem) is large it splits the range into about
// GOMAXPROCS chunks run concurrently; fn must only write to state owned by
// its range. The split is deterministic, and each item is computed the same
// way whatever the split, so results never depend on the number of cores.
func parallelFor(n, costPerItem int, fn func(lo, hi int)) {
	if n <= 0 {
		return
	}
	p := runtime.GOMAXPROCS(0)
	if p > n {
		p = n
	}
	if p <= 1 || n*costPerItem < minParallelWork {
		fn(0, n)
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
