package conform

import "sync"

// RunAll runs the cases on jobs goroutines (at least one) and calls each
// with every result in case order, as soon as that case and all before it
// have finished, so a long run reports as it goes in a stable order.
func RunAll(cases []*Case, tol Tolerance, jobs int, each func(Result)) {
	results := make([]Result, len(cases))
	done := make([]chan struct{}, len(cases))
	for i := range done {
		done[i] = make(chan struct{})
	}
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < max(1, jobs); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				results[i] = Run(cases[i], tol)
				close(done[i])
			}
		}()
	}
	go func() {
		for i := range cases {
			next <- i
		}
		close(next)
	}()
	for i := range cases {
		<-done[i]
		each(results[i])
	}
	wg.Wait()
}
