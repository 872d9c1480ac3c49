package sweep

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/pimc-dev/pimc/data"
	"github.com/pimc-dev/pimc/driver"
	"github.com/pimc-dev/pimc/evaluate"
	"github.com/pimc-dev/pimc/frontend"
	"github.com/pimc-dev/pimc/internal/outfile"
	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/passes"
	"github.com/pimc-dev/pimc/pimrt"
)

// Options configure Run.
type Options struct {
	// Jobs is the number of points computed at once (< 1: all cores); a
	// point gets the cores left over when there are fewer points than
	// Jobs. The rows do not depend on it.
	Jobs int
	// Task >= 0 computes point Task only and assembles nothing (a task
	// of a job array); < 0: every point, then the results.
	Task int
	// Progress, when not nil, is called with the points done (computed or
	// found) of the points to do.
	Progress func(done, total int)
}

// Summary is what a Run did.
type Summary struct {
	Points, Computed, Skipped int
	// Failed lists the points computed or found with an error row.
	Failed []string
	Wall   time.Duration
	// Rows are the assembled rows (nil for a Task).
	Rows []Row
}

// PointFile is the content of DIR/points/HASH.json.
type PointFile struct {
	Row Row `json:"row"`
	// WallSeconds is how long the point took to compile and evaluate
	// (not part of the row: it varies from run to run).
	WallSeconds float64 `json:"wall_seconds"`
}

// Run computes the points of pl that have no result in dir yet (all of
// them, or opt.Task), writing each to dir/points/HASH.json atomically, and
// without a Task assembles dir/results.csv, results.jsonl and pareto.csv.
func Run(pl *Plan, dir string, opt Options) (*Summary, error) {
	start := time.Now()
	if opt.Task >= len(pl.Points) {
		return nil, fmt.Errorf("-task %d: the spec has %d points (0..%d)", opt.Task, len(pl.Points), len(pl.Points)-1)
	}
	if err := outfile.MkdirAll(filepath.Join(dir, "points")); err != nil {
		return nil, err
	}
	if err := WritePlan(pl, dir); err != nil {
		return nil, err
	}
	todo := pl.Points
	if opt.Task >= 0 {
		todo = pl.Points[opt.Task : opt.Task+1]
	}
	sum := &Summary{Points: len(todo)}
	var compute []*Point
	for _, p := range todo {
		if pf, err := readPoint(dir, p.Hash); err == nil {
			sum.Skipped++
			if pf.Row.Error != "" {
				sum.Failed = append(sum.Failed, p.Config.Name)
			}
		} else {
			compute = append(compute, p)
		}
	}
	done := sum.Skipped
	if opt.Progress != nil {
		opt.Progress(done, len(todo))
	}
	if len(compute) > 0 {
		ds, err := data.LoadTest(pl.Spec.datasetPath(), pl.Spec.Limit)
		if err != nil {
			return nil, err
		}
		workers := opt.Jobs
		if workers < 1 {
			workers = runtime.GOMAXPROCS(0)
		}
		evalJobs := max(1, workers/len(compute))
		workers = max(1, min(workers, len(compute)))
		var mu sync.Mutex
		var firstErr error
		next := make(chan *Point)
		var wg sync.WaitGroup
		for range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for p := range next {
					pf := computePoint(p, dir, ds, evalJobs)
					err := writePoint(dir, pf)
					mu.Lock()
					if err != nil && firstErr == nil {
						firstErr = err
					}
					if pf.Row.Error != "" {
						sum.Failed = append(sum.Failed, p.Config.Name)
					}
					sum.Computed++
					done++
					if opt.Progress != nil {
						opt.Progress(done, len(todo))
					}
					mu.Unlock()
				}
			}()
		}
		for _, p := range compute {
			next <- p
		}
		close(next)
		wg.Wait()
		if firstErr != nil {
			return nil, firstErr
		}
	}
	if opt.Task < 0 {
		rows, err := Merge(dir)
		if err != nil {
			return nil, err
		}
		sum.Rows = rows
	}
	sort.Strings(sum.Failed)
	sum.Wall = time.Since(start)
	return sum, nil
}

// computePoint compiles, loads and evaluates one point; a failure is the
// row's Error.
func computePoint(p *Point, dir string, ds *data.Dataset, jobs int) *PointFile {
	t0 := time.Now()
	row, err := evaluatePoint(p, dir, ds, jobs)
	if err != nil {
		row = Row{Index: p.Index, Hash: p.Hash, Config: p.Config, Error: err.Error()}
	}
	return &PointFile{Row: row, WallSeconds: time.Since(t0).Seconds()}
}

// evaluatePoint compresses the point's model (when it has a compression),
// compiles it and evaluates it, on FaultSeeds chip instances when it has
// faults (the row's accuracy is then their mean).
func evaluatePoint(p *Point, dir string, ds *data.Dataset, jobs int) (Row, error) {
	model := p.Model
	if p.compress != nil {
		var err error
		if model, err = compressedModel(p, dir); err != nil {
			return Row{}, err
		}
	}
	g, err := loadModel(p.File, model)
	if err != nil {
		return Row{}, err
	}
	c := p.Config
	opt := driver.Options{Target: p.Target, WBits: c.WBits, ABits: c.ABits, Calib: p.CalibPath, Replicate: c.Replicate}
	if !c.KeepEnds {
		// Options has no keep-ends: the default pipeline spelt out with it.
		opt.Flags = &passes.DebugFlags{VerifyEach: true,
			Passes: fmt.Sprintf("canonicalize,quantize{wbits=%d,abits=%d,calib=%q,keep-ends=false},map{replicate=%q}", c.WBits, c.ABits, p.CalibPath, c.Replicate)}
	}
	res, err := driver.Compile(g, opt)
	if err != nil {
		return Row{}, fmt.Errorf("compile: %w", err)
	}
	m, err := pimrt.Load(res.Prog, res.Target)
	if err != nil {
		return Row{}, err
	}
	if p.faults == nil {
		r, err := evaluate.Program(m, ds, evaluate.Options{Jobs: jobs})
		if err != nil {
			return Row{}, fmt.Errorf("evaluate: %w", err)
		}
		return rowOf(p, r), nil
	}
	var rs []*evaluate.Result
	for k := range c.FaultSeeds {
		chip, err := m.Exe.NewChip(*p.faults, c.Seed+uint64(k))
		if err != nil {
			return Row{}, err
		}
		r, err := evaluate.Program(m, ds, evaluate.Options{Jobs: jobs, Chip: chip})
		if err != nil {
			return Row{}, fmt.Errorf("evaluate (faults %s, seed %d): %w", c.Faults, chip.Seed, err)
		}
		rs = append(rs, r)
	}
	row := rowOf(p, rs[0])
	row.Images, row.Correct = 0, 0
	for _, r := range rs {
		row.Images += r.Images
		row.Correct += r.Correct
	}
	row.Accuracy, row.AccuracyStd = evaluate.AccuracyStats(rs)
	return row, nil
}

// loadModel imports an ONNX model or parses a .pir from its bytes.
func loadModel(file string, b []byte) (*ir.Graph, error) {
	if !strings.HasSuffix(file, ".pir") {
		return frontend.Import(file, b, frontend.Options{})
	}
	g, err := ir.Parse(file, b)
	if err != nil {
		return nil, err
	}
	if err := ir.Verify(g); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return g, nil
}

func pointPath(dir, hash string) string { return filepath.Join(dir, "points", hash+".json") }

// readPoint reads a point's result file; a missing, unreadable or foreign
// file (another hash) is an error, and the point is computed again.
func readPoint(dir, hash string) (*PointFile, error) {
	b, err := os.ReadFile(pointPath(dir, hash))
	if err != nil {
		return nil, err
	}
	var pf PointFile
	if err := json.Unmarshal(b, &pf); err != nil {
		return nil, fmt.Errorf("%s: %w", pointPath(dir, hash), err)
	}
	if pf.Row.Hash != hash {
		return nil, fmt.Errorf("%s: holds point %q", pointPath(dir, hash), pf.Row.Hash)
	}
	return &pf, nil
}

func writePoint(dir string, pf *PointFile) error {
	b, err := json.MarshalIndent(pf, "", "  ")
	if err != nil {
		return err
	}
	return outfile.WriteFile(pointPath(dir, pf.Row.Hash), append(b, '\n'), 0o644)
}

// planEntry is a point in DIR/plan.json: the order Merge assembles in.
type planEntry struct {
	Index int    `json:"index"`
	Name  string `json:"name"`
	Hash  string `json:"hash"`
}

const planFile = "plan.json"

// WritePlan writes DIR/plan.json: the points in spec order with their
// hashes, what Merge assembles by.
func WritePlan(pl *Plan, dir string) error {
	var es []planEntry
	for _, p := range pl.Points {
		es = append(es, planEntry{p.Index, p.Config.Name, p.Hash})
	}
	b, err := json.MarshalIndent(struct {
		Points []planEntry `json:"points"`
	}{es}, "", "  ")
	if err != nil {
		return err
	}
	return outfile.WriteFile(filepath.Join(dir, planFile), append(b, '\n'), 0o644)
}

// ErrIncomplete is wrapped by Merge's error when points have no result.
var ErrIncomplete = errors.New("points without a result")
