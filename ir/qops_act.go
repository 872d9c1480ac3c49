package ir

import (
	"fmt"
	"math"

	"github.com/pimc-dev/pimc/ir/tensor"
)

// Activations on the device (issue 13, docs/QUANT.md §3.2): any
// element-wise function of one code becomes a lookup table over the input
// codes (qlut: the DPU's vlut, ISA v1.6), and the product of two
// activations (a squeeze-excitation gate x * sigmoid(s)) an integer
// multiply and requantization (qmul: vmul, vrq).
const (
	OpQLut Op = "qlut" // (x) {table, in_lo, lo, hi}: y = table[x - in_lo]
	OpQMul Op = "qmul" // (a, b) {mult, shift, round, lo, hi}: y = clamp(roundshift(sat32(a*b) * mult, shift)); b broadcasts to a
)

// MaxLutEntries bounds a qlut table: the codes of a 12-bit input (the
// quantize pass makes tables for inputs of up to 8 bits: 256 entries).
const MaxLutEntries = 1 << 12

func init() {
	rng := []AttrSpec{{Name: "lo", Kind: AttrInt, Required: true, Doc: "smallest output code"}, {Name: "hi", Kind: AttrInt, Required: true, Doc: "largest output code"}}
	q := func(info *OpInfo) *OpInfo {
		info.FirstStage, info.LastStage = StageQuantized, StageMapped
		return info
	}
	Register(q(&OpInfo{Op: OpQLut, Summary: "element-wise function of codes by lookup: y = table[x - in_lo]", MinInputs: 1, MaxInputs: 1, MinOutputs: 1, MaxOutputs: 1,
		Attrs: append([]AttrSpec{
			{Name: "table", Kind: AttrInts, Required: true, Doc: "output code of every input code in_lo, in_lo+1, ..., in [lo, hi]"},
			{Name: "in_lo", Kind: AttrInt, Required: true, Doc: "the input code of table[0]: the smallest code of the input's type"},
		}, rng...), Infer: inferQLut}))
	Register(q(&OpInfo{Op: OpQMul, Summary: "product of two activations, requantized: clamp(roundshift(sat32(a*b)*mult, shift))", MinInputs: 2, MaxInputs: 2, MinOutputs: 1, MaxOutputs: 1,
		Attrs: append([]AttrSpec{
			{Name: "mult", Kind: AttrInt, Required: true, Doc: "output multiplier (int32)"},
			{Name: "shift", Kind: AttrInt, Required: true, Doc: "right shift of the requantization, 0..63"},
			{Name: "round", Kind: AttrString, Required: true, Doc: "rounding of the shift: up, away, even or floor"},
		}, rng...), Infer: inferQMul}))
}

// LutRange is the input codes a qlut over x covers: its type's range.
func LutRange(x *Value) (lo, hi int64, err error) {
	q := x.Quant
	if q == nil || q.Bits < 1 || q.Bits > 12 {
		return 0, 0, fmt.Errorf("input needs quantization parameters of 1..12 bits")
	}
	if q.Signed {
		return -(int64(1) << (q.Bits - 1)), int64(1)<<(q.Bits-1) - 1, nil
	}
	return 0, int64(1)<<q.Bits - 1, nil
}

func inferQLut(n *Node) ([]Type, error) {
	x, err := intIn(n, 0)
	if err != nil {
		return nil, err
	}
	lo, hi, err := outRange(n)
	if err != nil {
		return nil, err
	}
	tab := n.Ints("table", nil)
	if len(tab) < 1 || len(tab) > MaxLutEntries {
		return nil, fmt.Errorf("attribute \"table\": %d entries, want 1..%d", len(tab), MaxLutEntries)
	}
	for i, v := range tab {
		if int64(v) < lo || int64(v) > hi {
			return nil, fmt.Errorf("attribute \"table\": entry %d = %d outside the output range [%d, %d]", i, v, lo, hi)
		}
	}
	if in := n.Input(0); in != nil && in.Quant != nil {
		ilo, ihi, err := LutRange(in)
		if err != nil {
			return nil, err
		}
		if n.Int("in_lo", math.MaxInt64) != ilo || int64(len(tab)) != ihi-ilo+1 {
			return nil, fmt.Errorf("table of %d entries from code %d, want %d from %d (the input's codes [%d, %d])", len(tab), n.Int("in_lo", 0), ihi-ilo+1, ilo, ilo, ihi)
		}
	}
	return one(typ(QuantDType(lo, hi), x.Shape)), nil
}

func inferQMul(n *Node) ([]Type, error) {
	lo, hi, err := requantAttrs(n)
	if err != nil {
		return nil, err
	}
	if m := n.Int("mult", math.MaxInt64); m < math.MinInt32 || m > math.MaxInt32 {
		return nil, fmt.Errorf("attribute \"mult\": %d outside int32", m)
	}
	a, err := intIn(n, 0)
	if err != nil {
		return nil, err
	}
	b, err := intIn(n, 1)
	if err != nil {
		return nil, err
	}
	if !BroadcastsTo(b.Shape, a.Shape) {
		return nil, fmt.Errorf("input 1 %s does not broadcast to input 0 %s (qmul broadcasts its second input only)", tensor.ShapeString(b.Shape), tensor.ShapeString(a.Shape))
	}
	return one(typ(QuantDType(lo, hi), a.Shape)), nil
}

// BroadcastsTo reports whether shape b broadcasts to a of the same rank:
// every dim of b is 1 or a's.
func BroadcastsTo(b, a []int) bool {
	if len(b) != len(a) {
		return false
	}
	for i := range a {
		if b[i] != 1 && b[i] != a[i] {
			return false
		}
	}
	return true
}
