package passes

import (
	"fmt"
	"strings"

	"github.com/pimc-dev/pimc/ir"
)

// quantize turns a canonical float graph into the quantized stage: matrix
// layers become qconv/qfc with integer weights, biases and requantization
// multipliers, residual adds, concats and average pools their integer
// forms, data movement and max pooling run on the codes, and everything the
// accelerator cannot do stays float on the host between dequantize and
// quantize. docs/QUANT.md is the specification.
func init() {
	bitsCheck := func(v any) error {
		if b := v.(int64); b < 1 || b > 8 {
			return fmt.Errorf("want 1..8, got %d", b)
		}
		return nil
	}
	Register(&Info{
		Name:     "quantize",
		Summary:  "quantize weights and activations to integers (W/A bits, calibration, per-layer YAML)",
		Needs:    []ir.Stage{ir.StageCanonical},
		Produces: ir.StageQuantized,
		Options: []OptionSpec{
			{Name: "wbits", Kind: OptInt, Default: "8", Doc: "weight bits of matrix layers (1 = binary +-1)", Check: bitsCheck},
			{Name: "abits", Kind: OptInt, Default: "8", Doc: "activation bits", Check: bitsCheck},
			{Name: "per-channel", Kind: OptBool, Default: "true", Doc: "one weight scale per output channel (false: per layer)"},
			{Name: "calib", Kind: OptString, Default: "random:8", Doc: "calibration inputs: random:N, mnist, fashion-mnist or a folder of .pb/.npy/.npz"},
			{Name: "calibrator", Kind: OptString, Default: "minmax", Enum: []string{"minmax", "percentile"}, Doc: "range of a value: max|x| or a percentile of |x|"},
			{Name: "percentile", Kind: OptFloat, Default: "99.99", Doc: "percentile of |x| for calibrator=percentile",
				Check: func(v any) error {
					if p := v.(float64); !(p > 0 && p <= 100) {
						return fmt.Errorf("want a percentile in (0, 100], got %v", p)
					}
					return nil
				}},
			{Name: "config", Kind: OptString, Default: "", Doc: "YAML file of per-node widths: <ONNX node name>: {wbits: N, abits: N}"},
			{Name: "keep-ends", Kind: OptBool, Default: "true", Doc: "first and last matrix layers keep 8-bit weights and activations unless the config says otherwise"},
			{Name: "out-bits", Kind: OptInt, Default: "16", Doc: "bits of a matrix layer's output that goes only to the host (logits, graph outputs); 0 = its abits",
				Check: func(v any) error {
					if b := v.(int64); b != 0 && (b < 2 || b > 16) {
						return fmt.Errorf("want 0 (the layer's abits) or 2..16, got %d", b)
					}
					return nil
				}},
			{Name: "seed", Kind: OptInt, Default: "1", Doc: "seed of calib=random:N"},
			{Name: "weights", Kind: OptString, Default: "auto", Enum: []string{"auto", "from-model", "requantize"},
				Doc: "weights already quantized by pimc compress (metadata pimc.quant): auto maps them as recorded when present, from-model requires the record, requantize ignores it"},
		},
		New: func(o Options) (Pass, error) {
			opts := quantizeOpts{
				wbits: int(o.Int("wbits")), abits: int(o.Int("abits")), perChannel: o.Bool("per-channel"),
				calib: o.String("calib"), calibrator: o.String("calibrator"), percentile: o.Float("percentile"),
				config: o.String("config"), keepEnds: o.Bool("keep-ends"), seed: o.Int("seed"),
				weights: o.String("weights"), outBits: int(o.Int("out-bits")),
			}
			return PassFunc(func(ctx *Context, g *ir.Graph) (bool, error) { return runQuantize(ctx, g, opts) }), nil
		},
	})
}

// quantizeOpts are the parsed options of one quantize pass.
type quantizeOpts struct {
	wbits, abits int
	perChannel   bool
	calib        string
	calibrator   string
	percentile   float64
	config       string
	keepEnds     bool
	seed         int64
	weights      string // auto, from-model, requantize
	outBits      int    // width of host-bound matrix outputs, 0 = abits (quantize_hostout.go)
}

func runQuantize(ctx *Context, g *ir.Graph, o quantizeOpts) (bool, error) {
	var cfg map[string]layerBits
	if o.config != "" {
		var err error
		if cfg, err = readQuantConfig(ctx, o.config, g); err != nil {
			return false, err
		}
	}
	var rec map[string]*recordedLayer
	if o.weights != "requantize" {
		var err error
		if rec, err = readQuantRecord(g); err != nil {
			return false, err
		}
		if rec == nil && o.weights == "from-model" {
			return false, fmt.Errorf("quantize: weights=from-model but the model has no %s metadata (compress it with pimc compress)", quantRecordKey)
		}
	}
	stats, err := calibrateWith(ctx, g, o, 1)
	if err != nil && strings.HasPrefix(o.calib, "random:") {
		// Integer inputs of 1 fail where an index must be 0 (a size-1
		// axis); 0 fails where the input divides. Try both.
		if s0, err0 := calibrateWith(ctx, g, o, 0); err0 == nil {
			stats, err = s0, nil
		}
	}
	if err != nil {
		return false, err
	}
	q := newQuantizer(g, o, stats, cfg)
	q.rec = rec
	if err := q.run(); err != nil {
		return false, err
	}
	g.Stage = ir.StageQuantized
	for _, k := range []string{"integer layers", "host ops", "quantize nodes", "dequantize nodes"} {
		ctx.Count(k, q.counts[k])
	}
	return true, nil
}

// calibrateWith builds the calibration samples (integer inputs of random
// ones filled with intFill) and runs them.
func calibrateWith(ctx *Context, g *ir.Graph, o quantizeOpts, intFill int64) (map[*ir.Value]*valueStats, error) {
	samples, err := calibSamples(ctx, g, o.calib, o.seed, intFill)
	if err != nil {
		return nil, err
	}
	return calibrate(g, samples, o.calibrator == "percentile")
}

// layerError names the node a quantization failure is about.
func layerError(n *ir.Node, format string, args ...any) error {
	onnx := ""
	if n.OnnxOp != "" {
		onnx = " (ONNX " + n.OnnxOp + ")"
	}
	return fmt.Errorf("quantize: node %s%s: %s", n.Origin(), onnx, strings.TrimSpace(fmt.Sprintf(format, args...)))
}
