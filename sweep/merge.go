package sweep

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/pimc-dev/pimc/internal/outfile"
)

// Output files of a sweep folder.
const (
	ResultsCSV   = "results.csv"
	ResultsJSONL = "results.jsonl"
	ParetoCSV    = "pareto.csv"
)

// Merge assembles dir/results.csv, results.jsonl (every point of
// dir/plan.json in order, the pareto column set), pareto.csv (the rows
// on the front) and report.html (Page) from dir/points. Points without a result are an error
// (wrapping ErrIncomplete) naming them, and nothing is written.
func Merge(dir string) ([]Row, error) {
	b, err := os.ReadFile(filepath.Join(dir, planFile))
	if err != nil {
		return nil, fmt.Errorf("%w (run pimc sweep SPEC -o %s first)", err, dir)
	}
	var plan struct {
		Points []planEntry `json:"points"`
	}
	if err := json.Unmarshal(b, &plan); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, planFile), err)
	}
	var rows []Row
	var missing []string
	for _, e := range plan.Points {
		pf, err := readPoint(dir, e.Hash)
		if err != nil {
			missing = append(missing, fmt.Sprintf("%d (%s)", e.Index, e.Name))
			continue
		}
		pf.Row.Index = e.Index
		rows = append(rows, pf.Row)
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("%s: %d of %d %w: %s", dir, len(missing), len(plan.Points), ErrIncomplete, strings.Join(missing, ", "))
	}
	markPareto(rows)
	var front []Row
	for _, r := range rows {
		if r.Pareto {
			front = append(front, r)
		}
	}
	var jl bytes.Buffer
	for _, r := range rows {
		line, err := json.Marshal(r)
		if err != nil {
			return nil, err
		}
		jl.Write(append(line, '\n'))
	}
	page, err := pageHTML(rows)
	if err != nil {
		return nil, err
	}
	for name, content := range map[string][]byte{ResultsCSV: csvOf(rows), ParetoCSV: csvOf(front), ResultsJSONL: jl.Bytes(), ReportHTML: page} {
		if err := outfile.WriteFile(filepath.Join(dir, name), content, 0o644); err != nil {
			return nil, err
		}
	}
	return rows, nil
}

// csvHeader are the CSV columns, named as the JSON fields.
var csvHeader = []string{"index", "name", "model", "compress", "wbits", "abits", "keep_ends", "target", "faults", "fault_seeds", "seed", "calib", "replicate", "dataset", "limit",
	"images", "correct", "accuracy", "accuracy_std", "latency_ns", "energy_pj", "power_mw", "area_chip_mm2", "area_used_mm2",
	"fps", "gops", "tops_per_w", "subarrays_used", "subarrays_total", "pareto", "error", "hash"}

func csvOf(rows []Row) []byte {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	_ = w.Write(csvHeader)
	f := func(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }
	i := strconv.Itoa
	for _, r := range rows {
		_ = w.Write([]string{i(r.Index), r.Name, r.Model, r.Compress, i(r.WBits), i(r.ABits), strconv.FormatBool(r.KeepEnds), r.Target,
			r.Faults, i(r.FaultSeeds), strconv.FormatUint(r.Seed, 10), r.Calib, r.Replicate, r.Dataset, i(r.Limit),
			i(r.Images), i(r.Correct), f(r.Accuracy), f(r.AccuracyStd), f(r.LatencyNS), f(r.EnergyPJ), f(r.PowerMW), f(r.AreaChipMM2), f(r.AreaUsedMM2),
			f(r.FPS), f(r.GOPS), f(r.TOPSPerW), i(r.SubarraysUsed), i(r.SubarraysTotal), strconv.FormatBool(r.Pareto), r.Error, r.Hash})
	}
	w.Flush()
	return b.Bytes()
}
