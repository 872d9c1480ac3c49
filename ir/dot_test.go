package ir

import (
	"math/rand/v2"
	"os/exec"
	"strings"
	"testing"
)

func TestWriteDot(t *testing.T) {
	g := mnistLike(t)
	var a, b strings.Builder
	if err := WriteDot(&a, g); err != nil {
		t.Fatal(err)
	}
	if err := WriteDot(&b, g); err != nil {
		t.Fatal(err)
	}
	s := a.String()
	if s != b.String() {
		t.Fatal("WriteDot is not deterministic")
	}
	for _, want := range []string{
		`digraph "mnist" {`,
		`in0 [shape=ellipse, style=filled, fillcolor="#e8f0ff", label="%Input3\nf32[1,1,28,28]"];`,
		`n0 [shape=box, style=rounded, label="conv\n\"Convolution28\" (Conv)\nin1: %Parameter5 f32[8,1,5,5]\nin2: %Parameter6 f32[8]\n→ %Convolution28_Output_0 f32[1,8,28,28]"];`,
		`in0 -> n0 [label="0"];`,
		`n0 -> n1;`,
		`n4 -> n5 [label="0"];`,
		`out1 [shape=ellipse, style=filled, fillcolor="#e8ffe8", label="%4\nf32[1,10]"];`,
		`n6 -> out1;`,
	} {
		if !strings.Contains(s, want) {
			t.Errorf("DOT lacks %s\n%s", want, s)
		}
	}
	if dot, err := exec.LookPath("dot"); err == nil {
		cmd := exec.Command(dot, "-Tsvg")
		cmd.Stdin = strings.NewReader(s)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("graphviz rejects the output: %v\n%s", err, out)
		}
	} else {
		t.Log("graphviz not installed: syntax not checked by dot")
	}
}

// TestWriteDotBroken: broken and random graphs still export.
func TestWriteDotBroken(t *testing.T) {
	g := mnistLike(t)
	g.Nodes[0], g.Nodes[1] = g.Nodes[1], g.Nodes[0]
	g.Nodes = append(g.Nodes, nil)
	g.Outputs = append(g.Outputs, nil, g.Consts[0])
	var b strings.Builder
	if err := WriteDot(&b, g); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), `label="undefined\n%Convolution28_Output_0"`) || !strings.Contains(b.String(), `label="nil node"`) {
		t.Errorf("broken parts not marked:\n%s", b.String())
	}
	for seed := range 200 {
		r := rand.New(rand.NewPCG(uint64(seed), 5))
		if err := WriteDot(&strings.Builder{}, randGraph(r)); err != nil {
			t.Fatal(err)
		}
	}
	if WriteDot(&b, nil) == nil {
		t.Error("WriteDot(nil) should fail")
	}
}
