package evaluate

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/pimc-dev/pimc/data"
)

// ParseShard reads "i/n" (0 <= i < n): shard i of n.
func ParseShard(s string) (i, n int, err error) {
	a, b, ok := strings.Cut(s, "/")
	i, e1 := strconv.Atoi(a)
	n, e2 := strconv.Atoi(b)
	if !ok || e1 != nil || e2 != nil || n < 1 || i < 0 || i >= n {
		return 0, 0, fmt.Errorf("%q: want i/n with 0 <= i < n, e.g. 0/4", s)
	}
	return i, n, nil
}

// Shard is the images [lo, hi) of shard i of n over total images: n
// contiguous slices whose sizes differ by at most one.
func Shard(total, i, n int) (lo, hi int) {
	return i * total / n, (i + 1) * total / n
}

// ShardOf returns the dataset sharing shard i of n of ds's samples.
func ShardOf(ds *data.Dataset, i, n int) *data.Dataset {
	lo, hi := Shard(ds.Len(), i, n)
	s := ds.SampleLen()
	return &data.Dataset{Name: ds.Name, Shape: ds.Shape, X: ds.X[lo*s : hi*s], Y: ds.Y[lo:hi], Classes: ds.Classes, NonFinite: ds.NonFinite}
}

// Part is one shard's evaluation (pimc eval -shard i/n -o PART.json): its
// predictions and, for a program, the sums of the per-image latency and
// energy, which MergeParts adds up. The other report figures are not
// merged (each shard's -report has them).
type Part struct {
	Input   string  `json:"input"`
	Dataset string  `json:"dataset"`
	Shard   int     `json:"shard"`
	Shards  int     `json:"shards"`
	Total   int     `json:"total_images"` // images of the whole (limited) test set
	First   int     `json:"first"`        // the shard's first image
	Images  int     `json:"images"`
	Correct int     `json:"correct"`
	Pred    []int32 `json:"pred"`
	// Simulated: a program's per-image latency and energy summed over the
	// shard's images (the report's means x images).
	Simulated   bool    `json:"simulated"`
	LatencyNSum float64 `json:"latency_ns_sum,omitempty"`
	EnergyPJSum float64 `json:"energy_pj_sum,omitempty"`
}

// NewPart records r, the evaluation of shard i of n of a test set of total
// images.
func NewPart(input, dataset string, i, n, total int, r *Result) *Part {
	lo, _ := Shard(total, i, n)
	p := &Part{Input: input, Dataset: dataset, Shard: i, Shards: n, Total: total, First: lo, Images: r.Images, Correct: r.Correct, Pred: r.Pred}
	if r.Report != nil {
		p.Simulated = true
		p.LatencyNSum = r.Report.PerInference.LatencyNS * float64(r.Images)
		p.EnergyPJSum = r.Report.PerInference.Energy.Total * float64(r.Images)
	}
	return p
}

// Merged is the evaluation of the whole test set from its parts: the
// predictions in image order, the accuracy, and a program's mean per-image
// latency and energy.
type Merged struct {
	Input, Dataset      string
	Images, Correct     int
	Pred                []int32
	Simulated           bool
	LatencyNS, EnergyPJ float64
}

// Accuracy is Correct / Images.
func (m *Merged) Accuracy() float64 {
	if m.Images == 0 {
		return 0
	}
	return float64(m.Correct) / float64(m.Images)
}

// MergeParts checks that parts are the n shards of one evaluation, each
// once (the same input, dataset and size, consistent slices), and adds them up.
func MergeParts(parts []*Part) (*Merged, error) {
	if len(parts) == 0 {
		return nil, fmt.Errorf("no parts")
	}
	p0 := parts[0]
	sorted := append([]*Part(nil), parts...)
	sort.Slice(sorted, func(a, b int) bool { return sorted[a].Shard < sorted[b].Shard })
	m := &Merged{Input: p0.Input, Dataset: p0.Dataset, Simulated: p0.Simulated}
	for k, p := range sorted {
		switch {
		case p.Input != p0.Input || p.Dataset != p0.Dataset || p.Shards != p0.Shards || p.Total != p0.Total || p.Simulated != p0.Simulated:
			return nil, fmt.Errorf("shard %d/%d (%s on %s, %d images) is not of the same evaluation as shard %d/%d (%s on %s, %d images)",
				p.Shard, p.Shards, p.Input, p.Dataset, p.Total, p0.Shard, p0.Shards, p0.Input, p0.Dataset, p0.Total)
		case p.Shard != k:
			if k > 0 && sorted[k-1].Shard == p.Shard {
				return nil, fmt.Errorf("shard %d/%d given twice", p.Shard, p.Shards)
			}
			return nil, fmt.Errorf("shard %d/%d missing", k, p0.Shards)
		}
		if lo, hi := Shard(p.Total, p.Shard, p.Shards); p.First != lo || p.Images != hi-lo || len(p.Pred) != p.Images || p.Correct < 0 || p.Correct > p.Images {
			return nil, fmt.Errorf("shard %d/%d: images %d from %d with %d predictions and %d correct, want %d from %d", p.Shard, p.Shards, p.Images, p.First, len(p.Pred), p.Correct, hi-lo, lo)
		}
		m.Images += p.Images
		m.Correct += p.Correct
		m.Pred = append(m.Pred, p.Pred...)
		m.LatencyNS += p.LatencyNSum
		m.EnergyPJ += p.EnergyPJSum
	}
	if len(sorted) != p0.Shards {
		return nil, fmt.Errorf("%d of %d shards given: shard %d/%d missing", len(sorted), p0.Shards, len(sorted), p0.Shards)
	}
	if m.Images > 0 {
		m.LatencyNS /= float64(m.Images)
		m.EnergyPJ /= float64(m.Images)
	}
	return m, nil
}
