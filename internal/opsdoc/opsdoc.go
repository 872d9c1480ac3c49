package opsdoc

import (
	_ "embed"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/pimc-dev/pimc/frontend"
)

//go:embed onnx_ops.txt
var onnxOps string

// Row is one operator's line of docs/OPS.md.
type Row struct {
	Op         string
	Versions   []int // opsets where the schema changed, ONNX 1.12 and later ones known
	Deprecated bool
	Imported   bool   // lowered by the frontend and run by the float interpreter
	Device     string // how it runs on the device when compiled, "" for the host
	Notes      string
}

// Rows returns every ONNX operator of onnx_ops.txt and later.go, sorted by
// name.
func Rows() ([]Row, error) {
	byName := map[string]*Row{}
	for i, line := range strings.Split(onnxOps, "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		if len(f) < 2 || len(f) > 3 || (len(f) == 3 && f[2] != "deprecated") {
			return nil, fmt.Errorf("onnx_ops.txt:%d: want \"Name v1,v2,... [deprecated]\", got %q", i+1, line)
		}
		r := &Row{Op: f[0], Deprecated: len(f) == 3}
		for _, s := range strings.Split(f[1], ",") {
			v, err := strconv.Atoi(s)
			if err != nil {
				return nil, fmt.Errorf("onnx_ops.txt:%d: version %q: %v", i+1, s, err)
			}
			r.Versions = append(r.Versions, v)
		}
		byName[r.Op] = r
	}
	for op, vs := range later {
		r := byName[op]
		if r == nil {
			r = &Row{Op: op}
			byName[op] = r
		}
		r.Versions = append(r.Versions, vs...)
	}
	for _, op := range frontend.SupportedOps() {
		r := byName[op]
		if r == nil {
			return nil, fmt.Errorf("imported op %s is in neither onnx_ops.txt nor later.go", op)
		}
		r.Imported = true
	}
	for op, d := range device {
		r := byName[op]
		if r == nil || !r.Imported {
			return nil, fmt.Errorf("device rule for %s, which the frontend does not import", op)
		}
		r.Device = d.how
	}
	for op, n := range notes {
		r := byName[op]
		if r == nil {
			return nil, fmt.Errorf("note for %s, which is no ONNX op here", op)
		}
		r.Notes = n
	}
	rows := make([]Row, 0, len(byName))
	for _, r := range byName {
		sort.Ints(r.Versions)
		r.Versions = slices.Compact(r.Versions)
		rows = append(rows, *r)
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].Op < rows[j].Op })
	return rows, nil
}

// Markdown renders docs/OPS.md.
func Markdown() (string, error) {
	rows, err := Rows()
	if err != nil {
		return "", err
	}
	var b strings.Builder
	imported, dev := 0, 0
	for _, r := range rows {
		if r.Imported {
			imported++
		}
		if r.Device != "" {
			dev++
		}
	}
	fmt.Fprintf(&b, `# ONNX operators

Generated from the code by `+"`PIMC_UPDATE=1 go test ./internal/opsdoc`"+` (package internal/opsdoc); the
test fails when this file and the code disagree. %d operators of the default ONNX domain, %d imported,
%d of those with a device form.

- **opsets**: the versions where the operator's schema changed, from ONNX 1.12's schemas (Debian's
  python3-onnx, up to opset 17), then later versions pimc's test corpora show (ONNX 1.22's node tests,
  testdata/onnx-ops). The importer reads the versions from 7 on (and most earlier ones), within the
  notes' limits.
- **import**: the frontend lowers it to IR ops, and the reference interpreter (package ir/interp) runs
  those in float (float32, float16, bfloat16, float64; integer and bool where ONNX defines them). Checked
  against the ONNX node tests (`+"`pimc conform`"+`, docs/RESULTS.md) and, for what those lack, against
  onnxruntime (testdata/onnx-ops).
- **device**: what `+"`pimc compile`"+` makes of it at W8A8 when its input is an activation: the device form,
  or "host" for a float op left on the host between a dequantize and a quantize (counted in the compile
  summary's host ops). The quantized ops named here are checked against the backend's partition rule.
- **notes**: limits of the support; shapes are static, so inputs that size an output must be constants.

| op | opsets | import + float interpreter | device | notes |
|---|---|---|---|---|
`, len(rows), imported, dev)
	for _, r := range rows {
		vs := make([]string, len(r.Versions))
		for i, v := range r.Versions {
			vs[i] = strconv.Itoa(v)
		}
		opsets := strings.Join(vs, ", ")
		if r.Deprecated {
			opsets += " (deprecated)"
		}
		imp, dev := "no", ""
		if r.Imported {
			imp, dev = "yes", "host"
			if r.Device != "" {
				dev = "yes: " + r.Device
			}
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", r.Op, opsets, imp, dev, r.Notes)
	}
	fmt.Fprintf(&b, "\nContrib operators of other domains that the frontend imports (onnxruntime's, as its quantizer\nwrites them); the interpreter runs them, the device does not:\n\n| op | notes |\n|---|---|\n")
	for _, op := range frontend.ContribOps() {
		fmt.Fprintf(&b, "| %s | %s |\n", op, contribNotes[op])
	}
	return b.String(), nil
}

// contribNotes describe the support of each contrib op.
var contribNotes = map[string]string{
	"com.microsoft.QLinearAdd":               "NumPy broadcasting; onnxruntime's float32 reference formula (its AVX2 fixed-point kernel may differ by one code near ties)",
	"com.microsoft.QLinearMul":               "NumPy broadcasting; float32 (a-za)(b-zb) * (sa*sb/sc)",
	"com.microsoft.QLinearSigmoid":           "quantize(sigmoid(dequantize(x))) in float32",
	"com.microsoft.QLinearLeakyRelu":         "quantize(leaky_relu(dequantize(x))) in float32",
	"com.microsoft.QLinearConcat":            "each input quantize(dequantize(x)) to y's scale and zero point in float32, then joined",
	"com.microsoft.QLinearGlobalAveragePool": "NCHW only (channels_last=1 refused); exact sums, float32 requantization",
}
