package passes

import (
	"fmt"

	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/ir/tensor"
)

// resize-lower rewrites a bilinear upsampling by even integer factors
// (Resize mode linear, half_pixel or pytorch_half_pixel coordinates, N and
// C kept, H and W multiplied by s = 2, 4, 6, ...) as ops the device runs:
// per upsampled axis, an edge pad of one cell (two slices and a concat),
// then a depthwise conv_transpose of stride s with the tent kernel
// k[t] = (2 min(t, 2s-1-t) + 1) / (2s), t < 2s, and pads 3s/2 on both
// sides; conv-transpose-lower then makes it zero_insert + conv, which the
// quantize pass puts on the sub-arrays.
//
// Why it is the same function: the transposed conv adds x[i] * k[o + p - i s]
// to output o (p = 3s/2), which is the tent 1 - |c - i| at
// c = (o + p + 1/2)/s - 1, so it interpolates the padded input at
// c = (o + 1/2)/s + 1/2, i.e. the original input at (o + 1/2)/s - 1/2,
// half_pixel's coordinate. Within the input two taps are nonzero and
// their weights are ONNX's; the first and last s/2 outputs fall before the
// first or after the last cell, where ONNX clamps the coordinate, and the
// edge pad (a copy of that cell) gives the same value. The float results
// differ from the interpreter's Resize by float32 rounding only (the
// kernel's weights are exact binary fractions for s a power of 2).
//
// A nearest resize with integer factors s_h, s_w is lowered when its index
// map, computed at compile time from the node's coordinate transformation
// and nearest_mode by the interpreter's own rule
// (tensor.ResizeNearestIndex), is pure replication, out o reading cell
// o / s on each axis: asymmetric with floor (PyTorch's nn.Upsample
// nearest), or with round_prefer_floor at s = 2, half_pixel with
// round_prefer_floor or floor at s = 2, and so on; the map decides, not a
// list of modes. It becomes one depthwise conv_transpose of stride
// (s_h, s_w), pads 0, with an s_h x s_w kernel of ones (output o gets
// x[i] * k[o - i s], nonzero for i = o / s only), i.e. zero_insert and a
// conv after conv-transpose-lower; the ones are exact at 2 weight bits and
// the float result is exactly the copy.
//
// Anything else (cubic, nearest maps that are not o / s, odd or
// fractional linear factors, downsampling, other coordinate modes, a rank
// other than 4) stays a host op; HostReason says which (resizeKeptWhy).
func init() {
	Register(&Info{
		Name:     "resize-lower",
		Summary:  "rewrite bilinear upsampling by even integer factors as edge pad + depthwise conv_transpose (tent kernel), nearest upsampling that repeats cells as a depthwise conv_transpose with ones",
		Needs:    []ir.Stage{ir.StageImport, ir.StageCanonical},
		Produces: SameStage,
		New:      func(Options) (Pass, error) { return PassFunc(runResizeLower), nil },
	})
}

func runResizeLower(ctx *Context, g *ir.Graph) (bool, error) {
	nm := newNamer(g)
	n, err := rewriteNodes(g, func(n *ir.Node) ([]*ir.Node, bool, error) {
		if n.Op != ir.OpResize {
			return nil, false, nil
		}
		if f, _ := nearestFactors(n); f != nil {
			ctx.Count("resize lowered (nearest)", 1)
			return lowerNearest(g, nm, n, f), true, nil
		}
		factors, why := bilinearFactors(n)
		if factors == nil {
			ctx.Count("resize kept: "+why, 1)
			return nil, false, nil
		}
		ctx.Count("resize lowered", 1)
		return lowerResize(g, nm, n, factors), true, nil
	})
	if err != nil {
		return false, err
	}
	if n > 0 {
		orderConsts(g)
	}
	return n > 0, nil
}

// resizeKeptWhy says why resize-lower leaves n, a resize, as it is.
func resizeKeptWhy(n *ir.Node) string {
	if ir.ResizeParams(n).Mode == "nearest" {
		_, why := nearestFactors(n)
		return why
	}
	_, why := bilinearFactors(n)
	return why
}

// resizeShapes checks what both lowerings need: a 4-D float32 resize that
// keeps N and C.
func resizeShapes(n *ir.Node) string {
	x, y := n.Inputs[0], n.Outputs[0]
	if len(x.Type.Shape) != 4 || len(y.Type.Shape) != 4 || x.Type.DType != tensor.Float32 {
		return "not a 4-D float32 resize"
	}
	if x.Type.Shape[0] != y.Type.Shape[0] || x.Type.Shape[1] != y.Type.Shape[1] {
		return "batch or channels resized"
	}
	return ""
}

// nearestFactors returns the integer factors of H and W of a nearest
// resize whose index map is out o reading cell o / s on both axes, or nil
// and the reason it is not.
func nearestFactors(n *ir.Node) ([]int, string) {
	if why := resizeShapes(n); why != "" {
		return nil, why
	}
	p := ir.ResizeParams(n)
	if p.Mode != "nearest" {
		return nil, "mode " + p.Mode
	}
	xs, ys := n.Inputs[0].Type.Shape, n.Outputs[0].Type.Shape
	f := make([]int, 2)
	for i := range f {
		ax, in, out := 2+i, xs[2+i], ys[2+i]
		if in < 1 || out%in != 0 {
			return nil, "nearest: not an integer upsampling"
		}
		s := out / in
		f[i] = s
		idx := tensor.ResizeNearestIndex(p, ax, in)
		if idx == nil && s == 1 {
			continue // axis unchanged
		}
		for o := range out {
			if idx == nil || idx[o] != o/s {
				return nil, fmt.Sprintf("nearest: coordinates %s with nearest_mode %s do not repeat each cell %d times (output %d of axis %d reads cell %d)",
					p.Coord, p.Nearest, s, o, ax, nearestAt(idx, o))
			}
		}
	}
	if f[0] == 1 && f[1] == 1 {
		return nil, "no upsampling"
	}
	return f, ""
}

// nearestAt is idx[o], or -1 without a map (an extrapolated coordinate).
func nearestAt(idx []int, o int) int {
	if idx == nil {
		return -1
	}
	return idx[o]
}

// lowerNearest builds the depthwise conv_transpose of stride f with a
// kernel of ones that replaces n (see above).
func lowerNearest(g *ir.Graph, nm *namer, n *ir.Node, f []int) []*ir.Node {
	c := n.Inputs[0].Type.Shape[1]
	k := tensor.New(tensor.Float32, c, 1, f[0], f[1])
	for i := range k.F32 {
		k.F32[i] = 1
	}
	w := g.AddConst(nm.fresh(n.Name, ".ones"), k)
	return []*ir.Node{newNode(ir.OpConvTranspose, n, ir.Attrs{
		"strides": ir.IntsFromInts(f), "pads": ir.IntsFromInts([]int{0, 0, 0, 0}), "dilations": ir.IntsFromInts([]int{1, 1}),
		"output_padding": ir.IntsFromInts([]int{0, 0}), "group": ir.IntAttr(int64(c)),
	}, []*ir.Value{n.Inputs[0], w}, n.Outputs[0])}
}

// bilinearFactors returns the integer factors of H and W of a resize the
// pass lowers, or nil and the reason it does not.
func bilinearFactors(n *ir.Node) ([]int, string) {
	if why := resizeShapes(n); why != "" {
		return nil, why
	}
	x, y := n.Inputs[0], n.Outputs[0]
	p := ir.ResizeParams(n)
	if p.Mode != "linear" {
		return nil, "mode " + p.Mode
	}
	if p.Coord != "half_pixel" && p.Coord != "pytorch_half_pixel" {
		return nil, "coordinates " + p.Coord
	}
	xs, ys := x.Type.Shape, y.Type.Shape
	f := make([]int, 2)
	for i := range f {
		in, out := xs[2+i], ys[2+i]
		if in < 1 || out%in != 0 || (out/in > 1 && (out/in)%2 != 0) {
			return nil, "not an even integer upsampling"
		}
		f[i] = out / in
		if len(p.Scales) == 4 && p.Scales[2+i] != float64(f[i]) {
			return nil, "scales differ from the size ratio"
		}
		if p.Coord == "pytorch_half_pixel" && out == 1 {
			return nil, "pytorch_half_pixel to length 1"
		}
	}
	if f[0] == 1 && f[1] == 1 {
		return nil, "no upsampling"
	}
	return f, ""
}

// lowerResize builds the nodes replacing n: per axis with a factor s > 1,
// edge pad then conv_transpose (see above); the last one writes n's output.
func lowerResize(g *ir.Graph, nm *namer, n *ir.Node, f []int) []*ir.Node {
	var out []*ir.Node
	cur := n.Inputs[0]
	last := 1
	if f[1] == 1 {
		last = 0
	}
	for i, s := range f {
		if s == 1 {
			continue
		}
		ax := 2 + i
		sh := cur.Type.Shape
		edge := func(at int) *ir.Value {
			begin, step, shape := make([]int, 4), []int{1, 1, 1, 1}, append([]int{}, sh...)
			begin[ax], shape[ax] = at, 1
			v := newValue(ir.Type{DType: tensor.Float32, Shape: shape})
			out = append(out, newNode(ir.OpSlice, n, ir.Attrs{"begin": ir.IntsFromInts(begin), "step": ir.IntsFromInts(step), "shape": ir.IntsFromInts(shape)}, []*ir.Value{cur}, v))
			return v
		}
		lo, hi := edge(0), edge(sh[ax]-1)
		eshape := append([]int{}, sh...)
		eshape[ax] += 2
		ext := newValue(ir.Type{DType: tensor.Float32, Shape: eshape})
		out = append(out, newNode(ir.OpConcat, n, ir.Attrs{"axis": ir.IntAttr(int64(ax))}, []*ir.Value{lo, cur, hi}, ext))
		c := sh[1]
		kshape := []int{c, 1, 1, 1}
		kshape[ax] = 2 * s
		k := tensor.New(tensor.Float32, kshape...)
		for ch := range c {
			for t := range 2 * s {
				k.F32[ch*2*s+t] = float32(2*min(t, 2*s-1-t)+1) / float32(2*s)
			}
		}
		w := g.AddConst(nm.fresh(n.Name, fmt.Sprintf(".tent%d", ax)), k)
		strides, pads := []int{1, 1}, []int{0, 0, 0, 0}
		strides[i], pads[i], pads[2+i] = s, 3*s/2, 3*s/2
		y := n.Outputs[0]
		if i != last {
			yshape := append([]int{}, sh...)
			yshape[ax] *= s
			y = newValue(ir.Type{DType: tensor.Float32, Shape: yshape})
		}
		out = append(out, newNode(ir.OpConvTranspose, n, ir.Attrs{
			"strides": ir.IntsFromInts(strides), "pads": ir.IntsFromInts(pads), "dilations": ir.IntsFromInts([]int{1, 1}),
			"output_padding": ir.IntsFromInts([]int{0, 0}), "group": ir.IntAttr(int64(c)),
		}, []*ir.Value{ext, w}, y))
		cur = y
	}
	return out
}

// exactWeightBits is the smallest width in 2..bits at which quantWeights
// holds every weight of w exactly (codes * scale == w in float32), else
// bits. The quantize pass asks it for the convs resize-lower makes: the
// tent weights (2m+1)/(2s) are odd multiples of 1/(2s), exact at
// log2(2s)+1 bits (3 for s = 2, 5 for s = 8), which takes fewer weight
// rows than 8 bits and loses nothing.
func exactWeightBits(w *tensor.Tensor, bits int, perChannel bool) int {
	for b := 2; b < bits; b++ {
		codes, sw := quantWeights(w, b, perChannel)
		f := w.Shape[0]
		k := w.Len() / max(f, 1)
		exact := true
		for i, c := range codes.I64 {
			if float32(float64(c)*float64(channelScale(sw, i/k))) != w.F32[i] {
				exact = false
				break
			}
		}
		if exact {
			return b
		}
	}
	return bits
}
