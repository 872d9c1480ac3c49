package backend

import (
	"slices"
	"testing"

	"github.com/pimc-dev/pimc/isa"
)

// TestGroupRuns: runs are consecutive sub-arrays of one bank, at most
// group_subarrays long, split where join refuses; a serial target (no
// group instructions) has runs of one.
func TestGroupRuns(t *testing.T) {
	sas := []int{0, 1, 2, 3, 4, 5, 62, 63, 64, 10, 11, 12}
	sa := func(k int) int { return sas[k] }
	notAt11 := func(i, k int) bool { return sas[k] != 11 }
	e := newEmitter(nil, isa.Arch{Subarrays: 128, Banks: 2, GroupSubarrays: 4})
	got := e.groupRuns(len(sas), sa, notAt11)
	want := [][2]int{{0, 4}, {4, 6}, {6, 8}, {8, 9}, {9, 10}, {10, 12}}
	if !slices.Equal(got, want) {
		t.Errorf("runs %v, want %v", got, want)
	}
	e = newEmitter(nil, isa.Arch{Subarrays: 128, Banks: 2})
	if got := e.groupRuns(len(sas), sa, notAt11); len(got) != len(sas) {
		t.Errorf("serial target: runs %v, want one per item", got)
	}
}

// TestVaccRuns: one gvacc drains sub-arrays whose lanes are a constant
// stride (0..255) apart into one accumulator register.
func TestVaccRuns(t *testing.T) {
	e := newEmitter(nil, isa.Arch{Subarrays: 64, Banks: 1, GroupSubarrays: 64})
	var tiles []tile
	for sa := range 8 {
		tiles = append(tiles, tile{sa: sa})
	}
	act := []job{{0, 0, 0, 0}, {1, 0, 5, 0}, {2, 0, 10, 0}, {3, 0, 12, 0}, {4, 0, 12, 0}, {5, 0, 12, 6}, {6, 0, 300, 6}, {7, 0, 2, 6}}
	got := vaccRuns(e, tiles, act)
	want := [][2]int{{0, 3}, {3, 5}, {5, 6}, {6, 7}, {7, 8}}
	if !slices.Equal(got, want) {
		t.Errorf("runs %v, want %v", got, want)
	}
}

// TestGroupBasesHold: a held base is loaded once, reg returns its register
// without another li until the hold is released; hoisted bases and
// sub-array 0 are not loaded again, and a hold leaves holdMin registers
// free.
func TestGroupBasesHold(t *testing.T) {
	b := isa.NewBuilder("t", [32]byte{})
	e := newEmitter(b, isa.Arch{Subarrays: 1024, Banks: 1, GroupSubarrays: 8})
	g := &groupBases{e: e}
	g.hoist([]int{40})
	lis := b.PC // every instruction here is an li
	if n := lis(); n != 1 {
		t.Fatalf("hoist: %d li, want 1", n)
	}
	unhold := g.hold([]int{8, 40, 0, 16})
	if n := lis(); n != 3 {
		t.Fatalf("hold of 8, 40 (hoisted), 0, 16: %d li in all, want 3", n)
	}
	r8, done := g.reg(8)
	done()
	r8b, done := g.reg(8)
	done()
	if n := lis(); n != 3 || r8 != r8b {
		t.Errorf("held base 8: %d li in all, registers %d, %d; want no new li, one register", n, r8, r8b)
	}
	unhold()
	_, done = g.reg(8)
	done()
	if n := lis(); n != 4 {
		t.Errorf("released base 8: %d li in all, want 4 (loaded again)", n)
	}
	many := make([]int, isa.NumRegs)
	for i := range many {
		many[i] = 100 + i
	}
	unhold = g.hold(many)
	if f := e.freeRegs(); f != holdMin {
		t.Errorf("hold of %d bases leaves %d registers free, want %d", len(many), f, holdMin)
	}
	unhold()
}
