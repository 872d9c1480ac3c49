package sweep

import (
	"github.com/pimc-dev/pimc/evaluate"
)

// Row is a point's result: its parameters and the evaluation's accuracy
// and per-image hardware figures (means over the evaluated images, as pimc
// eval prints them). Error is set instead of the figures when the point
// could not be compiled or run (a model that does not fit the target): a
// property of the point, kept like a result.
type Row struct {
	Index int    `json:"index"`
	Hash  string `json:"hash"`
	Config
	Images   int     `json:"images"`
	Correct  int     `json:"correct"`
	Accuracy float64 `json:"accuracy"`
	// AccuracyStd is the sample std of the accuracy over the chip
	// instances of a point with faults (Images and Correct then add up
	// over them; Accuracy is their mean); 0 otherwise.
	AccuracyStd    float64 `json:"accuracy_std"`
	LatencyNS      float64 `json:"latency_ns"`
	EnergyPJ       float64 `json:"energy_pj"`
	PowerMW        float64 `json:"power_mw"`
	AreaChipMM2    float64 `json:"area_chip_mm2"`
	AreaUsedMM2    float64 `json:"area_used_mm2"`
	FPS            float64 `json:"fps"`
	GOPS           float64 `json:"gops"`
	TOPSPerW       float64 `json:"tops_per_w"`
	SubarraysUsed  int     `json:"subarrays_used"`
	SubarraysTotal int     `json:"subarrays_total"`
	Error          string  `json:"error,omitempty"`
	// Pareto is set when assembling: the row is on the Pareto front of
	// energy, latency, used area (lower is better) and accuracy (higher).
	Pareto bool `json:"pareto"`
}

// rowOf fills a row from an evaluation.
func rowOf(p *Point, r *evaluate.Result) Row {
	rep := r.Report
	in := rep.PerInference
	return Row{
		Index: p.Index, Hash: p.Hash, Config: p.Config,
		Images: r.Images, Correct: r.Correct, Accuracy: r.Accuracy(),
		LatencyNS: in.LatencyNS, EnergyPJ: in.Energy.Total, PowerMW: in.AvgPowerMW,
		AreaChipMM2: rep.AreaTotalUM2 / 1e6, AreaUsedMM2: rep.AreaUsedUM2 / 1e6,
		FPS: rep.FPS, GOPS: rep.GOPS, TOPSPerW: rep.TOPSPerW,
		SubarraysUsed: rep.SubarraysUsed, SubarraysTotal: rep.SubarraysTotal,
	}
}

// dominates says a is at least as good as b on every objective and better
// on one.
func dominates(a, b *Row) bool {
	le := a.EnergyPJ <= b.EnergyPJ && a.LatencyNS <= b.LatencyNS && a.AreaUsedMM2 <= b.AreaUsedMM2 && a.Accuracy >= b.Accuracy
	lt := a.EnergyPJ < b.EnergyPJ || a.LatencyNS < b.LatencyNS || a.AreaUsedMM2 < b.AreaUsedMM2 || a.Accuracy > b.Accuracy
	return le && lt
}

// markPareto sets Pareto on the rows no other row dominates (rows with an
// error are never on the front).
func markPareto(rows []Row) {
	for i := range rows {
		rows[i].Pareto = rows[i].Error == ""
		for j := range rows {
			if rows[i].Pareto && j != i && rows[j].Error == "" && dominates(&rows[j], &rows[i]) {
				rows[i].Pareto = false
			}
		}
	}
}
