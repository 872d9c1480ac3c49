package htmlreport

import (
	"bytes"
	"encoding/csv"
	"image/png"
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/pimc-dev/pimc/driver"
	"github.com/pimc-dev/pimc/frontend"
	"github.com/pimc-dev/pimc/internal/buildinfo"
	"github.com/pimc-dev/pimc/internal/lenet5"
	"github.com/pimc-dev/pimc/ir/tensor"
	"github.com/pimc-dev/pimc/pimrt"
	"github.com/pimc-dev/pimc/sim"
	"github.com/pimc-dev/pimc/target"
)

// lenetReport compiles the embedded LeNet-5 at W/A bits (random
// calibration) and simulates two images, recording the timeline: a real
// report to draw.
func lenetReport(t *testing.T, wbits, abits int) *sim.Report {
	t.Helper()
	g, err := frontend.Import(lenet5.Name, lenet5.ONNX, frontend.Options{})
	if err != nil {
		t.Fatal(err)
	}
	tgt, err := target.LoadOrPreset("")
	if err != nil {
		t.Fatal(err)
	}
	res, err := driver.Compile(g, driver.Options{Target: tgt, WBits: wbits, ABits: abits})
	if err != nil {
		t.Fatal(err)
	}
	m, err := pimrt.Load(res.Prog, tgt)
	if err != nil {
		t.Fatal(err)
	}
	m.Exe.RecordTimeline(true)
	var batch [][]*tensor.Tensor
	for k := range 2 {
		x := tensor.New(tensor.Float32, 1, 1, 28, 28)
		xs := x.Float32s()
		for i := range xs {
			xs[i] = float32((i*7+k*13)%29) / 29
		}
		batch = append(batch, []*tensor.Tensor{x})
	}
	_, rep, err := m.RunBatch(batch, sim.BatchOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

var barRE = regexp.MustCompile(`<rect class="bar" x="[^"]*" y="[^"]*" width="([^"]*)" height="[^"]*" fill="[^"]*" data-series="([^"]*)" data-label="([^"]*)" data-value="([^"]*)">`)

type bar struct {
	width, value  float64
	series, label string
}

// chartBars returns the bars of the chart with id in the page.
func chartBars(t *testing.T, page, id string) []bar {
	t.Helper()
	i := strings.Index(page, `id="`+id+`"`)
	if i < 0 {
		t.Fatalf("no chart %q in the page", id)
	}
	svg := page[i:]
	svg = svg[:strings.Index(svg, "</svg>")]
	var bars []bar
	for _, m := range barRE.FindAllStringSubmatch(svg, -1) {
		w, _ := strconv.ParseFloat(m[1], 64)
		v, _ := strconv.ParseFloat(m[4], 64)
		bars = append(bars, bar{w, v, m[2], m[3]})
	}
	return bars
}

func near(a, b float64) bool {
	return math.Abs(a-b) <= 1e-9*math.Max(1, math.Max(math.Abs(a), math.Abs(b)))
}

// TestChartsShowTheReport: the bars carry the report's numbers and their
// lengths are proportional to them; the page is self-contained.
func TestChartsShowTheReport(t *testing.T) {
	r8, r4 := lenetReport(t, 8, 8), lenetReport(t, 4, 4)
	p := &Page{Title: "LeNet-5", Build: buildinfo.Read(), Command: "go test",
		Runs: []Run{{Name: "W8A8", Report: r8, Accuracy: 0.99, HasAccuracy: true, Images: 2}, {Name: "W4A4", Report: r4}}}
	var buf bytes.Buffer
	if err := p.Write(&buf); err != nil {
		t.Fatal(err)
	}
	page := buf.String()

	// Per-layer energy of the first run: each layer's stacked segments add
	// up to its total, in the chart's unit.
	unit, div := energyUnit(maxSourceEnergy(r8))
	if !strings.Contains(page, "energy per layer by component ("+unit+")") {
		t.Errorf("the energy chart does not say its unit %s", unit)
	}
	sums := map[string]float64{}
	for _, b := range chartBars(t, page, "layer-energy-1") {
		sums[b.label] += b.value
	}
	n := 0
	for _, s := range r8.Sources {
		if s.Energy.Total == 0 && s.LatencyNS == 0 {
			continue
		}
		n++
		if !near(sums[s.Layer], s.Energy.Total/div) {
			t.Errorf("layer %s: bars add up to %g %s, the report says %g", s.Layer, sums[s.Layer], unit, s.Energy.Total/div)
		}
	}
	if n == 0 || len(sums) != n {
		t.Errorf("%d layers with work, %d in the chart", n, len(sums))
	}

	// Latency per layer: the bars are the report's latencies, and a bar's
	// width is proportional to its value across the chart.
	tu, tdiv := timeUnit(maxSourceTime(r4))
	var lat []bar
	for _, b := range chartBars(t, page, "layer-latency-2") {
		if b.series == "latency (controller time charged)" {
			lat = append(lat, b)
		}
	}
	longest := bar{}
	for _, b := range lat {
		if b.value > longest.value {
			longest = b
		}
	}
	if longest.value <= 0 {
		t.Fatal("no latency bar")
	}
	ratio := longest.width / longest.value
	for _, b := range lat {
		found := false
		for _, s := range r4.Sources {
			if s.Layer == b.label {
				found = true
				if !near(b.value, s.LatencyNS/tdiv) {
					t.Errorf("latency bar %s = %g %s, report %g", b.label, b.value, tu, s.LatencyNS/tdiv)
				}
			}
		}
		if !found {
			t.Errorf("latency bar %q is no layer of the report", b.label)
		}
		if math.Abs(b.width-b.value*ratio) > 0.01 { // widths are printed to 1/100 px
			t.Errorf("bar %s: width %g for %g, not proportional (%g px per unit)", b.label, b.width, b.value, ratio)
		}
	}

	// The comparison: one energy bar stack per run, adding up to its total.
	cmp := map[string]float64{}
	for _, b := range chartBars(t, page, "compare-energy") {
		cmp[b.label] += b.value
	}
	eu, ediv := energyUnit(max(r8.PerInference.Energy.Total, r4.PerInference.Energy.Total))
	for name, r := range map[string]*sim.Report{"W8A8": r8, "W4A4": r4} {
		if !near(cmp[name], r.PerInference.Energy.Total/ediv) {
			t.Errorf("compare-energy %s = %g %s, report %g", name, cmp[name], eu, r.PerInference.Energy.Total/ediv)
		}
	}
	acc := chartBars(t, page, "compare-accuracy")
	if len(acc) != 1 || acc[0].value != 99 {
		t.Errorf("accuracy chart = %+v, want one bar of 99%%", acc)
	}
	if got := strings.Count(page, `<svg `); got < 4 {
		t.Errorf("%d charts, want at least 4", got)
	}

	// Self-contained: nothing fetched, nothing run.
	for _, bad := range []string{"<script", "<link", "@import", "src=", "https://"} {
		if strings.Contains(page, bad) {
			t.Errorf("the page contains %q", bad)
		}
	}
	if strings.Count(page, "http://") != strings.Count(page, `xmlns="http://www.w3.org/2000/svg"`) {
		t.Error("the page refers to an address other than the SVG namespace")
	}
}

func maxSourceEnergy(r *sim.Report) float64 {
	m := 0.0
	for _, s := range r.Sources {
		m = max(m, s.Energy.Total)
	}
	return m
}

func maxSourceTime(r *sim.Report) float64 {
	m := 0.0
	for _, s := range r.Sources {
		m = max(m, s.LatencyNS, s.BoundNS)
	}
	return m
}

// TestCSV: a chart's CSV holds its rows and values exactly.
func TestCSV(t *testing.T) {
	c := &BarChart{ID: "x", Unit: "uJ", Series: []string{"a", "b"}, Stacked: true,
		Rows: []BarRow{{"conv, 1", []float64{1.5, 2}}, {"fc", []float64{0.1, 1e-7}}}}
	var buf bytes.Buffer
	if err := c.WriteCSV(&buf); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{{"category", "a (uJ)", "b (uJ)"}, {"conv, 1", "1.5", "2"}, {"fc", "0.1", "1e-07"}}
	if len(recs) != len(want) {
		t.Fatalf("csv = %q", recs)
	}
	for i := range want {
		if strings.Join(recs[i], "|") != strings.Join(want[i], "|") {
			t.Errorf("line %d = %q, want %q", i, recs[i], want[i])
		}
	}
}

// TestBarGeometry: zero, negative and NaN values draw no bar length, the
// longest row fills the plot, and labels are escaped.
func TestBarGeometry(t *testing.T) {
	c := &BarChart{ID: "g", Title: "a<b", Series: []string{"s"},
		Rows: []BarRow{{"<x>", []float64{10}}, {"y", []float64{5}}, {"z", []float64{0}}, {"n", []float64{-3}}}}
	svg := c.SVG()
	if strings.Contains(svg, "<x>") || !strings.Contains(svg, "&lt;x&gt;") {
		t.Error("a label is not escaped")
	}
	bars := chartBars(t, svg, "g")
	if len(bars) != 4 {
		t.Fatalf("%d bars, want 4", len(bars))
	}
	full := float64(chartWidth - labelWidth - valueWidth)
	if !near(bars[0].width, full) || !near(bars[1].width, full/2) || bars[2].width != 0 || bars[3].width != 0 {
		t.Errorf("widths %g %g %g %g, want %g %g 0 0", bars[0].width, bars[1].width, bars[2].width, bars[3].width, full, full/2)
	}
}

// TestConfusion: the cells count label/prediction pairs; out-of-range
// pairs are dropped; the drawing carries every cell.
func TestConfusion(t *testing.T) {
	c := NewConfusion([]int32{0, 0, 1, 2, 2, 2, 5}, []int32{0, 1, 1, 2, 0, 2, 1}, 3)
	want := [][]int{{1, 1, 0}, {0, 1, 0}, {1, 0, 2}}
	for i := range want {
		for j := range want[i] {
			if c.Counts[i][j] != want[i][j] {
				t.Fatalf("counts = %v, want %v", c.Counts, want)
			}
		}
	}
	svg := c.SVG("cm", "confusion")
	cells := regexp.MustCompile(`data-true="(\d)" data-pred="(\d)" data-value="(\d+)"`).FindAllStringSubmatch(svg, -1)
	if len(cells) != 9 {
		t.Fatalf("%d cells, want 9", len(cells))
	}
	for _, m := range cells {
		i, _ := strconv.Atoi(m[1])
		j, _ := strconv.Atoi(m[2])
		v, _ := strconv.Atoi(m[3])
		if v != want[i][j] {
			t.Errorf("cell %d,%d = %d, want %d", i, j, v, want[i][j])
		}
	}
}

// TestFloorplan: one cell per sub-array of the report, at its bank and
// position, carrying its layer and busy fraction.
func TestFloorplan(t *testing.T) {
	r := lenetReport(t, 8, 8)
	if len(r.Subarrays) == 0 || r.Banks == 0 {
		t.Fatalf("the report has no floorplan: %d sub-arrays, %d banks", len(r.Subarrays), r.Banks)
	}
	svg := Floorplan("fp", Run{Name: "x", Report: r})
	cells := regexp.MustCompile(`<rect class="cell" x="(\d+)" y="(\d+)" [^>]* data-index="(\d+)" data-source="(-?\d+)" data-busy="([^"]+)"`).FindAllStringSubmatch(svg, -1)
	if len(cells) != len(r.Subarrays) {
		t.Fatalf("%d cells, %d sub-arrays in the report", len(cells), len(r.Subarrays))
	}
	held := 0
	for i, m := range cells {
		u := r.Subarrays[i]
		idx, _ := strconv.Atoi(m[3])
		src, _ := strconv.Atoi(m[4])
		busy, _ := strconv.ParseFloat(m[5], 64)
		if idx != u.Index || src != u.Source || !near(busy, u.Busy) {
			t.Errorf("cell %d = index %d source %d busy %g, report %+v", i, idx, src, busy, u)
		}
		if src >= 0 {
			held++
		}
		x, _ := strconv.Atoi(m[1])
		y, _ := strconv.Atoi(m[2])
		if x0, y0 := cellOrigin(r, idx); x != x0 || y != y0 {
			t.Errorf("sub-array %d drawn at %d,%d, want %d,%d", idx, x, y, x0, y0)
		}
	}
	if held == 0 {
		t.Error("no cell holds a layer's weights")
	}
}

// cellOrigin is where Floorplan draws sub-array i of r (its geometry).
func cellOrigin(r *sim.Report, i int) (int, int) {
	cols, rows := r.SubarraysPerBank, r.Banks
	cell := max(3, min(12, 640/cols))
	cellH := max(2, min(cell, 1600/rows))
	return 60 + (i%cols)*cell, 30 + (i/cols)*cellH
}

// TestStructure: a compile-only run draws the kept shares of its layers
// and a summary without simulator figures.
func TestStructure(t *testing.T) {
	run := Run{Name: "p.pimb", Target: "t", Layers: []Layer{
		{Name: "conv1", Filters: 6, KeptFilters: 6, Cols: 25, KeptCols: 25, WBits: 8, ABits: 8, Subarrays: 1},
		{Name: "fc1", Filters: 120, KeptFilters: 90, Cols: 400, KeptCols: 76, WBits: 4, ABits: 4, Subarrays: 1}}}
	p := &Page{Title: "c", Runs: []Run{run}}
	var buf bytes.Buffer
	if err := p.Write(&buf); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	bars := chartBars(t, page, "structure")
	want := map[string]float64{"conv1 W8 A8, 1 sub-arrays/filters kept": 100, "fc1 W4 A4, 1 sub-arrays/filters kept": 75,
		"conv1 W8 A8, 1 sub-arrays/columns kept": 100, "fc1 W4 A4, 1 sub-arrays/columns kept": 19}
	if len(bars) != len(want) {
		t.Fatalf("%d bars, want %d", len(bars), len(want))
	}
	for _, b := range bars {
		if v, ok := want[b.label+"/"+b.series]; !ok || !near(v, b.value) {
			t.Errorf("bar %s / %s = %g, want %g", b.label, b.series, b.value, v)
		}
	}
	if strings.Contains(page, "%%") {
		t.Error("a doubled percent sign")
	}
	if strings.Contains(page, "latency per inference") || !strings.Contains(page, "2, 14.5% of the weights kept, 2 sub-arrays") {
		t.Errorf("summary of a compile-only run:\n%s", page[:min(len(page), 3000)])
	}
}

// TestPNG: every figure of a real report draws as a PNG that decodes, with
// ink and the series' colours in it.
func TestPNG(t *testing.T) {
	r := lenetReport(t, 8, 8)
	figs := (&Page{Runs: []Run{{Name: "W8A8", Report: r}}}).Figures()
	figs = append(figs, faultCurveChart(), paretoChart())
	for _, c := range figs {
		var buf bytes.Buffer
		if err := c.PNG(&buf); err != nil {
			t.Fatalf("%s: %v", c.Name(), err)
		}
		img, err := png.Decode(&buf)
		if err != nil {
			t.Fatalf("%s: %v", c.Name(), err)
		}
		want := hexColour(palette[0])
		found := false
		b := img.Bounds()
		for y := b.Min.Y; y < b.Max.Y && !found; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				r1, g1, b1, _ := img.At(x, y).RGBA()
				r2, g2, b2, _ := want.RGBA()
				if r1 == r2 && g1 == g2 && b1 == b2 {
					found = true
					break
				}
			}
		}
		if !found {
			t.Errorf("%s: no pixel of the first series' colour %s", c.Name(), palette[0])
		}
	}
}

func TestScaleUnit(t *testing.T) {
	for _, c := range []struct {
		v    float64
		unit string
		div  float64
	}{{0, "ns", 1}, {999, "ns", 1}, {1000, "us", 1e3}, {2.5e6, "ms", 1e6}, {7e12, "ms", 1e6}} {
		if u, d := timeUnit(c.v); u != c.unit || d != c.div {
			t.Errorf("timeUnit(%g) = %s, %g; want %s, %g", c.v, u, d, c.unit, c.div)
		}
	}
	if u, d := energyUnit(3e9); u != "mJ" || d != 1e9 {
		t.Errorf("energyUnit(3e9) = %s, %g", u, d)
	}
}
