package passes

import (
	"fmt"
	"io"
	"text/tabwriter"
	"time"
)

// Stats collects the counters passes report through Context.Count, per pass
// name, in the order they first appeared.
type Stats struct {
	order   []statKey
	counter map[statKey]int
}

type statKey struct{ pass, name string }

func (s *Stats) add(pass, name string, delta int) {
	if s.counter == nil {
		s.counter = map[statKey]int{}
	}
	k := statKey{pass, name}
	if _, ok := s.counter[k]; !ok {
		s.order = append(s.order, k)
	}
	s.counter[k] += delta
}

// Get returns the value of one counter (0 when never counted).
func (s *Stats) Get(pass, name string) int { return s.counter[statKey{pass, name}] }

// Len is the number of distinct counters.
func (s *Stats) Len() int { return len(s.order) }

// WriteTo writes one line per counter: pass, counter, value.
func (s *Stats) WriteTo(w io.Writer) (int64, error) {
	cw := &countWriter{w: w}
	tw := tabwriter.NewWriter(cw, 2, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "pass\tstatistic\tvalue")
	for _, k := range s.order {
		fmt.Fprintf(tw, "%s\t%s\t%d\n", k.pass, k.name, s.counter[k])
	}
	err := tw.Flush()
	return cw.n, err
}

// Timing is the measured cost of one pass over all its runs in a pipeline.
type Timing struct {
	Pass    string
	Runs    int
	Changed int           // runs that reported a change
	Run     time.Duration // time inside the pass
	Verify  time.Duration // time verifying its result
}

// writeTimings writes the -time-passes table: one row per pass in first-run
// order, the share of the total, and a total row.
func writeTimings(w io.Writer, ts []*Timing) error {
	var total, totalVerify time.Duration
	for _, t := range ts {
		total += t.Run
		totalVerify += t.Verify
	}
	tw := tabwriter.NewWriter(w, 2, 8, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "pass\truns\tchanged\ttime\t%\tverify\t")
	pct := func(d time.Duration) string {
		if total <= 0 {
			return "-"
		}
		return fmt.Sprintf("%.1f", 100*float64(d)/float64(total))
	}
	for _, t := range ts {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%s\t%s\t\n", t.Pass, t.Runs, t.Changed, roundDur(t.Run), pct(t.Run), roundDur(t.Verify))
	}
	fmt.Fprintf(tw, "total\t\t\t%s\t%s\t%s\t\n", roundDur(total), pct(total), roundDur(totalVerify))
	return tw.Flush()
}

func roundDur(d time.Duration) time.Duration {
	switch {
	case d >= time.Second:
		return d.Round(time.Millisecond)
	case d >= time.Millisecond:
		return d.Round(time.Microsecond)
	}
	return d
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
