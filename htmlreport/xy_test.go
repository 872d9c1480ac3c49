package htmlreport

import (
	"bytes"
	"encoding/csv"
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/pimc-dev/pimc/sim"
)

var pointRE = regexp.MustCompile(`<circle class="point" cx="([^"]*)" cy="([^"]*)" r="4" fill="[^"]*" stroke="[^"]*" stroke-width="1.5" data-series="([^"]*)" data-label="([^"]*)" data-x="([^"]*)" data-y="([^"]*)" data-err="([^"]*)">`)

type xyMark struct {
	cx, cy, x, y, err float64
	series, label     string
}

// xyMarks returns the points of the figure with id in the page.
func xyMarks(t *testing.T, page, id string) []xyMark {
	t.Helper()
	i := strings.Index(page, `id="`+id+`"`)
	if i < 0 {
		t.Fatalf("no figure %q in the page", id)
	}
	svg := page[i:]
	svg = svg[:strings.Index(svg, "</svg>")]
	var out []xyMark
	f := func(s string) float64 { v, _ := strconv.ParseFloat(s, 64); return v }
	for _, m := range pointRE.FindAllStringSubmatch(svg, -1) {
		out = append(out, xyMark{f(m[1]), f(m[2]), f(m[5]), f(m[6]), f(m[7]), m[3], m[4]})
	}
	return out
}

// faultPoints are a fault curve's points: the fault-free accuracy and
// three rates of sense errors over three chips.
func faultPoints() []sim.FaultPoint {
	seeds := []uint64{1, 2, 3}
	return []sim.FaultPoint{
		{Faults: "sense=0", Kind: "sense", Rate: 0, Seeds: seeds, Accuracy: []float64{0.99, 0.99, 0.99}, Mean: 0.99, Images: 100},
		{Faults: "sense=1e-3", Kind: "sense", Rate: 1e-3, Seeds: seeds, Accuracy: []float64{0.98, 0.99, 0.97}, Mean: 0.98, Std: 0.01, Images: 100},
		{Faults: "sense=1e-2", Kind: "sense", Rate: 1e-2, Seeds: seeds, Accuracy: []float64{0.7, 0.8, 0.75}, Mean: 0.75, Std: 0.05, Images: 100},
		{Faults: "sense=1e-1", Kind: "sense", Rate: 1e-1, Seeds: seeds, Accuracy: []float64{0.1, 0.1, 0.1}, Mean: 0.1, Images: 100},
	}
}

func faultCurveChart() *XYChart {
	return FaultCurve(Run{Name: "w4a4", Report: &sim.Report{FaultPoints: faultPoints()}})
}

func paretoPoints() []ParetoPoint {
	return []ParetoPoint{
		{Name: "a", LatencyNS: 4e5, EnergyPJ: 2.5e6, AreaMM2: 0.35, Accuracy: 0.99, Front: true},
		{Name: "b", LatencyNS: 2e5, EnergyPJ: 1.5e6, AreaMM2: 0.30, Accuracy: 0.97, Front: true},
		{Name: "c", LatencyNS: 5e5, EnergyPJ: 3.0e6, AreaMM2: 0.40, Accuracy: 0.96},
	}
}

func paretoChart() *XYChart { return ParetoCharts(paretoPoints())[0] }

// TestFaultCurveChart: every rate > 0 is a point carrying the mean and
// std of its accuracy in %, placed on a log axis (equal steps for equal
// ratios) and higher for a higher accuracy; the fault-free point is the
// reference line; the CSV holds the same numbers.
func TestFaultCurveChart(t *testing.T) {
	pts := faultPoints()
	p := &Page{Title: "t", Runs: []Run{{Name: "w4a4", Report: &sim.Report{FaultPoints: pts}}}}
	var buf bytes.Buffer
	if err := p.Write(&buf); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	ms := xyMarks(t, page, "fault-curve")
	if len(ms) != 3 {
		t.Fatalf("%d points, want 3", len(ms))
	}
	for i, m := range ms {
		want := pts[i+1]
		if m.series != "sense" || m.x != want.Rate || !near(m.y, 100*want.Mean) || !near(m.err, 100*want.Std) {
			t.Errorf("point %d: %+v, want %+v", i, m, want)
		}
		if i > 0 && !(m.cy > ms[i-1].cy) { // lower accuracy: lower on the page
			t.Errorf("point %d at y %g, the previous at %g", i, m.cy, ms[i-1].cy)
		}
	}
	if d1, d2 := ms[1].cx-ms[0].cx, ms[2].cx-ms[1].cx; d1 <= 0 || math.Abs(d1-d2) > 0.02 {
		t.Errorf("a decade is %g px, then %g: not a log axis", d1, d2)
	}
	if !strings.Contains(page, `data-label="sense=0: no faults" data-y="99"`) {
		t.Error("no reference line at the fault-free accuracy")
	}
	var csvBuf bytes.Buffer
	if err := FaultCurve(p.Runs[0]).WriteCSV(&csvBuf); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&csvBuf).ReadAll()
	if err != nil || len(recs) != 5 || recs[2][2] != "0.01" || recs[2][3] != "75" || recs[2][4] != "5" || recs[4][0] != "reference" || recs[4][3] != "99" {
		t.Errorf("CSV %v %v", recs, err)
	}
	// No rate > 0: no curve.
	if FaultCurve(Run{Report: &sim.Report{FaultPoints: pts[:1]}}) != nil {
		t.Error("a curve of the fault-free point alone")
	}
}

// TestParetoCharts: each projection has every point once, the front's
// filled in the "Pareto front" series, at its objectives in the charts'
// units, drawn further right and higher for larger values.
func TestParetoCharts(t *testing.T) {
	pts := paretoPoints()
	p := &Page{Title: "sweep", Sections: []Section{{Title: "Pareto front", Figures: []Figure{}}}}
	for _, c := range ParetoCharts(pts) {
		p.Sections[0].Figures = append(p.Sections[0].Figures, c)
	}
	p.Sections[0].Table = &Table{Head: []string{"name", "accuracy"}, Rows: [][]string{{"a<b", "99%"}}}
	var buf bytes.Buffer
	if err := p.Write(&buf); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	if strings.Contains(page, "<h2>Summary</h2>") || !strings.Contains(page, "<td>a&lt;b</td><td>99%</td>") {
		t.Error("a page of sections: no summary, the table escaped")
	}
	for _, c := range []struct {
		id   string
		x, y func(ParetoPoint) float64
	}{
		{"pareto-energy-latency", func(p ParetoPoint) float64 { return p.LatencyNS / 1e3 }, func(p ParetoPoint) float64 { return p.EnergyPJ / 1e6 }}, // us, uJ
		{"pareto-accuracy-energy", func(p ParetoPoint) float64 { return p.EnergyPJ / 1e6 }, func(p ParetoPoint) float64 { return 100 * p.Accuracy }},
		{"pareto-accuracy-area", func(p ParetoPoint) float64 { return p.AreaMM2 }, func(p ParetoPoint) float64 { return 100 * p.Accuracy }},
	} {
		ms := xyMarks(t, page, c.id)
		if len(ms) != len(pts) {
			t.Fatalf("%s: %d points", c.id, len(ms))
		}
		by := map[string]xyMark{}
		for _, m := range ms {
			by[m.label] = m
		}
		for _, q := range pts {
			m := by[q.Name]
			if !near(m.x, c.x(q)) || !near(m.y, c.y(q)) || (m.series == "Pareto front") != q.Front {
				t.Errorf("%s %s: %+v, want x %g y %g front %v", c.id, q.Name, m, c.x(q), c.y(q), q.Front)
			}
			for _, o := range ms {
				if (o.x > m.x) != (o.cx > m.cx) || (o.y > m.y) != (o.cy < m.cy) {
					t.Errorf("%s: %s and %s drawn out of order", c.id, m.label, o.label)
				}
			}
		}
	}
	if got := len(p.Figures()); got != 3 {
		t.Errorf("%d figures, want 3", got)
	}
}
