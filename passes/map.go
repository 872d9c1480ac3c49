package passes

import (
	"fmt"
	"strconv"

	"github.com/pimc-dev/pimc/backend/target"
	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/mapping"
)

// The map pass takes a quantized graph to the mapped stage: every qconv and
// qfc gets the attributes of its sub-array mapping (ir/mapping, docs/PIR.md
// "Mapped stage", docs/BACKEND.md §2): kept filters and K columns (all-zero
// filters and columns removed), column segments, and every tile (replica,
// segment, sub-array, first row, filters). Nothing else changes: the
// interpreter ignores the attributes, the backend emits what they say.
func init() {
	Register(&Info{
		Name:     "map",
		Summary:  "map every qconv/qfc onto sub-arrays (kept filters/columns, segments, tiles, replicas) for a target",
		Needs:    []ir.Stage{ir.StageQuantized, ir.StageMapped},
		Produces: ir.StageMapped,
		Options: []OptionSpec{
			{Name: "target", Kind: OptString, Default: "", Doc: "hardware description file or preset (default " + target.DefaultPreset + "), as pimc compile -target"},
			{Name: "replicate", Kind: OptString, Default: "off", Doc: "copies of small layers computing different output pixels: off, auto (per layer, from the idle sub-arrays) or N (1..4)",
				Check: func(v any) error { _, err := parseReplicate(v.(string)); return err }},
		},
		New: func(o Options) (Pass, error) {
			rep, err := parseReplicate(o.String("replicate"))
			if err != nil {
				return nil, err
			}
			tpath := o.String("target")
			return PassFunc(func(ctx *Context, g *ir.Graph) (bool, error) {
				return runMap(ctx, g, tpath, mapping.Options{Replicate: rep})
			}), nil
		},
	})
}

// parseReplicate reads the replicate option: off (1), auto or a count.
func parseReplicate(s string) (int, error) {
	switch s {
	case "off":
		return 1, nil
	case "auto":
		return mapping.Auto, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		return 0, fmt.Errorf("want off, auto or a count 1..4, got %q", s)
	}
	if err := mapping.CheckReplicate(n); err != nil {
		return 0, err
	}
	return n, nil
}

func runMap(ctx *Context, g *ir.Graph, tpath string, opts mapping.Options) (bool, error) {
	tgt, err := target.LoadOrPreset(tpath)
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
