package sim

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/pimc-dev/pimc/isa"
	"github.com/pimc-dev/pimc/target"
)

// TestDotU8S8: the kernels (VNNI where the CPU has it; dot2U8S8's two at
// once too) give the Go sum of
// u[i] * int8(s[i]) on random bytes of the whole range, on every length
// the callers pass (multiples of 64) and others (the Go path).
func TestDotU8S8(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{0, 1, 63, 64, 128, 200, 256, 1024, 2048} {
		for range 20 {
			u, s := make([]byte, n), make([]byte, n)
			for i := range u {
				u[i], s[i] = byte(r.Uint32()), byte(r.Uint32())
			}
			if r.IntN(4) == 0 { // the extremes
				for i := range u {
					u[i], s[i] = 255, 0x80
				}
			}
			want := int64(0)
			for i := range u {
				want += int64(u[i]) * int64(int8(s[i]))
			}
			if got := dotU8S8(u, s); got != want {
				t.Fatalf("n %d: dot %d, want %d (hasDot %v)", n, got, want, hasDot)
			}
			s2 := append([]byte(nil), s...)
			for i := range s2 {
				s2[i] ^= byte(i)
			}
			want2 := dotU8S8Go(u, s2)
			if got, got2 := dot2U8S8(u, s, s2); got != want || got2 != want2 {
				t.Fatalf("n %d: dot2 %d, %d, want %d, %d (hasDot %v)", n, got, got2, want, want2, hasDot)
			}
		}
	}
}

// TestTransposePlanes: byte c of a plane set is sum_s bit(c of src[s]) << s.
func TestTransposePlanes(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, words := range []int{1, 4, 32} {
		var src [8][]uint64
		for s := range src {
			if r.IntN(4) == 0 {
				continue // a missing shift
			}
			src[s] = make([]uint64, words)
			for w := range src[s] {
				src[s][w] = r.Uint64()
			}
		}
		dst := make([]byte, words*64)
		transposePlanes(dst, &src, words)
		for c := range dst {
			var want byte
			for s, row := range src {
				if row != nil {
					want |= byte(row[c/64]>>(c%64)&1) << s
				}
			}
			if dst[c] != want {
				t.Fatalf("words %d: column %d = %#x, want %#x", words, c, dst[c], want)
			}
		}
	}
}

// productOps is the ops of a full product of input rows xRows (shifts
// 0.., the top one negative when xSigned) and weight rows wRows (likewise)
// at an extra shift, in random order, on rows of `words` words.
func productOps(r *rand.Rand, xRows, wRows []int, xSigned, wSigned bool, extra, words int) []gbOp {
	var ops []gbOp
	for i, xr := range xRows {
		for j, wr := range wRows {
			neg := (xSigned && i == len(xRows)-1) != (wSigned && j == len(wRows)-1)
			o := gbOp{oa: int32(xr * words), ob: int32(wr * words), ra: uint16(xr), rb: uint16(wr), shift: uint8(i + j + extra)}
			if neg {
				o.neg = -1
			}
			ops = append(ops, o)
		}
	}
	r.Shuffle(len(ops), func(i, j int) { ops[i], ops[j] = ops[j], ops[i] })
	return ops
}

// TestFactorProduct: full products of 1..8 by 1..8 planes, signed or not,
// at any extra shift, with a pair missing or not, factor, and their dot
// sums are andSums4Go's pos and neg on random rows with all-ones and
// all-zero words (rowb rows at an offset), before and after a row write;
// except 8 unsigned by 8 unsigned planes (VPDPBUSD reads one side
// signed). Four of 64 pairs missing factor; five missing, rows in two
// unconnected pairs, a repeated pair, a shift or sign that is not a
// product's, rows further than eight apart and nine planes do not.
func TestFactorProduct(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	const words, rows = 4, 64
	m := &Machine{exe: &Executable{words: words}}
	for range 400 {
		sa := &subarray{bits: make([]uint64, rows*words)}
		for i := range sa.bits {
			switch r.IntN(8) { // edge values: all-ones and all-zero words
			case 0:
				sa.bits[i] = ^uint64(0)
			case 1:
			default:
				sa.bits[i] = r.Uint64()
			}
		}
		ni, nj := 1+r.IntN(8), 1+r.IntN(8)
		x0, w0, db := r.IntN(8), 16+r.IntN(8), r.IntN(24)
		var xRows, wRows []int
		for i := range ni {
			xRows = append(xRows, x0+i)
		}
		for j := range nj {
			wRows = append(wRows, w0+j)
		}
		xs, ws, extra := r.IntN(2) == 0, r.IntN(2) == 0, r.IntN(4)
		ops := productOps(r, xRows, wRows, xs, ws, extra, words)
		if ni >= 2 && nj >= 2 && r.IntN(2) == 0 {
			ops = ops[1:] // a pair missing (the rows stay connected)
		}
		p := factorProduct(ops)
		if !xs && !ws && ni == 8 && nj == 8 { // u8 x u8: no byte of a term <= 127
			if p != nil {
				t.Fatalf("8x8 unsigned planes: factored as %+v", *p)
			}
			continue
		}
		if p == nil {
			t.Fatalf("%dx%d planes (signed %v, %v, shift +%d): no product", ni, nj, xs, ws, extra)
		}
		pos, neg := m.dotSums(sa, p, int32(db))
		wp, wn := andSums4Go(sa.bits, sa.bits[db*words:], ops)
		if pos != wp || neg != wn {
			t.Fatalf("%dx%d planes (signed %v, %v, shift +%d, db %d): sums %d, %d, want %d, %d", ni, nj, xs, ws, extra, db, pos, neg, wp, wn)
		}
		// A row write drops the sets holding the row: the sums follow it.
		row := int32(x0 + r.IntN(ni))
		if r.IntN(2) == 0 {
			row = int32(w0 + db + r.IntN(nj))
		}
		sa.own(m.exe, row)
		sa.bits[int(row)*words+r.IntN(words)] ^= 1 << r.IntN(64)
		pos, neg = m.dotSums(sa, p, int32(db))
		wp, wn = andSums4Go(sa.bits, sa.bits[db*words:], ops)
		if pos != wp || neg != wn {
			t.Fatalf("after writing row %d: sums %d, %d, want %d, %d", row, pos, neg, wp, wn)
		}
	}
	full := productOps(r, []int{0, 1, 2}, []int{8, 9}, false, true, 0, words)
	big := productOps(r, []int{0, 1, 2, 3, 4, 5, 6, 7}, []int{8, 9, 10, 11, 12, 13, 14, 15}, false, true, 0, words)
	if p := factorProduct(big[4:]); p == nil || len(p.missing) != 4 {
		t.Errorf("8x8 planes, 4 pairs missing: not factored with 4 missing")
	}
	for name, ops := range map[string][]gbOp{
		"five pairs missing": big[5:],
		"rows unconnected":   {{oa: 0, ob: 8 * words, ra: 0, rb: 8}, {oa: words, ob: 9 * words, ra: 1, rb: 9, shift: 2}},
		"repeated pair":      append(full[1:], full[1]),
		"shift":              func() []gbOp { o := append([]gbOp(nil), full...); o[0].shift++; return o }(),
		"sign":               func() []gbOp { o := append([]gbOp(nil), full...); o[0].neg = ^o[0].neg; return o }(),
		"rows apart":         productOps(r, []int{0, 9}, []int{20}, false, false, 0, words),
		"nine planes":        productOps(r, []int{0, 1, 2, 3, 4, 5, 6, 7, 8}, []int{20}, false, false, 0, words),
	} {
		if p := factorProduct(ops); p != nil {
			t.Errorf("%s: factored as %+v", name, *p)
		}
	}
}

// dotRunProgram is a random program of full-product gbmac runs on one
// group of the first bank, or two interleaved ones (gbmac [A], gbmac [B],
// ...): input planes written by gwrp from the patch, weight planes from
// the image (rowb relative to a register), the pairs in random order at
// random extra shifts (some saturating the accumulator), a drain into the
// DPU, then new input planes (and sometimes a rewritten weight row) and
// the same run again, and some runs with a pair missing.
func dotRunProgram(r *rand.Rand, tgt *target.Target) *isa.Program {
	a := tgt.Arch()
	b := isa.NewBuilder(tgt.Name, tgt.Fingerprint())
	b.SetSource(isa.Source{Layer: "dot"})
	b.AddPort(isa.Port{Name: "x", Dir: isa.PortIn, Addr: 0, Shape: []uint32{uint32(2 * a.Cols)}, Type: isa.MakeIntType(8, true), Scale: 1})
	b.AddPort(isa.Port{Name: "y", Dir: isa.PortOut, Addr: 8192, Shape: []uint32{uint32(8 * a.DPULanes)}, Type: isa.MakeIntType(32, true), Scale: 1})
	n := 1 + r.IntN(6)
	ni, nj := 1+r.IntN(8), 1+r.IntN(8)
	groups := 1 + r.IntN(2)
	const w0 = 32
	for s := range groups * n {
		for j := range nj + 4 {
			bits := make([]byte, a.Cols/8)
			for i := range bits {
				bits[i] = byte(r.Uint32())
			}
			b.AddWeightRow(uint32(4+s), uint32(w0+j), bits)
		}
	}
	xs, ws := r.IntN(2) == 0, r.IntN(2) == 0
	b.Emit(isa.OpLi, 1, 4)
	b.Emit(isa.OpLi, 3, 4) // the same group: a second run right after a first
	b.Emit(isa.OpLi, 5, int64(4+n))
	b.Emit(isa.OpLi, 6, int64(4+n))
	b.Emit(isa.OpLi, 2, int64(r.IntN(4))) // the weight planes' offset
	run := func(bases []int64, acc int64) {
		extra := r.IntN(4)
		if r.IntN(3) == 0 {
			extra = 8 + r.IntN(8) // saturates on many inputs
		}
		var xRows, wRows []int
		for i := range ni {
			xRows = append(xRows, i)
		}
		for j := range nj {
			wRows = append(wRows, w0+j)
		}
		ops := productOps(r, xRows, wRows, xs, ws, extra, 1)
		if r.IntN(5) == 0 {
			ops = ops[1:] // a pair missing
		}
		for _, o := range ops {
			for _, base := range bases[:groups] {
				b.Emit(isa.OpGbmac, base, int64(n), int64(o.ra), 2, int64(o.rb), acc, int64(o.shift), int64(-o.neg))
			}
		}
	}
	for phase := range 4 {
		b.Emit(isa.OpPzero, 0)
		b.Emit(isa.OpPld, 0, 0, 0, int64(phase%2*a.Cols), int64(a.Cols))
		for i := range ni {
			b.Emit(isa.OpGwrp, 1, int64(groups*n), 0, int64(i), 0, int64(i))
		}
		if phase == 2 && r.IntN(2) == 0 { // a weight row rewritten
			b.Emit(isa.OpGwrp, 1, int64(groups*n), 2, int64(w0+r.IntN(nj)), 0, int64(r.IntN(8)))
		}
		acc := int64(r.IntN(a.AccPerSubarray))
		run([]int64{1, 5}, acc)
		run([]int64{3, 6}, acc) // the same planes again: the sets held
		for g, base := range []int64{1, 5}[:groups] {
			v := int64(2*phase + g)
			b.Emit(isa.OpGvacc, v, 0, 0, base, int64(n), 1, acc, 1)
			b.Emit(isa.OpVst, v, 0, 8192+v*int64(a.DPULanes), 1)
		}
	}
	b.Emit(isa.OpHalt)
	p, err := b.Program()
	if err != nil {
		panic(err)
	}
	return p
}

// TestDotRunsMatchBitPlanes: with dot runs, interleaved runs, or both,
// random full-product programs (one group or two interleaved, signed and
// unsigned planes, saturation, rewritten planes, pairs missing), the
// golden programs and the random group programs give the outputs,
// statistics and report of the bit-plane path one group run at a time;
// both paths do run.
func TestDotRunsMatchBitPlanes(t *testing.T) {
	defer func(d, m bool) { dotRuns, multiRuns = d, m }(dotRuns, multiRuns)
	tgt := target.Default()
	var cases []lockstepCase
	r := rand.New(rand.NewPCG(7, 8))
	for i := range 60 {
		cases = append(cases, lockstepCase{fmt.Sprintf("product-%d", i), dotRunProgram(r, tgt), tgt})
	}
	cases = append(cases, lockstepCases(t)...)
	var dots int64
	var multi int
	for _, c := range cases {
		exe, err := Prepare(c.prog, c.tgt)
		if err != nil {
			continue
		}
		for img := range 3 {
			inputs := map[string][]int64{}
			for _, p := range exe.Ports(isa.PortIn) {
				inputs[p.Name] = randRaw(uint64(img)*7919+uint64(len(c.name)), *p)
			}
			var out [4]string
			for k := range out {
				dotRuns, multiRuns = k&1 != 0, k&2 != 0
				m := exe.NewMachine()
				for n, v := range inputs {
					if err := m.WriteInputRaw(n, v); err != nil {
						t.Fatal(err)
					}
				}
				st, err := m.Run()
				out[k] = runOutcome(m, st, err)
				if err == nil {
					out[k] += fmt.Sprintf("\n%+v", m.Report(st))
				}
				dots += m.dotRuns
				for _, d := range m.gbMulti {
					if d != nil && d.ok && d.ng >= 2 {
						multi++
					}
				}
				if k > 0 && out[k] != out[0] {
					t.Fatalf("%s image %d: dot runs %v, interleaved runs %v give\n%s\nthe bit-plane path one group at a time\n%s", c.name, img, dotRuns, multiRuns, out[k], out[0])
				}
			}
		}
	}
	if dots < 100 || multi < 10 {
		t.Fatalf("only %d member runs took the dot path, %d interleaved runs were decoded", dots, multi)
	}
	t.Logf("%d cases, %d member runs by dot products, %d interleaved runs", len(cases), dots, multi)
}
