package ir

import (
	"fmt"
	"math"
	"math/bits"
	"slices"
	"sort"

	"github.com/pimc-dev/pimc/ir/tensor"
)

// AttrKind is the type of an attribute value.
type AttrKind uint8

// Attribute kinds. Tensor attributes hold small constant payloads (the value
// of constant_of_shape, for instance).
const (
	AttrInt AttrKind = iota + 1
	AttrInts
	AttrFloat
	AttrFloats
	AttrString
	AttrTensor
)

var attrKindNames = [...]string{AttrInt: "int", AttrInts: "ints", AttrFloat: "float", AttrFloats: "floats", AttrString: "string", AttrTensor: "tensor"}

func (k AttrKind) String() string {
	if int(k) < len(attrKindNames) && attrKindNames[k] != "" {
		return attrKindNames[k]
	}
	return fmt.Sprintf("attrkind(%d)", uint8(k))
}

// Attr is one attribute value; only the field matching Kind is meaningful.
type Attr struct {
	Kind   AttrKind
	Int    int64
	Ints   []int64
	Float  float32
	Floats []float32
	Str    string
	Tensor *tensor.Tensor
}

// IntAttr, IntsAttr, FloatAttr, FloatsAttr, StringAttr and TensorAttr build attribute values.
func IntAttr(v int64) Attr         { return Attr{Kind: AttrInt, Int: v} }
func IntsAttr(v ...int64) Attr     { return Attr{Kind: AttrInts, Ints: append([]int64{}, v...)} }
func FloatAttr(v float32) Attr     { return Attr{Kind: AttrFloat, Float: v} }
func FloatsAttr(v ...float32) Attr { return Attr{Kind: AttrFloats, Floats: append([]float32{}, v...)} }
func StringAttr(v string) Attr     { return Attr{Kind: AttrString, Str: v} }
func TensorAttr(t *tensor.Tensor) Attr {
	return Attr{Kind: AttrTensor, Tensor: t}
}

// IntsFromInts converts an []int to an ints attribute.
func IntsFromInts(v []int) Attr {
	out := make([]int64, len(v))
	for i, x := range v {
		out[i] = int64(x)
	}
	return Attr{Kind: AttrInts, Ints: out}
}

// fitsInt rejects int and ints values outside int. Shape functions, the
// interpreter and the backend read integer attributes as int (Node.Ints,
// int(Node.Int(...))); where int has 32 bits a value such as 1<<32 would
// silently wrap (to 0), so shape inference and the verifier refuse it
// instead. Every legal value (axes, sizes, pads, int32 multipliers and
// ranges) fits; on 64-bit machines every value does.
func (a Attr) fitsInt() error {
	if bits.UintSize == 64 {
		return nil
	}
	vals := a.Ints
	if a.Kind == AttrInt {
		vals = []int64{a.Int}
	}
	for _, v := range vals {
		if v < math.MinInt || v > math.MaxInt {
			return fmt.Errorf("%d does not fit the %d-bit int of this machine", v, bits.UintSize)
		}
	}
	return nil
}

// Equal reports whether two attribute values are identical.
func (a Attr) Equal(b Attr) bool {
	if a.Kind != b.Kind {
		return false
	}
	switch a.Kind {
	case AttrInt:
		return a.Int == b.Int
	case AttrInts:
		return slices.Equal(a.Ints, b.Ints)
	case AttrFloat:
		return a.Float == b.Float || (a.Float != a.Float && b.Float != b.Float)
	case AttrFloats:
		return slices.Equal(a.Floats, b.Floats)
	case AttrString:
		return a.Str == b.Str
	case AttrTensor:
		return (a.Tensor == nil && b.Tensor == nil) || (a.Tensor != nil && b.Tensor != nil && tensor.Equal(a.Tensor, b.Tensor))
	}
	return false
}

// Attrs maps attribute names to values. Printing sorts the names.
type Attrs map[string]Attr

// Names returns the attribute names in sorted order.
func (as Attrs) Names() []string {
	names := make([]string, 0, len(as))
	for k := range as {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

// Clone returns a copy whose slices are not shared with as.
func (as Attrs) Clone() Attrs {
	c := make(Attrs, len(as))
	for k, v := range as {
		v.Ints = slices.Clone(v.Ints)
		v.Floats = slices.Clone(v.Floats)
		if v.Tensor != nil {
			v.Tensor = v.Tensor.Clone()
		}
		c[k] = v
	}
	return c
}
