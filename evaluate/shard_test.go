package evaluate

import (
	"strings"
	"testing"
)

func TestShardsCoverOnce(t *testing.T) {
	for _, total := range []int{0, 1, 7, 10000} {
		for n := 1; n <= 9; n++ {
			next := 0
			for i := range n {
				lo, hi := Shard(total, i, n)
				if lo != next || hi < lo || hi-lo > total/n+1 {
					t.Fatalf("Shard(%d, %d, %d) = [%d, %d), want from %d", total, i, n, lo, hi, next)
				}
				next = hi
			}
			if next != total {
				t.Fatalf("%d shards of %d end at %d", n, total, next)
			}
		}
	}
	for _, bad := range []string{"", "3", "3/3", "-1/2", "0/0", "a/b", "1/2/3"} {
		if _, _, err := ParseShard(bad); err == nil {
			t.Errorf("ParseShard(%q) accepted", bad)
		}
	}
	if i, n, err := ParseShard("2/5"); i != 2 || n != 5 || err != nil {
		t.Errorf("ParseShard(2/5) = %d, %d, %v", i, n, err)
	}
}

func TestMergeParts(t *testing.T) {
	part := func(i, n int) *Part {
		lo, hi := Shard(10, i, n)
		pred := make([]int32, hi-lo)
		for k := range pred {
			pred[k] = int32(lo + k)
		}
		return &Part{Input: "p.pimb", Dataset: "mnist", Shard: i, Shards: n, Total: 10, First: lo, Images: hi - lo, Correct: 1, Pred: pred,
			Simulated: true, LatencyNSum: float64(hi - lo), EnergyPJSum: 2 * float64(hi-lo)}
	}
	m, err := MergeParts([]*Part{part(2, 3), part(0, 3), part(1, 3)})
	if err != nil {
		t.Fatal(err)
	}
	if m.Images != 10 || m.Correct != 3 || m.LatencyNS != 1 || m.EnergyPJ != 2 {
		t.Errorf("merged %+v", m)
	}
	for k, p := range m.Pred {
		if p != int32(k) {
			t.Fatalf("predictions out of order: %v", m.Pred)
		}
	}
	other := part(1, 3)
	other.Dataset = "fashion-mnist"
	short := part(1, 3)
	short.Pred = short.Pred[1:]
	for _, c := range []struct {
		parts []*Part
		want  string
	}{
		{[]*Part{part(0, 3), part(1, 3)}, "shard 2/3 missing"},
		{[]*Part{part(0, 3), part(2, 3)}, "shard 1/3 missing"},
		{[]*Part{part(0, 2), part(0, 2), part(1, 2)}, "shard 0/2 given twice"},
		{[]*Part{part(0, 3), other, part(2, 3)}, "not of the same evaluation"},
		{[]*Part{part(0, 3), short, part(2, 3)}, "shard 1/3: images"},
		{nil, "no parts"},
	} {
		if _, err := MergeParts(c.parts); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("error %v, want %q", err, c.want)
		}
	}
}
