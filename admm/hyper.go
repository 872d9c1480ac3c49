package admm

import "fmt"

// Hyper are the ADMM hyperparameters (the `admm:` section of the config).
// Zero values take the defaults of PAPER.md §5 noted on each field.
type Hyper struct {
	Mode           string  `yaml:"mode"`             // sequential (prune, then quantize) or joint; default sequential
	Rho            float64 `yaml:"rho"`              // initial rho, 1e-3
	RhoGrowth      float64 `yaml:"rho_growth"`       // per pruning update, 1.3 (group's range 1.1..1.35)
	RhoMax         float64 `yaml:"rho_max"`          // pruning cap, 1
	QuantRhoGrowth float64 `yaml:"quant_rho_growth"` // per quantization update, 1.5
	Updates        int     `yaml:"updates"`          // Z/U updates of the pruning ADMM, 4
	QuantUpdates   int     `yaml:"quant_updates"`    // Z/U updates of the quantization ADMM, 3
	EpochsPerStep  int     `yaml:"epochs_per_update"`
	Retrain        int     `yaml:"retrain_epochs"`       // masked retraining, 2
	QuantRetrain   int     `yaml:"quant_retrain_epochs"` // retraining with frozen quantized weights, 1
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
	// Distill mixes the uncompressed model's outputs into the loss of every
	// training phase with this weight (knowledge distillation,
	// train.Distill; 0: labels only), at temperature DistillT (4).
	Distill     float64 `yaml:"distill"`
	DistillT    float64 `yaml:"distill_t"`
	LR          float64 `yaml:"lr"`           // 0.01 (SGD), restarted at every update
	QuantLR     float64 `yaml:"quant_lr"`     // learning rate of the quantization phases (default lr)
	Optimizer   string  `yaml:"optimizer"`    // sgd, nesterov or adam; sgd
	Batch       int     `yaml:"batch"`        // 64
	WeightDecay float64 `yaml:"weight_decay"` // 0
	Seed        uint64  `yaml:"seed"`         // 1
	Limit       int     `yaml:"limit"`        // train on the first N images (0: all)
	Purify      float64 `yaml:"purify"`       // drop groups with norm <= purify * largest; 0: exact zeros only
	// Layer-wise mode.
	CalibImages    int     `yaml:"calib_images"`    // 256
	LayerwiseIters int     `yaml:"layerwise_iters"` // ADMM iterations per layer and phase, 30
	LayerwiseRho   float64 `yaml:"layerwise_rho"`   // relative to the mean diagonal of X X^T, 0.05
	// LayerwiseIndependent fits every layer to the original model's
	// activations alone (one capture) instead of to what its compressed
	// predecessors feed it (the default, one capture per layer).
	LayerwiseIndependent bool `yaml:"layerwise_independent"`
}

// withDefaults fills the zero fields.
func (h Hyper) withDefaults() (Hyper, error) {
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
	if h.Mode == "" {
		h.Mode = "sequential"
	}
	if h.Mode != "sequential" && h.Mode != "joint" {
		return h, fmt.Errorf("admm.mode %q: want sequential or joint", h.Mode)
	}
	if h.QuantRetrainMode == "" {
		h.QuantRetrainMode = "frozen"
	}
	if h.QuantRetrainMode != "frozen" && h.QuantRetrainMode != "ste" {
		return h, fmt.Errorf("admm.quant_retrain %q: want frozen or ste", h.QuantRetrainMode)
	}
	if h.ActScale == "" {
		h.ActScale = "calib"
	}
	if h.ActScale != "calib" && h.ActScale != "running" {
		return h, fmt.Errorf("admm.act_scale %q: want calib or running", h.ActScale)
	}
	if h.Optimizer == "" {
		h.Optimizer = "sgd"
	}
	setF(&h.Rho, 1e-3)
	setF(&h.RhoGrowth, 1.3)
	setF(&h.RhoMax, 1)
	setF(&h.QuantRhoGrowth, 1.5)
	setI(&h.Updates, 4)
	setI(&h.QuantUpdates, 3)
	setI(&h.EpochsPerStep, 1)
	setI(&h.ActCalibEvery, 10)
	setI(&h.Retrain, 2)
	setI(&h.QuantRetrain, 1)
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
	if h.Rho < 0 || h.RhoGrowth < 1 || h.QuantRhoGrowth < 1 || h.Updates < 0 || h.QuantUpdates < 0 || h.Retrain < 0 || h.QuantRetrain < 0 || h.ActCalibEvery < 0 || h.Purify < 0 || h.Purify >= 1 || h.Distill < 0 || h.Distill > 1 || h.DistillT < 0 {
		return h, fmt.Errorf("admm: hyperparameters out of range: %+v", h)
	}
	return h, nil
}
