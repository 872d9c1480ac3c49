package admm

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
)

// Hyper are the ADMM hyperparameters (the `admm:` section of the config).
// Absent fields take the defaults of PAPER.md §5 noted on each field. A
// zero written in the config means zero for the counts that can be zero
// (updates, quant_updates, retrain_epochs, quant_retrain_epochs) and for
// rho (ZeroKeys); for the fields whose zero has no meaning (lr, batch,
// growth factors, ...) a written zero is an error. Given records which
// keys the config wrote (ParseConfig fills it); a Hyper built in Go
// without Given keeps the earlier rule, zero selects the default.
type Hyper struct {
	Mode           string  `yaml:"mode"`             // sequential (prune, then quantize) or joint; default sequential
	Rho            float64 `yaml:"rho"`              // initial rho, 1e-3
	RhoGrowth      float64 `yaml:"rho_growth"`       // per pruning update, 1.3 (group's range 1.1..1.35)
	RhoMax         float64 `yaml:"rho_max"`          // pruning cap, 1
	QuantRhoGrowth float64 `yaml:"quant_rho_growth"` // per quantization update, 1.5
	Updates        int     `yaml:"updates"`          // Z/U updates of the pruning ADMM, 4
	QuantUpdates   int     `yaml:"quant_updates"`    // Z/U updates of the quantization ADMM, 3
	EpochsPerStep  int     `yaml:"epochs_per_update"`
	// Stages splits the pruning ADMM into that many progressive stages
	// (default 1): stage s of S projects onto the ratios x s/S, and each
	// stage starts over with rho at its initial value, U = 0 and Z the
	// projection of the current weights; the hard prune uses the full
	// ratios. Sequential mode only.
	Stages       int `yaml:"stages"`
	Retrain      int `yaml:"retrain_epochs"`       // masked retraining, 2
	QuantRetrain int `yaml:"quant_retrain_epochs"` // retraining with frozen quantized weights, 1
	// QuantRetrainMode is how quantized retraining treats the quantized
	// weights: "frozen" (default: they stay on their codes, only biases and
	// batch-norm parameters train) or "ste" (straight-through estimator:
	// forward with the projected weights Q(W; mask), update the float
	// shadow copies, project at the end).
	QuantRetrainMode string `yaml:"quant_retrain"`
	// ActBits fake-quantizes the input activation of the named layers to
	// that many unsigned bits during quantized retraining (train.ActQuant,
	// straight-through gradient): quantization-aware training for the
	// activation widths pimc compile will use (-abits; the quantize pass
	// keeps the first layer's input and output at 8 bits).
	ActBits map[string]int `yaml:"act_bits"`
	// ActScale is where the act_bits quantizers' scales come from: "calib"
	// (default) recomputes max|x| over the first data.CalibImages training
	// images with the current weights every ActCalibEvery steps, the
	// range pimc compile -calib mnist calibrates (so training sees the
	// deployed rounding); "running" tracks a running batch maximum.
	ActScale      string `yaml:"act_scale"`
	ActCalibEvery int    `yaml:"act_calib_every"` // steps between recalibrations, 10
	// QuantRetrainKeep is the epoch of quantized retraining the result
	// keeps: "last" (default) or "best_val", the one with the highest
	// validation accuracy (Options.Val, required; with the act_bits
	// quantizers on at the scales calibrated on that epoch's final
	// weights, as deployed), the later one on a tie. A choice on the
	// validation split only: the test set is never looked at.
	QuantRetrainKeep string `yaml:"quant_retrain_keep"`
	// Distill mixes the uncompressed model's outputs into the loss of every
	// training phase with this weight (knowledge distillation,
	// train.Distill; 0: labels only), at temperature DistillT (4).
	Distill  float64 `yaml:"distill"`
	DistillT float64 `yaml:"distill_t"`
	// DistillTeacher names an ONNX model to distill from instead of the
	// uncompressed starting model (a relative path is relative to the
	// config file's folder), e.g. a dense model trained longer than the one
	// compression starts from. The caller loads it (Options.Teacher); it
	// needs distill > 0 and the student's input and output shapes.
	DistillTeacher string  `yaml:"distill_teacher"`
	LR             float64 `yaml:"lr"`           // 0.01 (SGD), restarted at every update
	QuantLR        float64 `yaml:"quant_lr"`     // learning rate of the quantization phases (default lr)
	Optimizer      string  `yaml:"optimizer"`    // sgd, nesterov or adam; sgd
	Batch          int     `yaml:"batch"`        // 64
	WeightDecay    float64 `yaml:"weight_decay"` // 0
	Seed           uint64  `yaml:"seed"`         // 1
	Limit          int     `yaml:"limit"`        // train on the first N images (0: all)
	Purify         float64 `yaml:"purify"`       // drop groups with norm <= purify * largest; 0: exact zeros only
	// GroupNorm is the norm that ranks the groups (filters, columns,
	// channels, blocks) of every pruning constraint wherever -method admm
	// chooses which to keep: the Z-projection, the hard prune and so its
	// masks. "l2" (default) is the Euclidean projection of the ADMM
	// formulation; "l1" keeps the groups with the largest sum of |w|, the
	// criterion of the l1 baseline (Prune.L1), so that ADMM can be
	// compared with it at the same ranking. The baselines ignore it:
	// magnitude ranks by L2, l1 by L1 (WithMethod). Coupled channel groups
	// (coupled: true) are ranked by L2 in every case.
	GroupNorm string `yaml:"group_norm"`
	// Layer-wise mode.
	CalibImages    int     `yaml:"calib_images"`    // 256
	LayerwiseIters int     `yaml:"layerwise_iters"` // ADMM iterations per layer and phase, 30
	LayerwiseRho   float64 `yaml:"layerwise_rho"`   // relative to the mean diagonal of X X^T, 0.05
	// LayerwiseIndependent fits every layer to the original model's
	// activations alone (one capture) instead of to what its compressed
	// predecessors feed it (the default, one capture per layer).
	LayerwiseIndependent bool `yaml:"layerwise_independent"`
	// Given holds the YAML keys the config wrote (ParseConfig), so that a
	// written 0 is told apart from an absent key.
	Given map[string]bool `yaml:"-"`
}

// ZeroKeys are the admm: keys whose written 0 means zero: no pruning-ADMM
// updates (group-magnitude hard prune, then masked retraining), no
// retraining epochs, no quantization-ADMM updates, rho 0 (no penalty).
// Before session s5 a written 0 selected the default (4, 2, 3, 1 and
// 1e-3); no committed config wrote one.
var ZeroKeys = []string{"updates", "retrain_epochs", "quant_updates", "quant_retrain_epochs", "rho"}

// positiveKeys are the admm: keys whose 0 has no meaning (a learning rate,
// a batch, a growth factor, ...): written, it is an error; absent, the
// default.
var positiveKeys = []string{"stages", "rho_growth", "rho_max", "quant_rho_growth", "epochs_per_update", "lr", "quant_lr", "batch",
	"seed", "act_calib_every", "distill_t", "calib_images", "layerwise_iters", "layerwise_rho"}

// zero reports whether key was written as 0 and means zero (ZeroKeys).
func (h Hyper) zero(key string) bool { return h.Given[key] && slices.Contains(ZeroKeys, key) }

// maxEpochCount bounds every epoch and update count of the config, so
// that their products cannot overflow (a run of a million epochs is
// already months of training).
const maxEpochCount = 1_000_000

// check reports every field out of its range, by its YAML key (all of
// them at once). Zero is allowed where it is absent or means zero
// (ZeroKeys); a written 0 of the positiveKeys is an error.
func (h Hyper) check() error { return problems(h.problems()) }

// problems lists the fields out of range (check).
func (h Hyper) problems() []error {
	var errs []error
	bad := func(key string, v any, want string) {
		errs = append(errs, fmt.Errorf("admm.%s %v: want %s", key, v, want))
	}
	oneOf := func(key, v string, allowed ...string) {
		if v != "" && !slices.Contains(allowed, v) {
			bad(key, fmt.Sprintf("%q", v), strings.Join(allowed[:len(allowed)-1], ", ")+" or "+allowed[len(allowed)-1])
		}
	}
	oneOf("mode", h.Mode, "sequential", "joint")
	oneOf("quant_retrain", h.QuantRetrainMode, "frozen", "ste")
	oneOf("act_scale", h.ActScale, "calib", "running")
	oneOf("quant_retrain_keep", h.QuantRetrainKeep, "last", "best_val")
	oneOf("optimizer", h.Optimizer, "sgd", "nesterov", "adam")
	oneOf("group_norm", h.GroupNorm, "l2", "l1")
	finite := func(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
	for _, f := range []struct {
		key    string
		v, min float64
		max    float64 // exclusive when open
		open   bool
		want   string
	}{
		{"rho", h.Rho, 0, math.Inf(1), false, "a finite value >= 0"},
		{"rho_max", h.RhoMax, 0, math.Inf(1), false, "a finite value > 0"},
		{"lr", h.LR, 0, math.Inf(1), false, "a finite value > 0"},
		{"quant_lr", h.QuantLR, 0, math.Inf(1), false, "a finite value > 0"},
		{"weight_decay", h.WeightDecay, 0, math.Inf(1), false, "a finite value >= 0"},
		{"distill", h.Distill, 0, 1, false, "a weight in [0, 1]"},
		{"distill_t", h.DistillT, 0, math.Inf(1), false, "a finite temperature > 0"},
		{"purify", h.Purify, 0, 1, true, "a fraction in [0, 1)"},
		{"layerwise_rho", h.LayerwiseRho, 0, math.Inf(1), false, "a finite value > 0"},
	} {
		if !finite(f.v) || f.v < f.min || f.v > f.max || (f.open && f.v == f.max) {
			bad(f.key, f.v, f.want)
		}
	}
	for _, f := range []struct {
		key string
		v   float64
	}{{"rho_growth", h.RhoGrowth}, {"quant_rho_growth", h.QuantRhoGrowth}} {
		if f.v != 0 && !(finite(f.v) && f.v >= 1) {
			bad(f.key, f.v, "a finite factor >= 1")
		}
	}
	for _, f := range []struct {
		key string
		v   int
	}{
		{"updates", h.Updates}, {"quant_updates", h.QuantUpdates}, {"epochs_per_update", h.EpochsPerStep}, {"stages", h.Stages},
		{"retrain_epochs", h.Retrain}, {"quant_retrain_epochs", h.QuantRetrain}, {"layerwise_iters", h.LayerwiseIters},
	} {
		if f.v < 0 || f.v > maxEpochCount {
			bad(f.key, f.v, fmt.Sprintf("0 (the default) to %d", maxEpochCount))
		}
	}
	for _, f := range []struct {
		key string
		v   int
	}{{"batch", h.Batch}, {"limit", h.Limit}, {"calib_images", h.CalibImages}, {"act_calib_every", h.ActCalibEvery}} {
		if f.v < 0 {
			bad(f.key, f.v, "0 (the default) or a positive count")
		}
	}
	for _, key := range positiveKeys {
		if h.Given[key] && h.value(key) == 0 {
			bad(key, 0, "a positive value (omit the key for the default)")
		}
	}
	if h.DistillTeacher != "" && h.Distill == 0 {
		bad("distill_teacher", fmt.Sprintf("%q", h.DistillTeacher), "distill > 0 as well (without it nothing is distilled)")
	}
	for _, name := range slices.Sorted(maps.Keys(h.ActBits)) {
		if b := h.ActBits[name]; b < 0 || b > 16 {
			bad("act_bits."+name, b, "0 to 16 bits")
		}
	}
	return errs
}

// value is the numeric value of a positiveKeys field.
func (h Hyper) value(key string) float64 {
	switch key {
	case "rho_growth":
		return h.RhoGrowth
	case "rho_max":
		return h.RhoMax
	case "quant_rho_growth":
		return h.QuantRhoGrowth
	case "epochs_per_update":
		return float64(h.EpochsPerStep)
	case "stages":
		return float64(h.Stages)
	case "lr":
		return h.LR
	case "quant_lr":
		return h.QuantLR
	case "batch":
		return float64(h.Batch)
	case "seed":
		return float64(h.Seed)
	case "act_calib_every":
		return float64(h.ActCalibEvery)
	case "distill_t":
		return h.DistillT
	case "calib_images":
		return float64(h.CalibImages)
	case "layerwise_iters":
		return float64(h.LayerwiseIters)
	case "layerwise_rho":
		return h.LayerwiseRho
	}
	panic("BUG: admm: Hyper.value of " + key)
}

// withDefaults checks the fields (check) and fills the zero ones that are
// absent or, for ZeroKeys, not written as 0.
func (h Hyper) withDefaults() (Hyper, error) {
	if err := h.check(); err != nil {
		return h, err
	}
	setF := func(p *float64, d float64) {
		if *p == 0 {
			*p = d
		}
	}
	setI := func(p *int, d int) {
		if *p == 0 {
			*p = d
		}
	}
	keepF := func(key string, p *float64, d float64) {
		if !h.zero(key) {
			setF(p, d)
		}
	}
	keepI := func(key string, p *int, d int) {
		if !h.zero(key) {
			setI(p, d)
		}
	}
	if h.Mode == "" {
		h.Mode = "sequential"
	}
	if h.QuantRetrainMode == "" {
		h.QuantRetrainMode = "frozen"
	}
	if h.ActScale == "" {
		h.ActScale = "calib"
	}
	if h.QuantRetrainKeep == "" {
		h.QuantRetrainKeep = "last"
	}
	if h.Optimizer == "" {
		h.Optimizer = "sgd"
	}
	if h.GroupNorm == "" {
		h.GroupNorm = "l2"
	}
	keepF("rho", &h.Rho, 1e-3)
	setF(&h.RhoGrowth, 1.3)
	setF(&h.RhoMax, 1)
	setF(&h.QuantRhoGrowth, 1.5)
	keepI("updates", &h.Updates, 4)
	keepI("quant_updates", &h.QuantUpdates, 3)
	setI(&h.EpochsPerStep, 1)
	setI(&h.Stages, 1)
	if h.Stages > 1 && h.Mode == "joint" {
		return h, fmt.Errorf("admm.stages %d: progressive stages need mode: sequential", h.Stages)
	}
	if h.Stages > max(h.Updates, 1) {
		return h, fmt.Errorf("admm.stages %d: more stages than pruning updates (%d)", h.Stages, h.Updates)
	}
	setI(&h.ActCalibEvery, 10)
	keepI("retrain_epochs", &h.Retrain, 2)
	keepI("quant_retrain_epochs", &h.QuantRetrain, 1)
	setF(&h.LR, 0.01)
	setF(&h.DistillT, 4)
	setI(&h.Batch, 64)
	setF(&h.QuantLR, h.LR)
	if h.Seed == 0 {
		h.Seed = 1
	}
	setI(&h.CalibImages, 256)
	setI(&h.LayerwiseIters, 30)
	setF(&h.LayerwiseRho, 0.05)
	return h, nil
}
