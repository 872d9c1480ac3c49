package htmlreport

import "fmt"

// ParetoPoint is one design point of a sweep (a row of pimc sweep): its
// objectives per image and whether it is on the sweep's Pareto front
// (no other point at least as good on energy, latency, used area and
// accuracy and better on one).
type ParetoPoint struct {
	Name                string
	LatencyNS, EnergyPJ float64
	AreaMM2             float64 // used by the program
	Accuracy            float64 // fraction
	Front               bool
}

// ParetoCharts are three projections of a sweep's points: energy against
// latency, accuracy against energy and accuracy against used area; the
// points of the (four-objective) front are filled, the others rings.
func ParetoCharts(pts []ParetoPoint) []*XYChart {
	mE, mL := 0.0, 0.0
	for _, p := range pts {
		mE, mL = max(mE, p.EnergyPJ), max(mL, p.LatencyNS)
	}
	eu, ediv := energyUnit(mE)
	tu, tdiv := timeUnit(mL)
	note := "Filled: on the Pareto front of energy, latency, used area and accuracy (maybe for an objective not shown here)."
	type axis struct {
		label string
		get   func(ParetoPoint) float64
	}
	energy := axis{"energy per image (" + eu + ")", func(p ParetoPoint) float64 { return p.EnergyPJ / ediv }}
	latency := axis{"latency per image (" + tu + ")", func(p ParetoPoint) float64 { return p.LatencyNS / tdiv }}
	area := axis{"area used (mm2)", func(p ParetoPoint) float64 { return p.AreaMM2 }}
	acc := axis{"accuracy (%)", func(p ParetoPoint) float64 { return 100 * p.Accuracy }}
	var out []*XYChart
	for _, c := range []struct {
		id, title string
		x, y      axis
	}{
		{"pareto-energy-latency", "Energy against latency", latency, energy},
		{"pareto-accuracy-energy", "Accuracy against energy", energy, acc},
		{"pareto-accuracy-area", "Accuracy against used area", area, acc},
	} {
		ch := &XYChart{ID: c.id, Title: c.title, XLabel: c.x.label, YLabel: c.y.label, Note: note,
			Series: []XYSeries{{Name: "Pareto front", Filled: true}, {Name: "dominated"}}}
		for _, p := range pts {
			s := 1
			if p.Front {
				s = 0
			}
			ch.Series[s].Points = append(ch.Series[s].Points, XYPoint{X: c.x.get(p), Y: c.y.get(p), Label: p.Name})
		}
		out = append(out, ch)
	}
	return out
}

// Table is a table of a page section: a header and rows of cells.
type Table struct {
	Head []string
	Rows [][]string
}

func (t *Table) html() string {
	s := "<table><thead><tr>"
	for _, h := range t.Head {
		s += fmt.Sprintf("<th>%s</th>", esc(h))
	}
	s += "</tr></thead><tbody>\n"
	for _, r := range t.Rows {
		s += "<tr>"
		for _, c := range r {
			s += fmt.Sprintf("<td>%s</td>", esc(c))
		}
		s += "</tr>\n"
	}
	return s + "</tbody></table>\n"
}
