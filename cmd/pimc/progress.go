package main

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// progress is a one-line progress bar redrawn in place on stderr, drawn only
// when stderr is a terminal (so logs and tests see nothing), at most every
// 100ms. It is safe for concurrent use: evaluation workers report to it.
type progress struct {
	mu    sync.Mutex
	w     io.Writer // nil: disabled
	label string
	start time.Time
	last  time.Time
	drawn bool
}

// newProgress returns a bar labelled label on w, or a disabled one when w
// is not a terminal.
func newProgress(w io.Writer, label string) *progress {
	p := &progress{label: label, start: time.Now()}
	if isTerminal(w) {
		p.w = w
	}
	return p
}

// update shows done of total; the final update (done == total) is always drawn.
func (p *progress) update(done, total int) {
	if p == nil || p.w == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now()
	if done < total && now.Sub(p.last) < 100*time.Millisecond {
		return
	}
	p.last = now
	p.drawn = true
	fmt.Fprintf(p.w, "\r%s", progressLine(p.label, done, total, now.Sub(p.start)))
}

// done erases the bar so the next output starts on a clean line.
func (p *progress) done() {
	if p == nil || p.w == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.drawn {
		fmt.Fprint(p.w, "\r\033[K")
		p.drawn = false
	}
}

// progressLine formats "label [=====>    ] 1234/10000 12% 3.1s, 398/s, eta 20s".
func progressLine(label string, done, total int, elapsed time.Duration) string {
	const width = 30
	frac := 0.0
	if total > 0 {
		frac = float64(min(done, total)) / float64(total)
	}
	fill := int(frac * width)
	bar := strings.Repeat("=", fill)
	if fill < width {
		bar += ">" + strings.Repeat(" ", width-fill-1)
	}
	s := fmt.Sprintf("%s [%s] %d/%d %3.0f%% %.1fs", label, bar, done, total, 100*frac, elapsed.Seconds())
	if done > 0 && elapsed > 0 {
		s += fmt.Sprintf(", %.3g/s", float64(done)/elapsed.Seconds())
	}
	if done > 0 && done < total {
		eta := time.Duration(float64(elapsed) * float64(total-done) / float64(done))
		s += fmt.Sprintf(", eta %.0fs", eta.Seconds())
	}
	return s
}
