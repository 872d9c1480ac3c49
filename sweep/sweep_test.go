package sweep

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// lenet5Plan is the plan of testdata/sweeps/lenet5.yaml on its first
// limit images.
func lenet5Plan(t *testing.T, limit int) *Plan {
	t.Helper()
	s, err := LoadSpec("../testdata/sweeps/lenet5.yaml")
	if err != nil {
		t.Fatal(err)
	}
	s.Limit = limit
	pl, err := NewPlan(s)
	if err != nil {
		t.Fatal(err)
	}
	return pl
}

func readFile(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestLeNet5Sweep(t *testing.T) {
	pl := lenet5Plan(t, 20)
	if len(pl.Points) != 8 {
		t.Fatalf("%d points, want 8", len(pl.Points))
	}
	dir := t.TempDir()
	sum, err := Run(pl, dir, Options{Jobs: 2, Task: -1})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Computed != 8 || sum.Skipped != 0 || len(sum.Failed) != 0 {
		t.Fatalf("first run: %+v, want 8 computed", sum)
	}
	rows, err := Merge(dir)
	if err != nil {
		t.Fatal(err)
	}
	front := 0
	for i, r := range rows {
		if r.Index != i || r.Name != pl.Points[i].Config.Name || r.Images != 20 || r.Error != "" {
			t.Errorf("row %d: %+v", i, r)
		}
		if r.Accuracy < 0.5 || r.EnergyPJ <= 0 || r.LatencyNS <= 0 || r.AreaUsedMM2 <= 0 || r.AreaUsedMM2 > r.AreaChipMM2 || r.TOPSPerW <= 0 {
			t.Errorf("row %s: implausible figures %+v", r.Name, r)
		}
		if r.Pareto {
			front++
		}
	}
	if front == 0 {
		t.Error("no row on the Pareto front")
	}
	// Rows alternate sot-mram, write60: the same program, cheaper writes.
	for i := 0; i < len(rows); i += 2 {
		a, b := rows[i], rows[i+1]
		if a.Target != "sot-mram" || b.Target != "write60" || a.LatencyNS != b.LatencyNS || !(b.EnergyPJ < a.EnergyPJ) || a.Accuracy != b.Accuracy {
			t.Errorf("rows %s and %s: want the same latency and accuracy, less energy with write60: %g vs %g pJ", a.Name, b.Name, a.EnergyPJ, b.EnergyPJ)
		}
	}
	csv := readFile(t, filepath.Join(dir, ResultsCSV))
	if n := bytes.Count(csv, []byte("\n")); n != 9 {
		t.Errorf("results.csv has %d lines, want a header and 8 rows", n)
	}
	if n := bytes.Count(readFile(t, filepath.Join(dir, ResultsJSONL)), []byte("\n")); n != 8 {
		t.Errorf("results.jsonl has %d lines, want 8", n)
	}
	if n := bytes.Count(readFile(t, filepath.Join(dir, ParetoCSV)), []byte("\n")); n != front+1 {
		t.Errorf("pareto.csv has %d lines, want a header and %d rows", n, front)
	}
	checkReport(t, string(readFile(t, filepath.Join(dir, ReportHTML))), rows)

	// Resumption: nothing left to compute, the same files.
	sum, err = Run(lenet5Plan(t, 20), dir, Options{Jobs: 2, Task: -1})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Computed != 0 || sum.Skipped != 8 {
		t.Errorf("second run: %+v, want everything skipped", sum)
	}
	if got := readFile(t, filepath.Join(dir, ResultsCSV)); !bytes.Equal(got, csv) {
		t.Error("the second run changed results.csv")
	}

	// Determinism and the tasks of an array: each point on its own, one
	// worker, then merged, gives the same rows.
	dir2 := t.TempDir()
	for i := range 8 {
		if _, err := Run(lenet5Plan(t, 20), dir2, Options{Jobs: 1, Task: i}); err != nil {
			t.Fatal(err)
		}
		if i == 3 {
			if _, err := Merge(dir2); !errors.Is(err, ErrIncomplete) || !strings.Contains(err.Error(), "4 (lenet5-admm/w8a8/sot-mram)") {
				t.Errorf("merge of 4 of 8 points: %v, want the missing ones named", err)
			}
		}
	}
	if _, err := Merge(dir2); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{ResultsCSV, ResultsJSONL, ParetoCSV, ReportHTML} {
		if !bytes.Equal(readFile(t, filepath.Join(dir2, f)), readFile(t, filepath.Join(dir, f))) {
			t.Errorf("%s differs between the pool run and the tasks", f)
		}
	}
}

var pointRE = regexp.MustCompile(`<circle class="point" [^>]* data-series="([^"]*)" data-label="([^"]*)" data-x="([^"]*)" data-y="([^"]*)"`)

// checkReport: the report's chart of accuracy against used area has every
// row's point at the row's area (mm2) and accuracy (%), in the front's
// series exactly when the row is on the front, and the table a line per
// row.
func checkReport(t *testing.T, page string, rows []Row) {
	t.Helper()
	i := strings.Index(page, `id="pareto-accuracy-area"`)
	if i < 0 {
		t.Fatal("report.html has no Pareto chart of accuracy against area")
	}
	svg := page[i:]
	svg = svg[:strings.Index(svg, "</svg>")]
	type pt struct {
		front bool
		x, y  float64
	}
	got := map[string]pt{}
	for _, m := range pointRE.FindAllStringSubmatch(svg, -1) {
		x, _ := strconv.ParseFloat(m[3], 64)
		y, _ := strconv.ParseFloat(m[4], 64)
		got[m[2]] = pt{m[1] == "Pareto front", x, y}
	}
	if len(got) != len(rows) {
		t.Errorf("%d points drawn, %d rows", len(got), len(rows))
	}
	for _, r := range rows {
		if p, ok := got[r.Name]; !ok || p.front != r.Pareto || p.x != r.AreaUsedMM2 || math.Abs(p.y-100*r.Accuracy) > 1e-9 {
			t.Errorf("row %s: drawn %+v, the row: area %g, accuracy %g, front %v", r.Name, p, r.AreaUsedMM2, r.Accuracy, r.Pareto)
		}
		if !strings.Contains(page, "<td>"+r.Name+"</td>") {
			t.Errorf("no table line for %s", r.Name)
		}
	}
}

// A changed limit, target or model is a new point; the same spec
// elsewhere is the same point.
func TestPointHash(t *testing.T) {
	a, b := lenet5Plan(t, 20), lenet5Plan(t, 20)
	c := lenet5Plan(t, 21)
	seen := map[string]bool{}
	for i, p := range a.Points {
		if p.Hash != b.Points[i].Hash {
			t.Errorf("point %d: the same spec hashes differently", i)
		}
		if p.Hash == c.Points[i].Hash {
			t.Errorf("point %d: another limit, the same hash", i)
		}
		seen[p.Hash] = true
	}
	if len(seen) != 8 {
		t.Errorf("%d distinct hashes of 8 points", len(seen))
	}
}

func TestSpecErrors(t *testing.T) {
	for _, c := range []struct{ spec, want string }{
		{"", "empty file"},
		{"dataset: mnist\nmodels: [{name: a, embedded: lenet5}]\nquant: [{wbits: 4, abits: 4}]\nbogus: 1\n", "field bogus not found"},
		{"dataset: mnist\nmodels: [{name: a, embedded: lenet5}]\nquant: [{wbits: 9, abits: 4}]\n", "quant[0].wbits: 9, want 1..8"},
		{"dataset: mnist\nmodels: [{name: a, embedded: vgg}]\nquant: [{wbits: 4, abits: 4}]\n", `embedded "vgg": want one of lenet5, lenet5-admm-w4a4`},
		{"dataset: mnist\nmodels: [{name: a, embedded: lenet5}]\npoints: [{model: b, quant: {wbits: 4, abits: 4}}]\n", `points[0]: model "b" is not one of models' names`},
		{"models: [{name: a, file: x.onnx, embedded: lenet5}]\nquant: [{wbits: 4, abits: 4}]\n", "dataset: missing"},
		{"dataset: mnist\nmodels: [{name: a, file: x.onnx, embedded: lenet5}]\nquant: [{wbits: 4, abits: 4}]\n", "give one of file and embedded"},
		{"dataset: mnist\nmodels: [{name: a, embedded: lenet5}]\nquant: [{wbits: 4, abits: 4}]\nfaults: [sense=2]\n", "faults[0]: sense=2: want a probability"},
		{"dataset: mnist\nmodels: [{name: a, embedded: lenet5}]\nquant: [{wbits: 4, abits: 4}]\nfault_seeds: 3\n", "fault_seeds and seed choose the chip instances of faults"},
		{"dataset: mnist\nmodels: [{name: a, embedded: lenet5}]\nquant: [{wbits: 4, abits: 4}]\ncompress: [{name: c, config: c.yaml, mode: fast}]\n", `compress[0] (c): mode "fast": want admm or layerwise`},
		{"dataset: mnist\nmodels: [{name: a, embedded: lenet5}]\npoints: [{model: a, compress: z, quant: {wbits: 4, abits: 4}}]\n", `points[0]: compress "z" is not one of compress' names`},
	} {
		_, err := ParseSpec([]byte(c.spec), "")
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("spec %q: error %v, want %q", c.spec, err, c.want)
		}
	}
	// A bad override names the target variant and the problem.
	s, err := ParseSpec([]byte("dataset: mnist\nmodels: [{name: a, embedded: lenet5}]\nquant: [{wbits: 4, abits: 4}]\ntargets: [{name: big, override: {geometry: {banks: {value: -1}}}}]\n"), "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NewPlan(s); err == nil || !strings.Contains(err.Error(), "targets (big)") {
		t.Errorf("bad override: %v, want an error naming targets (big)", err)
	}
}

func TestPareto(t *testing.T) {
	rows := []Row{
		{EnergyPJ: 1, LatencyNS: 1, AreaUsedMM2: 1, Accuracy: 0.9},  // front
		{EnergyPJ: 2, LatencyNS: 1, AreaUsedMM2: 1, Accuracy: 0.9},  // dominated by 0
		{EnergyPJ: 2, LatencyNS: 1, AreaUsedMM2: 1, Accuracy: 0.95}, // front: more accurate
		{EnergyPJ: 1, LatencyNS: 1, AreaUsedMM2: 1, Accuracy: 0.9},  // a tie with 0: front
		{EnergyPJ: 0.5, LatencyNS: 1, AreaUsedMM2: 1, Error: "x"},   // failed: never
	}
	markPareto(rows)
	want := []bool{true, false, true, true, false}
	for i, r := range rows {
		if r.Pareto != want[i] {
			t.Errorf("row %d: pareto %t, want %t", i, r.Pareto, want[i])
		}
	}
}

// A spec's relative calibration folder is resolved for compiling, while the
// hash and the row keep it as written: the same spec named by a relative or
// an absolute path (a Slurm script's) is the same point.
func TestCalibFolderKeptAsWritten(t *testing.T) {
	spec := []byte("dataset: mnist\ncalib: cal\nmodels: [{name: a, embedded: lenet5}]\nquant: [{wbits: 4, abits: 4}]\n")
	rel, err := ParseSpec(spec, "testdata/x")
	if err != nil {
		t.Fatal(err)
	}
	abs, err := ParseSpec(spec, "/abs/testdata/x")
	if err != nil {
		t.Fatal(err)
	}
	a, err := NewPlan(rel)
	if err != nil {
		t.Fatal(err)
	}
	b, err := NewPlan(abs)
	if err != nil {
		t.Fatal(err)
	}
	pa, pb := a.Points[0], b.Points[0]
	if pa.Hash != pb.Hash || pa.Config.Calib != "cal" {
		t.Errorf("hashes %s, %s and calib %q: want one hash and the spec's calib", pa.Hash, pb.Hash, pa.Config.Calib)
	}
	if pa.CalibPath != filepath.Join("testdata/x", "cal") || pb.CalibPath != "/abs/testdata/x/cal" {
		t.Errorf("calibration folders %q, %q", pa.CalibPath, pb.CalibPath)
	}
}

// TestSweepAxes runs testdata/sweeps/lenet5-axes.yaml on 10 images:
// compression configs x fault specs. The compressed points use less
// energy, the model is compressed once (DIR/compressed), the points with
// faults are evaluated on two chips (images and correct add up, accuracy
// is their mean) with the hardware figures of the ideal device.
func TestSweepAxes(t *testing.T) {
	s, err := LoadSpec("../testdata/sweeps/lenet5-axes.yaml")
	if err != nil {
		t.Fatal(err)
	}
	s.Limit = 10
	pl, err := NewPlan(s)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if _, err := Run(pl, dir, Options{Jobs: 2, Task: -1}); err != nil {
		t.Fatal(err)
	}
	rows, err := Merge(dir)
	if err != nil {
		t.Fatal(err)
	}
	names := []string{"lenet5/w4a4/base", "lenet5/w4a4/base/sense=1e-2", "lenet5+lw-w4/w4a4/base", "lenet5+lw-w4/w4a4/base/sense=1e-2"}
	if len(rows) != len(names) {
		t.Fatalf("%d rows", len(rows))
	}
	for i, r := range rows {
		if r.Name != names[i] || r.Error != "" {
			t.Errorf("row %d: %s (error %q), want %s", i, r.Name, r.Error, names[i])
		}
	}
	for _, k := range []int{0, 2} {
		ideal, faulty := rows[k], rows[k+1]
		if faulty.Images != 20 || faulty.FaultSeeds != 2 || faulty.Seed != 1 || faulty.Faults != "sense=1e-2" ||
			math.Abs(faulty.Accuracy-float64(faulty.Correct)/20) > 1e-12 || faulty.EnergyPJ != ideal.EnergyPJ || faulty.LatencyNS != ideal.LatencyNS {
			t.Errorf("%s: %+v, the ideal device's %+v", faulty.Name, faulty, ideal)
		}
		if ideal.Images != 10 || ideal.AccuracyStd != 0 || ideal.Faults != "" {
			t.Errorf("%s: %+v", ideal.Name, ideal)
		}
	}
	if !(rows[2].EnergyPJ < rows[0].EnergyPJ) || rows[2].Compress != "lw-w4" || rows[0].Compress != "none" {
		t.Errorf("compressed %s %g pJ, as given %s %g pJ: want less", rows[2].Compress, rows[2].EnergyPJ, rows[0].Compress, rows[0].EnergyPJ)
	}
	// The report draws each design's accuracy against the sense rate, its
	// ideal device as the reference line.
	page := string(readFile(t, filepath.Join(dir, ReportHTML)))
	for _, k := range []int{0, 2} {
		design := rows[k].Name
		for _, want := range []string{
			fmt.Sprintf(`data-series="%s: sense" data-label="%s: sense=1e-2 (2 chips)" data-x="0.01" data-y="%g" data-err="%g"`, design, design, 100*rows[k+1].Accuracy, 100*rows[k+1].AccuracyStd),
			fmt.Sprintf(`data-label="%s: no faults" data-y="%g"`, design, 100*rows[k].Accuracy),
		} {
			if !strings.Contains(page, want) {
				t.Errorf("report.html has no %s", want)
			}
		}
	}
	files, err := os.ReadDir(filepath.Join(dir, "compressed"))
	if err != nil || len(files) != 1 {
		t.Errorf("DIR/compressed: %v %v, want one model", files, err)
	}
}

// TestAxesHash: the hash of a compressed point follows its config file's
// bytes, the others' do not; another fault spec is another point.
func TestAxesHash(t *testing.T) {
	dir := t.TempDir()
	spec := []byte("dataset: mnist\nmodels: [{name: a, embedded: lenet5}]\ncompress: [{name: none}, {name: c, config: c.yaml}]\nquant: [{wbits: 4, abits: 4}]\nfaults: [none, sense=1e-3]\n")
	plan := func(cfg string) *Plan {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, "c.yaml"), []byte(cfg), 0o644); err != nil {
			t.Fatal(err)
		}
		s, err := ParseSpec(spec, dir)
		if err != nil {
			t.Fatal(err)
		}
		pl, err := NewPlan(s)
		if err != nil {
			t.Fatal(err)
		}
		return pl
	}
	a, b := plan("defaults: {wbits: 4}\n"), plan("defaults: {wbits: 3}\n")
	if len(a.Points) != 4 {
		t.Fatalf("%d points, want 4", len(a.Points))
	}
	seen := map[string]bool{}
	for i, p := range a.Points {
		seen[p.Hash] = true
		if same := p.Hash == b.Points[i].Hash; same != (p.Config.Compress == "none") {
			t.Errorf("point %s: hash unchanged %v after the config changed", p.Config.Name, same)
		}
	}
	if len(seen) != 4 {
		t.Errorf("%d distinct hashes of 4 points", len(seen))
	}
}
