package driver

import (
	"fmt"
	"strings"

	"github.com/pimc-dev/pimc/frontend"
	"github.com/pimc-dev/pimc/ir/tensor"
)

// Open input dimensions bound from the tensors a command is given.
//
// An ONNX model may leave dimensions of its inputs open: a dim_param
// ("batch", "height"), no value, or -1. pimc shapes are static, so the import
// pins each open dimension. When the command has input tensors (run -i,
// compile -verify-with and -calib, eval's dataset), BindDims takes each open
// dimension's size from them:
//
//   - dimension 0 of an input, when open and its dim_param names no other
//     dimension, is the batch: the count of inferences a tensor holds, which
//     run one by one at batch 1 (FitInput); the batch a tensor holds is
//     stated, never compiled into the graph;
//   - every other open dimension is bound to the tensor's size there, and a
//     dim_param to the same size in every input and every file; two sizes
//     for one dimension are an error naming the dimension, both tensors
//     (file and input) and both sizes;
//   - -shape pins an input's whole shape and binds the dim_params in it; a
//     tensor that contradicts it is an error naming the flag and the file;
//   - a tensor is aligned to the input's rank by adding or dropping leading
//     dimensions of size 1, as FitInput takes it; a tensor of another rank
//     binds nothing (FitInput then refuses it with both shapes);
//   - open dimensions no tensor binds stay 1, as without inputs.

// Given is the shape of a tensor given for a model input.
type Given struct {
	Input string // the graph input's name
	Shape []int
	From  string // names the tensor in messages: "in.npy", "in.npz" or "calib/a.npy"
	// Group numbers the tensors of one inference (the -i files of one pimc
	// run, one calibration sample): a batch dimension shared by several
	// inputs must agree within a group only.
	Group int
	// Sample marks one sample of a dataset ([C,H,W]; pimc eval): it binds
	// an input of rank len(Shape)+1 only, whose dimension 0 takes samples.
	Sample bool
}

// Binding is one open dimension bound from a given tensor.
type Binding struct {
	Dim   string // `"height"`, or `input "x" dimension 2` for an unnamed one
	Value int    // the size; for a batch, the tensor's dimension 0
	From  string // the first tensor that gave it
	// Batch marks a dynamic batch dimension: Value holds Inferences
	// inferences at the graph's batch (1, or -shape's).
	Batch      bool
	Inferences int
	// Unbound marks an open dimension no tensor gave (nor -shape): it is
	// 1, as without inputs, which the commands say (Bindings.Unbound);
	// Input and Index name where it first appears.
	Unbound bool
	Input   string
	Index   int
}

// String is the binding as the commands state it.
func (b Binding) String() string {
	if b.Batch {
		dim := b.Dim
		if strings.HasPrefix(dim, `"`) {
			dim = "dimension " + dim
		}
		return fmt.Sprintf("batch %d (%s, %d inference(s) at batch %d)", b.Value, dim, b.Inferences, b.Value/max(b.Inferences, 1))
	}
	return fmt.Sprintf("%s=%d", b.Dim, b.Value)
}

// Bindings are the dimensions BindDims bound, in the order found.
type Bindings []Binding

// String states the bindings grouped by the tensor that gave them:
// `from in.npy: "height"=224, "width"=224, batch 16 (...)`; "" when none.
// A batch of one inference goes unsaid: the graph's batch (1, what a
// model with a dynamic batch takes without inputs, or -shape's) is the
// tensor's.
func (bs Bindings) String() string {
	var order []string
	by := map[string][]string{}
	for _, b := range bs {
		if b.Batch && b.Inferences == 1 || b.Unbound {
			continue
		}
		if by[b.From] == nil {
			order = append(order, b.From)
		}
		by[b.From] = append(by[b.From], b.String())
	}
	var parts []string
	for _, f := range order {
		parts = append(parts, "from "+f+": "+strings.Join(by[f], ", "))
	}
	return strings.Join(parts, "; ")
}

// boundDim is what decided one open dimension so far.
type boundDim struct {
	value int
	what  string // the tensor, with its input and dimension: for conflicts
}

// BindDims returns the shapes to import the model's declared inputs with
// (frontend.Options.Shapes: shapes as given, plus one per input with an
// open dimension bound from given) and the bindings to state. See the
// rules above.
func BindDims(decls []frontend.InputDecl, shapes map[string][]int, given []Given) (map[string][]int, Bindings, error) {
	nonBatch := map[string]bool{} // dim_params naming a dimension other than 0
	for _, d := range decls {
		for i, dim := range d.Dims {
			if i > 0 && dim.Open() && dim.Param != "" {
				nonBatch[dim.Param] = true
			}
		}
	}
	isBatch := func(d frontend.InputDecl, i int) bool {
		return i == 0 && d.Dims[0].Open() && (d.Dims[0].Param == "" || !nonBatch[d.Dims[0].Param])
	}
	key := func(d frontend.InputDecl, i int) (k, name string) {
		if p := d.Dims[i].Param; p != "" {
			return "param " + p, fmt.Sprintf("%q", p)
		}
		return fmt.Sprintf("input %q dimension %d", d.Name, i), fmt.Sprintf("input %q dimension %d", d.Name, i)
	}
	bound := map[string]boundDim{}
	var out Bindings
	bind := func(k, name string, v int, from, what string) error {
		if b, ok := bound[k]; ok {
			if b.value != v {
				return fmt.Errorf("dimension %s: %d in %s, %d in %s", name, b.value, b.what, v, what)
			}
			return nil
		}
		bound[k] = boundDim{v, what}
		if from != "" { // -shape's own dims go unsaid
			out = append(out, Binding{Dim: name, Value: v, From: from})
		}
		return nil
	}
	byName := map[string]frontend.InputDecl{}
	for _, d := range decls {
		byName[d.Name] = d
		s, ok := shapes[d.Name]
		if !ok || !d.Ranked || len(s) != len(d.Dims) {
			continue // the import refuses a -shape of the wrong rank
		}
		flag := shapeFlagText(d.Name, s)
		for i, dim := range d.Dims {
			if dim.Open() && !isBatch(d, i) && dim.Param != "" {
				k, name := key(d, i)
				if err := bind(k, name, s[i], "", flag); err != nil {
					return nil, nil, err
				}
			}
		}
	}
	type batchKey struct {
		group int
		k     string
	}
	batches := map[batchKey]boundDim{}
	batchSeen := map[string]bool{}
	for _, g := range given {
		d, ok := byName[g.Input]
		if !ok || !d.Ranked {
			continue
		}
		s := alignRank(g, len(d.Dims))
		if s == nil {
			continue
		}
		if pinned, ok := shapes[d.Name]; ok {
			if len(pinned) != len(s) {
				continue
			}
			for i := range s {
				if s[i] != pinned[i] && !isBatch(d, i) && (i > 0 || !g.Sample) {
					return nil, nil, fmt.Errorf("%s contradicts %s: its shape %s has %d at dimension %d, -shape says %d",
						shapeFlagText(d.Name, pinned), g.From, tensor.ShapeString(g.Shape), s[i], i, pinned[i])
				}
			}
		}
		for i, dim := range d.Dims {
			if !dim.Open() || i == 0 && g.Sample {
				continue // a fixed size: FitInput checks the tensor against it; a sample has no batch
			}
			k, name := key(d, i)
			what := fmt.Sprintf("%s (input %q dimension %d)", g.From, d.Name, i)
			if !isBatch(d, i) {
				if _, pinned := shapes[d.Name]; pinned {
					continue // checked against -shape above
				}
				if err := bind(k, name, s[i], g.From, what); err != nil {
					return nil, nil, err
				}
				continue
			}
			bk := batchKey{g.Group, k}
			if b, ok := batches[bk]; ok && b.value != s[i] {
				return nil, nil, fmt.Errorf("batch dimension %s: %d in %s, %d in %s", name, b.value, b.what, s[i], what)
			}
			batches[bk] = boundDim{s[i], what}
			if !batchSeen[k] {
				batchSeen[k] = true
				n := 1
				if p, ok := shapes[d.Name]; ok && len(p) > 0 && p[0] > 0 {
					n = p[0]
				}
				out = append(out, Binding{Dim: name, Value: s[i], From: g.From, Batch: true, Inferences: s[i] / n})
			}
		}
	}
	res := map[string][]int{}
	unbound := map[string]bool{}
	for name, s := range shapes {
		res[name] = s
	}
	for _, d := range decls {
		if _, ok := res[d.Name]; ok || !d.Ranked {
			continue
		}
		s, open := make([]int, len(d.Dims)), false
		for i, dim := range d.Dims {
			s[i] = int(dim.Size)
			if !dim.Open() {
				continue
			}
			open, s[i] = true, 1
			if k, name := key(d, i); !isBatch(d, i) {
				if b, ok := bound[k]; ok {
					s[i] = b.value
				} else if !unbound[k] {
					unbound[k] = true
					out = append(out, Binding{Dim: name, Value: 1, Unbound: true, Input: d.Name, Index: i})
				}
			}
		}
		if open {
			res[d.Name] = s
		}
	}
	return res, out, nil
}

// alignRank returns g's shape at rank n as FitInput aligns it (leading
// dimensions of size 1 added or dropped; a dataset sample gets dimension
// 0), or nil when it has another rank.
func alignRank(g Given, n int) []int {
	s := g.Shape
	if g.Sample {
		if len(s)+1 != n {
			return nil
		}
		return append([]int{1}, s...)
	}
	for len(s) > n && s[0] == 1 {
		s = s[1:]
	}
	if len(s) > n {
		return nil
	}
	out := make([]int, n)
	for i := range out {
		out[i] = 1
	}
	copy(out[n-len(s):], s)
	return out
}

// shapeFlagText is a -shape setting as the user writes it: -shape x=1x3x32x32.
func shapeFlagText(name string, s []int) string {
	dims := make([]string, len(s))
	for i, d := range s {
		dims[i] = fmt.Sprint(d)
	}
	return fmt.Sprintf("-shape %s=%s", name, strings.Join(dims, "x"))
}

// Unbound lists the open dimensions no tensor or -shape gave, which the
// import sets to 1 (a batch dimension excepted: 1 is its meaning), as
// `"H" (input "x" dimension 2), ...`; "" when none. A model compiled so
// takes 1x1 images: the commands state it, and LoadFed adds it to an
// import error, which it often explains.
func (bs Bindings) Unbound() string {
	var parts []string
	for _, b := range bs {
		if !b.Unbound {
			continue
		}
		if strings.HasPrefix(b.Dim, `"`) {
			parts = append(parts, fmt.Sprintf("%s (input %q dimension %d)", b.Dim, b.Input, b.Index))
		} else {
			parts = append(parts, b.Dim)
		}
	}
	return strings.Join(parts, ", ")
}
