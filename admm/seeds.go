package admm

import (
	"fmt"
	"io"
	"math"
	"path/filepath"
	"strconv"
	"strings"
)

// ValidationImages is the default validation split of pimc compress: the
// last 5,000 training images (of MNIST's and Fashion-MNIST's 60,000), held
// out of training and used for every choice; the test set gives the final
// numbers only.
const ValidationImages = 5000

// DefaultValidation is the validation split for a training set of n
// images: ValidationImages when at least four times as many images remain
// for training, else none (small folder datasets, tests).
func DefaultValidation(n int) int {
	if n >= 5*ValidationImages {
		return ValidationImages
	}
	return 0
}

// ParseSeeds reads a comma-separated list of distinct positive seeds
// ("1,2,3").
func ParseSeeds(s string) ([]uint64, error) {
	var out []uint64
	seen := map[uint64]bool{}
	for _, f := range strings.Split(s, ",") {
		v, err := strconv.ParseUint(strings.TrimSpace(f), 10, 64)
		if err != nil || v == 0 {
			return nil, fmt.Errorf("seed %q: want a positive integer", strings.TrimSpace(f))
		}
		if seen[v] {
			return nil, fmt.Errorf("seed %d given twice", v)
		}
		seen[v] = true
		out = append(out, v)
	}
	return out, nil
}

// SeedPath is the output of one seed of a several-seed run: OUT.onnx
// becomes OUT-seedN.onnx ("-" stays "-": such runs need a file).
func SeedPath(out string, seed uint64) string {
	ext := filepath.Ext(out)
	return fmt.Sprintf("%s-seed%d%s", strings.TrimSuffix(out, ext), seed, ext)
}

// RunSummary is what one seed of a run gives the summary table.
type RunSummary struct {
	Seed      uint64
	Val, Test float64 // accuracies after compression (NaN without the set)
	// ValDeployed is the validation accuracy as pimc compile deploys the
	// result (pimc compress -val-abits), when Deployed.
	ValDeployed float64
	Deployed    bool
	StoredBits  float64 // kept filters x kept columns x bits (StoredBits)
	DenseBits   float64 // every weight in float32
}

// StoredBits counts the weight bits the array stores for reps: per layer
// kept filters x kept columns (zeros inside included) x the layer's bits
// (32 for float), and the float32 bits of the uncompressed layers, the
// accounting of WriteReport's "stored" line.
func StoredBits(reps []LayerReport) (stored, dense float64) {
	for _, r := range reps {
		b := r.Bits
		if b == 0 {
			b = 32
		}
		stored += float64(b) * float64(r.FiltersKept*r.ColsKept)
		dense += 32 * float64(r.Weights)
	}
	return stored, dense
}

// MeanStd is the mean and the sample standard deviation (n - 1; 0 for one
// value) of xs.
func MeanStd(xs []float64) (mean, std float64) {
	if len(xs) == 0 {
		return math.NaN(), math.NaN()
	}
	for _, x := range xs {
		mean += x
	}
	mean /= float64(len(xs))
	if len(xs) == 1 {
		return mean, 0
	}
	var ss float64
	for _, x := range xs {
		ss += (x - mean) * (x - mean)
	}
	return mean, math.Sqrt(ss / float64(len(xs)-1))
}

// WriteSummary prints one line per seed and the mean ± std of the
// validation and test accuracies and of the stored-bits ratio over the
// seeds of method; with deployed validation accuracies (RunSummary.Deployed,
// pimc compress -val-abits) both lines add them as "val deployed".
func WriteSummary(w io.Writer, method string, runs []RunSummary) {
	var val, dep, test, ratio []float64
	deployed := false
	for _, r := range runs {
		deployed = deployed || r.Deployed
	}
	for _, r := range runs {
		d := ""
		if deployed {
			d = "  val deployed -"
			if r.Deployed {
				d = "  val deployed " + pct(r.ValDeployed)
			}
		}
		fmt.Fprintf(w, "seed %-4d %-9s val %s%s  test %s  stored bits %.0f (%.1fx fewer than float32)\n", r.Seed, method, pct(r.Val), d, pct(r.Test), r.StoredBits, r.DenseBits/math.Max(r.StoredBits, 1))
		val, dep, test, ratio = append(val, r.Val), append(dep, deployedOrNaN(r)), append(test, r.Test), append(ratio, r.DenseBits/math.Max(r.StoredBits, 1))
	}
	mv, sv := MeanStd(val)
	mt, st := MeanStd(test)
	mr, sr := MeanStd(ratio)
	d := ""
	if deployed {
		md, sd := MeanStd(dep)
		d = fmt.Sprintf(", val deployed %s ± %.2f", pct(md), 100*sd)
	}
	fmt.Fprintf(w, "%s over %d seeds: val %s ± %.2f%s, test %s ± %.2f, stored bits %.1fx ± %.1f fewer than float32\n",
		method, len(runs), pct(mv), 100*sv, d, pct(mt), 100*st, mr, sr)
}

func pct(x float64) string {
	if math.IsNaN(x) {
		return "-"
	}
	return fmt.Sprintf("%.2f%%", 100*x)
}

func deployedOrNaN(r RunSummary) float64 {
	if r.Deployed {
		return r.ValDeployed
	}
	return math.NaN()
}
