package passes

import (
	"fmt"
	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/mapping"
	"github.com/pimc-dev/pimc/target"
)

// The map pass takes a quantized graph to the mapped stage: every qconv and
// qfc gets the attributes of its sub-array mapping (ir/mapping, docs/PIR.md
// "Mapped stage", docs/BACKEND.md §2): kept filters and K columns (all-zero
// filters and columns removed), column segments, and every tile (replica,
// segment, sub-array, first row, filters). Nothing else changes: the
// interpreter ignores the attributes, the backend emits what they say.
// The target is the pipeline's (Env.Target: pimc compile -target) unless
// the target option names another, which Env.LoadTarget loads.
func init() {
	Register(&Info{
		Name:     "map",
		Summary:  "map every qconv/qfc onto sub-arrays (kept filters/columns, segments, tiles, replicas) for a target",
		Needs:    []ir.Stage{ir.StageQuantized, ir.StageMapped},
		Produces: ir.StageMapped,
		Options: []OptionSpec{
			{Name: "target", Kind: OptString, Default: "", Doc: "hardware description file or preset (default " + target.DefaultPreset + "), as pimc compile -target"},
			{Name: "replicate", Kind: OptString, Default: "off", Doc: "copies of small layers computing different output pixels: off, auto (per layer, from the idle sub-arrays) or N (1..4)",
				Check: func(v any) error { _, err := mapping.ParseReplicate(v.(string)); return err }},
			{Name: "binary", Kind: OptString, Default: "one-plane", Doc: "binary {-1,+1} layers: one-plane (b = (w+1)/2, w.x = 2 b.x - sum(x), the sum shared by a tile's filters) or two-plane (2-bit two's complement, twice the ANDs; the form before issue 12)",
				Check: func(v any) error {
					if s := v.(string); s != "one-plane" && s != "two-plane" {
						return fmt.Errorf("want one-plane or two-plane, got %q", s)
					}
					return nil
				}},
		},
		New: func(o Options) (Pass, error) {
			rep, err := mapping.ParseReplicate(o.String("replicate"))
			if err != nil {
				return nil, err
			}
			tname, two := o.String("target"), o.String("binary") == "two-plane"
			return PassFunc(func(ctx *Context, g *ir.Graph) (bool, error) {
				return runMap(ctx, g, tname, mapping.Options{Replicate: rep, TwoPlaneBinary: two})
			}), nil
		},
	})
}

// runMap maps g onto the target the option tname names: the pipeline's
// target (Env.Target) when it names none.
func runMap(ctx *Context, g *ir.Graph, tname string, opts mapping.Options) (bool, error) {
	tgt, err := ctx.loadTarget(tname)
	if err != nil {
		return false, err
	}
	geo := mapping.GeometryOf(tgt)
	plan, err := mapping.PlanGraph(g, geo, opts)
	if err != nil {
		return false, err
	}
	if err := plan.FitError(); err != nil {
		return false, err
	}
	changed := g.Stage != ir.StageMapped
	for _, l := range plan.Layers {
		if mapping.Encode(l, geo) {
			changed = true
		}
		ctx.Count("mapped layers", 1)
		if l.Replicas > 1 {
			ctx.Count("replicated layers", 1)
		}
	}
	ctx.Count("sub-arrays", plan.Used)
	g.Stage = ir.StageMapped
	return changed, nil
}
