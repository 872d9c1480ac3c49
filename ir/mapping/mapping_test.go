package mapping_test

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/pimc-dev/pimc/frontend"
	"github.com/pimc-dev/pimc/internal/lenet5"
	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/mapping"
	"github.com/pimc-dev/pimc/passes"
	"github.com/pimc-dev/pimc/target"
)

// quantizedLeNet is the embedded LeNet-5 at W8A8 (random calibration: the
// mapping depends on the weights only).
func quantizedLeNet(t *testing.T, model []byte) *ir.Graph {
	t.Helper()
	g, err := frontend.Import("lenet5.onnx", model, frontend.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := passes.NewManager().RunString(g, "canonicalize,quantize{calib=random:1}"); err != nil {
		t.Fatal(err)
	}
	return g
}

func defaultGeometry(t *testing.T) mapping.Geometry {
	t.Helper()
	tgt, err := target.LoadOrPreset("")
	if err != nil {
		t.Fatal(err)
	}
	return mapping.GeometryOf(tgt)
}

func node(g *ir.Graph, name string) *ir.Node {
	for _, n := range g.Nodes {
		if n.Name == name {
			return n
		}
	}
	return nil
}

// TestEncodeDecode: the attributes written for a plan read back as the same
// layers, the mapped graph verifies, and it prints and parses back.
func TestEncodeDecode(t *testing.T) {
	for _, model := range [][]byte{lenet5.ONNX, lenet5.ADMM} {
		g := quantizedLeNet(t, model)
		geo := defaultGeometry(t)
		p, err := mapping.PlanGraph(g, geo, mapping.Options{})
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range p.Layers {
			mapping.Encode(l, geo)
		}
		g.Stage = ir.StageMapped
		if err := ir.Verify(g); err != nil {
			t.Fatal(err)
		}
		q, err := mapping.DecodeGraph(g, geo)
		if err != nil {
			t.Fatal(err)
		}
		if q.Used != p.Used || len(q.Layers) != len(p.Layers) {
			t.Fatalf("decoded %d layers on %d sub-arrays, planned %d on %d", len(q.Layers), q.Used, len(p.Layers), p.Used)
		}
		for i, l := range p.Layers {
			d := q.Layers[i]
			if d.M != l.M || d.N != l.N || !slices.Equal(d.Tiles, l.Tiles) || d.FirstSubarray != l.FirstSubarray || d.Subarrays != l.Subarrays {
				t.Errorf("%s: decoded %+v, planned %+v", l.Node.Name, d, l)
			}
			for gi := range l.Groups {
				a, b := l.Groups[gi], d.Groups[gi]
				if !slices.Equal(a.Filters, b.Filters) || !slices.Equal(a.Cols, b.Cols) || !slices.Equal(a.Segs, b.Segs) {
					t.Errorf("%s group %d differs after decoding", l.Node.Name, gi)
				}
			}
		}
		var buf bytes.Buffer
		if err := ir.Print(&buf, g, ir.PrintOptions{}); err != nil {
			t.Fatal(err)
		}
		g2, err := ir.Parse("mapped.pir", buf.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		if err := ir.Verify(g2); err != nil {
			t.Fatalf("parsed mapped graph: %v", err)
		}
		var buf2 bytes.Buffer
		ir.Print(&buf2, g2, ir.PrintOptions{})
		if !bytes.Equal(buf.Bytes(), buf2.Bytes()) {
			t.Error("print(parse(print(mapped))) differs from print(mapped)")
		}
	}
}

// TestPrunedModelUsesFewerSubarrays: the ADMM model (filters and columns
// pruned) keeps fewer filters and columns and needs fewer sub-arrays than
// the dense one, and every dropped filter is all zero (checked by Verify).
func TestPrunedModelUsesFewerSubarrays(t *testing.T) {
	geo := defaultGeometry(t)
	dense, err := mapping.PlanGraph(quantizedLeNet(t, lenet5.ONNX), geo, mapping.Options{})
	if err != nil {
		t.Fatal(err)
	}
	pruned, err := mapping.PlanGraph(quantizedLeNet(t, lenet5.ADMM), geo, mapping.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var kd, kp int
	for i := range dense.Layers {
		kd += dense.Layers[i].KeptFilters() * dense.Layers[i].KeptCols()
		kp += pruned.Layers[i].KeptFilters() * pruned.Layers[i].KeptCols()
	}
	if kp >= kd || pruned.Used >= dense.Used {
		t.Errorf("pruned model: %d kept filter x column cells on %d sub-arrays, dense %d on %d", kp, pruned.Used, kd, dense.Used)
	}
}

// TestColumnOrder: a convolution's columns are in NHWC window order
// (ky, kx, c) and an fc after a flatten of an NHWC tensor takes the
// flattened elements in NHWC order.
func TestColumnOrder(t *testing.T) {
	g := quantizedLeNet(t, lenet5.ONNX)
	p, err := mapping.PlanGraph(g, defaultGeometry(t), mapping.Options{})
	if err != nil {
		t.Fatal(err)
	}
	conv2 := p.ByNode[node(g, "conv2")].Groups[0].Cols // [16, 6, 5, 5]: k = (c*5+ky)*5+kx
	if want := []int{0, 25, 50, 75, 100, 125, 1, 26}; !slices.Equal(conv2[:8], want) {
		t.Errorf("conv2 columns start %v, want %v (ky, kx, c)", conv2[:8], want)
	}
	fc1 := p.ByNode[node(g, "fc1")].Groups[0].Cols // flatten of [1, 16, 5, 5]: k = c*25 + h*5 + w
	if want := []int{0, 25, 50}; !slices.Equal(fc1[:3], want) || fc1[16] != 1 {
		t.Errorf("fc1 columns start %v (16th %d), want %v... then 1 (h, w, c)", fc1[:3], fc1[16], want)
	}
}

// TestVerifyReportsEveryMappingProblem breaks a mapped LeNet-5 in several
// ways at once: every problem is reported, each naming its node.
func TestVerifyReportsEveryMappingProblem(t *testing.T) {
	g := quantizedLeNet(t, lenet5.ONNX)
	geo := defaultGeometry(t)
	p, err := mapping.PlanGraph(g, geo, mapping.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range p.Layers {
		mapping.Encode(l, geo)
	}
	g.Stage = ir.StageMapped
	set := func(name, attr string, v ...int64) { node(g, name).SetAttr(attr, ir.IntsAttr(v...)) }
	// conv1: drop filter 2 (non-zero codes) and cover the rest.
	set("conv1", mapping.AttrFilters, 0, 1, 3, 4, 5)
	set("conv1", mapping.AttrTiles, 0, 0, 0, 0, 0, 5)
	// conv2: the tile on fc3's sub-array 13, beyond the rows.
	set("conv2", mapping.AttrTiles, 0, 0, 13, 200, 0, 16)
	// fc2: a segment longer than a row (cols 256 on the default target).
	fc2 := node(g, "fc2")
	fc2.SetAttr(mapping.AttrGeom, ir.IntsAttr(256, 100, 24))
	// fc3: tiles overlapping and filter 9 placed twice.
	set("fc3", mapping.AttrTiles, 0, 0, 13, 0, 0, 10, 0, 0, 13, 5, 9, 10)
	err = ir.Verify(g)
	if err == nil {
		t.Fatal("broken mapping verifies")
	}
	msg := err.Error()
	for _, want := range []string{
		`"conv1"`, "filter 2 column 0 holds code",
		`"conv2"`, "outside its 256 rows",
		`"fc2"`, "segment 0 has 120 columns, a row has 100",
		`"fc3"`, "share rows of sub-array 13", "filter 9 is placed 2 times",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("verify error lacks %q:\n%s", want, msg)
		}
	}
	// A matrix layer without a mapping at stage mapped.
	delete(node(g, "conv1").Attrs, mapping.AttrTiles)
	if err := ir.Verify(g); err == nil || !strings.Contains(err.Error(), "has no mapping") {
		t.Errorf("missing mapping: %v", err)
	}
}

// TestVerifySharedSubarray: two layers on one sub-array, and layers mapped
// for different geometries, are reported.
func TestVerifySharedSubarray(t *testing.T) {
	g := quantizedLeNet(t, lenet5.ONNX)
	geo := defaultGeometry(t)
	p, err := mapping.PlanGraph(g, geo, mapping.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range p.Layers {
		mapping.Encode(l, geo)
	}
	g.Stage = ir.StageMapped
	fc3 := node(g, "fc3")
	last := p.ByNode[node(g, "fc2")].Tiles[2].SA
	fc3.SetAttr(mapping.AttrTiles, ir.IntsAttr(0, 0, int64(last), 0, 0, 10))
	fc3.SetAttr(mapping.AttrGeom, ir.IntsAttr(512, 256, 24))
	err = ir.Verify(g)
	if err == nil {
		t.Fatal("shared sub-array verifies")
	}
	for _, want := range []string{"also holds tiles of", "made for [512 256 24]"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("verify error lacks %q:\n%v", want, err)
		}
	}
}

// TestBitWeight: the low M bits of the code, i.e. the sum of 2^m over the
// planes set (an M-plane two's complement code, top plane counted by its
// magnitude).
func TestBitWeight(t *testing.T) {
	for _, c := range []struct {
		code int64
		M    int
		want int64
	}{{0, 8, 0}, {1, 8, 1}, {-1, 8, 255}, {-128, 8, 128}, {127, 8, 127}, {-1, 2, 3}, {1, 2, 1}, {-3, 3, 5}} {
		want := int64(0)
		for m := 0; m < c.M; m++ {
			if uint64(c.code)>>m&1 != 0 {
				want += 1 << m
			}
		}
		if got := mapping.BitWeight(c.code, c.M); got != c.want || got != want {
			t.Errorf("BitWeight(%d, %d) = %d, want %d", c.code, c.M, got, c.want)
		}
	}
}

// TestAutoReplicas: auto serves the slowest one-sub-array layers first from
// the idle sub-arrays, never the one-pixel fcs, and never more than idle;
// with group instructions a layer gets as many replicas as its channels
// fit side by side in one DPU vector (conv1: 6 channels, 64 lanes: 10),
// at least 4.
func TestAutoReplicas(t *testing.T) {
	g := quantizedLeNet(t, lenet5.ONNX)
	geo := defaultGeometry(t)
	for _, c := range []struct {
		group, subarrays int
		conv1, conv2     int
	}{{0, 1024, 2, 2}, {0, 15, 2, 1}, {0, 14, 1, 1}, {64, 1024, 10, 4}, {64, 18, 5, 1}, {1, 1024, 1, 1}} {
		geo.Group, geo.Subarrays = c.group, c.subarrays
		p, err := mapping.PlanGraph(g, geo, mapping.Options{Replicate: mapping.Auto})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]int{}
		for _, l := range p.Layers {
			got[l.Node.Name] = l.Replicas
		}
		if got["conv1"] != c.conv1 || got["conv2"] != c.conv2 || got["fc1"] != 1 || got["fc3"] != 1 || p.Used > c.subarrays {
			t.Errorf("group %d, %d sub-arrays: replicas %v on %d sub-arrays, want conv1 %d conv2 %d", c.group, c.subarrays, got, p.Used, c.conv1, c.conv2)
		}
	}
}

// TestColumnOrderOfFloatLayers: ColumnOrder on the float conv and gemm a
// layer is quantized from gives the order the planner gives the dense
// quantized layer (ADMM block pruning relies on it).
func TestColumnOrderOfFloatLayers(t *testing.T) {
	f, err := frontend.Import("lenet5.onnx", lenet5.ONNX, frontend.Options{})
	if err != nil {
		t.Fatal(err)
	}
	g := quantizedLeNet(t, lenet5.ONNX)
	p, err := mapping.PlanGraph(g, defaultGeometry(t), mapping.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"conv1", "conv2", "fc1", "fc2"} {
		got, err := mapping.ColumnOrder(node(f, name))
		if err != nil {
			t.Fatal(err)
		}
		if want := p.ByNode[node(g, name)].Groups[0].Cols; !slices.Equal(got, want) {
			t.Errorf("%s (%s): float order %v..., planned %v...", name, node(f, name).Op, got[:min(8, len(got))], want[:min(8, len(want))])
		}
	}
}

// TestVerifyMissingTile: a (segment, filter) with non-zero codes and no
// tile is reported (only all-zero parts may go without one).
func TestVerifyMissingTile(t *testing.T) {
	g := quantizedLeNet(t, lenet5.ONNX)
	geo := defaultGeometry(t)
	p, err := mapping.PlanGraph(g, geo, mapping.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range p.Layers {
		mapping.Encode(l, geo)
	}
	g.Stage = ir.StageMapped
	if err := ir.Verify(g); err != nil {
		t.Fatal(err)
	}
	n := node(g, "conv2")
	tiles := n.Attrs[mapping.AttrTiles].Ints
	n.SetAttr(mapping.AttrTiles, ir.IntsAttr(tiles[6:]...)) // drop the first tile
	if err := ir.Verify(g); err == nil || !strings.Contains(err.Error(), "is placed 0 times, want once") {
		t.Errorf("conv2 without its first tile: %v", err)
	}
}
