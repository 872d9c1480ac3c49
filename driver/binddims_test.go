package driver

import (
	"fmt"
	"strings"
	"testing"

	"github.com/pimc-dev/pimc/frontend"
)

// decl is a declared input whose dims are sizes (int), dim_params
// (string) or -1 for an unnamed open dimension.
func decl(name string, dims ...any) frontend.InputDecl {
	d := frontend.InputDecl{Name: name, Ranked: true}
	for _, x := range dims {
		switch x := x.(type) {
		case int:
			d.Dims = append(d.Dims, frontend.InputDim{Size: int64(x)})
		case string:
			d.Dims = append(d.Dims, frontend.InputDim{Size: -1, Param: x})
		}
	}
	return d
}

// TestBindDims: the binding rules of BindDims, one case each: the shapes
// the import gets, the bindings stated, or the error.
func TestBindDims(t *testing.T) {
	img := decl("x", "N", 3, "H", "W")
	cases := []struct {
		name   string
		decls  []frontend.InputDecl
		shapes map[string][]int
		given  []Given
		want   string // the shapes and bindings, or "error: ..." (a substring)
	}{
		{"batch and spatial", []frontend.InputDecl{img}, nil, []Given{{Input: "x", Shape: []int{2, 3, 5, 7}, From: "a"}},
			`map[x:[1 3 5 7]] from a: batch 2 (dimension "N", 2 inference(s) at batch 1), "H"=5, "W"=7`},
		{"leading 1s added", []frontend.InputDecl{img}, nil, []Given{{Input: "x", Shape: []int{3, 5, 7}, From: "a"}},
			`map[x:[1 3 5 7]] from a: "H"=5, "W"=7`},
		{"other rank binds nothing", []frontend.InputDecl{img}, nil, []Given{{Input: "x", Shape: []int{2, 1, 3, 5, 7}, From: "a"}},
			`map[x:[1 3 1 1]]  unbound: "H" (input "x" dimension 2), "W" (input "x" dimension 3)`},
		{"nothing given", []frontend.InputDecl{img, decl("m", "N", -1)}, nil, nil,
			`map[m:[1 1] x:[1 3 1 1]]  unbound: "H" (input "x" dimension 2), "W" (input "x" dimension 3), input "m" dimension 1`},
		{"unnamed dims bound per input", []frontend.InputDecl{decl("a", -1, -1), decl("b", -1, -1)}, nil,
			[]Given{{Input: "a", Shape: []int{1, 4}, From: "fa"}, {Input: "b", Shape: []int{1, 6}, From: "fb"}},
			`map[a:[1 4] b:[1 6]] from fa: input "a" dimension 1=4; from fb: input "b" dimension 1=6`},
		{"shared name across files", []frontend.InputDecl{img}, nil,
			[]Given{{Input: "x", Shape: []int{1, 3, 5, 7}, From: "a"}, {Input: "x", Shape: []int{1, 3, 5, 8}, From: "b", Group: 1}},
			`error: dimension "W": 7 in a (input "x" dimension 3), 8 in b (input "x" dimension 3)`},
		{"batch shared within one inference", []frontend.InputDecl{decl("a", "N", 2), decl("b", "N", 2)}, nil,
			[]Given{{Input: "a", Shape: []int{3, 2}, From: "fa"}, {Input: "b", Shape: []int{4, 2}, From: "fb"}},
			`error: batch dimension "N": 3 in fa (input "a" dimension 0), 4 in fb (input "b" dimension 0)`},
		{"batch differs across inferences", []frontend.InputDecl{decl("a", "N", 2)}, nil,
			[]Given{{Input: "a", Shape: []int{3, 2}, From: "fa"}, {Input: "a", Shape: []int{1, 2}, From: "fb", Group: 1}},
			`map[a:[1 2]] from fa: batch 3 (dimension "N", 3 inference(s) at batch 1)`},
		{"a dim_param at dimension 0 and 1 is no batch", []frontend.InputDecl{decl("a", "T", 2), decl("b", 2, "T")}, nil,
			[]Given{{Input: "a", Shape: []int{5, 2}, From: "fa"}, {Input: "b", Shape: []int{2, 5}, From: "fb"}},
			`map[a:[5 2] b:[2 5]] from fa: "T"=5`},
		{"-shape binds its dim_params elsewhere", []frontend.InputDecl{decl("a", "N", "T"), decl("b", "N", "T")}, map[string][]int{"a": {1, 5}},
			[]Given{{Input: "b", Shape: []int{1, 6}, From: "fb"}},
			`error: dimension "T": 5 in -shape a=1x5, 6 in fb (input "b" dimension 1)`},
		{"-shape contradicted", []frontend.InputDecl{img}, map[string][]int{"x": {1, 3, 8, 8}},
			[]Given{{Input: "x", Shape: []int{4, 3, 8, 9}, From: "fx"}},
			`error: -shape x=1x3x8x8 contradicts fx: its shape [4,3,8,9] has 9 at dimension 3, -shape says 8`},
		{"-shape batch", []frontend.InputDecl{img}, map[string][]int{"x": {2, 3, 8, 8}},
			[]Given{{Input: "x", Shape: []int{4, 3, 8, 8}, From: "fx"}},
			`map[x:[2 3 8 8]] from fx: batch 4 (dimension "N", 2 inference(s) at batch 2)`},
		{"dataset sample", []frontend.InputDecl{img}, nil, []Given{{Input: "x", Shape: []int{3, 5, 7}, From: "ds", Sample: true}},
			`map[x:[1 3 5 7]] from ds: "H"=5, "W"=7`},
		{"fixed dims left to FitInput", []frontend.InputDecl{decl("x", 1, 3, "H")}, nil, []Given{{Input: "x", Shape: []int{1, 4, 9}, From: "fx"}},
			`map[x:[1 3 9]] from fx: "H"=9`},
	}
	for _, c := range cases {
		shapes, bound, err := BindDims(c.decls, c.shapes, c.given)
		got := fmt.Sprintf("%v %s", shapes, bound)
		if u := bound.Unbound(); u != "" {
			got += " unbound: " + u
		}
		if err != nil {
			got = "error: " + err.Error()
		}
		if strings.HasPrefix(c.want, "error: ") && !strings.Contains(got, c.want) || !strings.HasPrefix(c.want, "error: ") && got != c.want {
			t.Errorf("%s:\n got %s\nwant %s", c.name, got, c.want)
		}
	}
}
