package admm

import (
	"math"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/pimc-dev/pimc/train"
)

// groupNormConfig hard-prunes half the filters of conv2, fc1 and fc2 of the
// dense weights at once (updates: 0: the hard prune is the whole run) and
// trains nothing after, so the result's kept filters are the hard prune's
// choice itself.
const groupNormConfig = `
defaults: {prune: {filter: 0.5}}
layers:
  fc3: {prune: {}}
admm: {updates: 0, retrain_epochs: 0, quant_updates: 0, quant_retrain_epochs: 0%s}
`

// TestGroupNormL1 (issue 16, s10): with admm.group_norm: l1 the ADMM run
// keeps, in every constrained layer, the filters with the largest L1 norm
// of the dense weights, as the l1 baseline ranks them; absent (or l2) it
// keeps the L2-largest, as before the key existed. The two rankings differ
// on at least one layer of this model, so the test fails if the key does
// not reach the projection.
func TestGroupNormL1(t *testing.T) {
	tr, _ := mnist(t, 128, 0)
	g := pretrained(t, tr)
	layers := mustLayers(g)
	dense := map[string][]float32{}
	for _, l := range layers {
		dense[l.Name] = append([]float32(nil), constF32(t, &Result{Graph: g}, l.Weight.Name)...)
	}
	kept := func(extra string) map[string][]int {
		t.Helper()
		yml := strings.Replace(groupNormConfig, "%s", extra, 1)
		res, err := Compress(g, Options{Specs: mustSpecs(t, g, yml), Hyper: mustHyper(t, yml), Train: tr})
		if err != nil {
			t.Fatal(err)
		}
		out := map[string][]int{}
		for _, l := range layers {
			w := constF32(t, res, l.Weight.Name)
			for f := 0; f < l.Shape.Rows; f++ {
				for _, x := range w[f*l.Shape.Cols : (f+1)*l.Shape.Cols] {
					if x != 0 {
						out[l.Name] = append(out[l.Name], f)
						break
					}
				}
			}
		}
		return out
	}
	l1, l2, absent := kept(", group_norm: l1"), kept(", group_norm: l2"), kept("")
	differ := false
	for _, l := range layers {
		if l.Name == "conv1" || l.Name == "fc3" {
			continue // not pruned (the first layer; fc3's classes)
		}
		want1 := topFilters(dense[l.Name], l.Shape, true)
		want2 := topFilters(dense[l.Name], l.Shape, false)
		if !reflect.DeepEqual(l1[l.Name], want1) {
			t.Errorf("%s: group_norm l1 keeps filters %v, want the L1-largest %v", l.Name, l1[l.Name], want1)
		}
		if !reflect.DeepEqual(l2[l.Name], want2) || !reflect.DeepEqual(absent[l.Name], want2) {
			t.Errorf("%s: group_norm l2 keeps %v, absent %v; want the L2-largest %v", l.Name, l2[l.Name], absent[l.Name], want2)
		}
		differ = differ || !reflect.DeepEqual(want1, want2)
	}
	if !differ {
		t.Fatal("the L1 and L2 rankings agree on every layer: the test cannot tell them apart")
	}
}

// topFilters is the ascending list of the KeepCount(rows, 0.5) filters of
// w with the largest L1 (l1) or L2 norm, ties to the lower filter.
func topFilters(w []float32, s Shape, l1 bool) []int {
	norm := make([]float64, s.Rows)
	for i, x := range w {
		if l1 {
			norm[i/s.Cols] += math.Abs(float64(x))
		} else {
			norm[i/s.Cols] += float64(x) * float64(x)
		}
	}
	order := make([]int, s.Rows)
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return norm[order[a]] > norm[order[b]] })
	top := append([]int(nil), order[:KeepCount(s.Rows, 0.5)]...)
	sort.Ints(top)
	return top
}

// TestGroupNormSpecs: group_norm: l1 marks every constraint of every layer
// L1 (Prune.L1) and l2 gives the specs of a config without the key; the
// baselines fix their own ranking whatever the key says; any other value
// is an error naming admm.group_norm.
func TestGroupNormSpecs(t *testing.T) {
	g, err := train.Build("lenet5", []int{1, 28, 28}, 10, 1)
	if err != nil {
		t.Fatal(err)
	}
	const body = "defaults: {prune: {filter: 0.5, column: 0.3}, wbits: 4}\nlayers: {fc3: {prune: {column: 0.5}}}\nadmm: {updates: 2%s}\n"
	specs := func(extra string) (map[string]Spec, Hyper) {
		t.Helper()
		yml := strings.Replace(body, "%s", extra, 1)
		cfg, sp := mustConfig(t, g, yml)
		return sp, cfg.ADMM
	}
	plain, _ := specs("")
	l2, _ := specs(", group_norm: l2")
	if !reflect.DeepEqual(plain, l2) {
		t.Errorf("group_norm: l2 changed the specs:\n%v\n%v", plain, l2)
	}
	l1, h := specs(", group_norm: l1")
	n := 0
	for name, sp := range l1 {
		for _, p := range sp.Prunes {
			n++
			if !p.L1 {
				t.Errorf("%s %s: not ranked by L1", name, p)
			}
		}
	}
	if n < 7 {
		t.Errorf("%d constraints, want at least 7 (filter and column on conv2, fc1, fc2; column on fc3)", n)
	}
	for _, m := range Methods {
		sp, _, err := WithMethod(m, l1, h)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := sp["fc1"].Prunes[0].L1, m != MethodMagnitude; got != want {
			t.Errorf("group_norm l1, method %s: fc1 L1 %v, want %v", m, got, want)
		}
	}
	cfg, err := ParseConfig([]byte("admm: {group_norm: L1-norm}"))
	if err == nil {
		_, err = cfg.Resolve(mustLayers(g))
	}
	if err == nil || !strings.Contains(err.Error(), `admm.group_norm "L1-norm": want l2 or l1`) {
		t.Errorf("group_norm L1-norm: error %v, want one naming admm.group_norm", err)
	}
}
