package mapping

import (
	"fmt"

	"github.com/pimc-dev/pimc/ir"
)

func init() { ir.RegisterCheck("mapping", checkGraph) }

// checkGraph is the verifier rule of the mapped stage (docs/STYLE.md
// "Verifier"): every qconv/qfc carries a mapping that decode accepts, all
// made for one sub-array geometry, and no sub-array holds tiles of two
// layers unless both are reprogrammed (they take turns in the window,
// reprogram.go). Every problem is reported.
func checkGraph(g *ir.Graph, report func(n *ir.Node, format string, args ...any)) {
	if g.Stage != ir.StageMapped {
		return
	}
	owner := map[int]*ir.Node{}
	reprogrammed := map[*ir.Node]bool{}
	var geo0 [3]int
	var geoNode *ir.Node
	for _, n := range g.Nodes {
		if !IsMatrix(n) {
			continue
		}
		if !HasMapping(n) {
			report(n, "%s at stage mapped has no mapping (run the map pass)", n.Op)
			continue
		}
		l, geo := decode(n, func(format string, args ...any) {
			report(n, "mapping: "+format, args...)
		})
		if l == nil {
			continue
		}
		if geoNode == nil {
			geo0, geoNode = geo, n
		} else if geo != geo0 {
			report(n, "mapping: made for %v (rows, cols, acc_bits), %s for %v", geo, geoNode.Origin(), geo0)
		}
		reprogrammed[n] = l.Reprogrammed
		reported := map[int]bool{}
		for _, t := range l.Tiles {
			if o := owner[t.SA]; o != nil && o != n && !(l.Reprogrammed && reprogrammed[o]) && !reported[t.SA] {
				report(n, "mapping: sub-array %d also holds tiles of %s", t.SA, o.Origin())
				reported[t.SA] = true
				continue
			}
			owner[t.SA] = n
		}
	}
}

// CheckPlanFits is used by the backend on a mapped graph: every layer's
// mapping must be made for the target's geometry and inside its sub-arrays.
func CheckPlanFits(p *Plan, geos map[*ir.Node][3]int) error {
	for _, l := range p.Layers {
		want := [3]int{p.Geom.Rows, p.Geom.Cols, p.Geom.AccBits}
		if got := geos[l.Node]; got != want {
			return nodeError(l.Node, fmt.Errorf("mapped for sub-arrays of %d rows x %d columns with %d-bit accumulators, the target %q has %d x %d, %d-bit (re-run the map pass for this target)",
				got[0], got[1], got[2], p.Geom.Name, want[0], want[1], want[2]))
		}
	}
	return nil
}

// DecodeGraph reads the mapping of every matrix layer of a mapped graph
// into a Plan for geo (which must match the geometry recorded on every
// layer). Problems are errors; the verifier reports them all.
func DecodeGraph(g *ir.Graph, geo Geometry) (*Plan, error) {
	p := &Plan{Geom: geo, ByNode: map[*ir.Node]*Layer{}}
	geos := map[*ir.Node][3]int{}
	owner := map[int]*ir.Node{}
	for _, n := range g.Nodes {
		if !IsMatrix(n) {
			continue
		}
		if !HasMapping(n) {
			return nil, nodeError(n, fmt.Errorf("no mapping at stage mapped (run the map pass)"))
		}
		l, gg, err := Decode(n)
		if err != nil {
			return nil, err
		}
		for _, t := range l.Tiles {
			if o := owner[t.SA]; o != nil && o != n && !(l.Reprogrammed && p.ByNode[o].Reprogrammed) {
				return nil, nodeError(n, fmt.Errorf("mapping: sub-array %d also holds tiles of %s", t.SA, o.Origin()))
			}
			owner[t.SA] = n
			p.Used = max(p.Used, t.SA+1)
		}
		geos[n] = gg
		p.Layers = append(p.Layers, l)
		p.ByNode[n] = l
	}
	if err := CheckPlanFits(p, geos); err != nil {
		return nil, err
	}
	return p, nil
}
