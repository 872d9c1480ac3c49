package admm

import (
	"fmt"
	"strings"
)

// Kind is a structured-sparsity pattern of a weight matrix F x K (conv
// weights [F, C, kh, kw] viewed as F x (C*kh*kw), fc weights [N, K]). What
// each buys on the engine is in PAPER.md §2: filters remove whole weight
// vectors, columns shorten every vector and patch, channels also let the
// previous layer drop a filter, blocks are the mapper's tiles (freed),
// irregular sparsity buys almost nothing.
type Kind string

// Sparsity kinds.
const (
	Filter    Kind = "filter"    // rows of the F x K matrix
	Column    Kind = "column"    // columns (shape-wise)
	Channel   Kind = "channel"   // groups of kh*kw columns of one input channel
	Block     Kind = "block"     // the mapper's tiles: filters x device-order columns
	Irregular Kind = "irregular" // single elements
)

// Kinds lists the kinds in the order they are applied when a layer has
// several (coarse to fine).
var Kinds = []Kind{Filter, Channel, Column, Block, Irregular}

// ParseKind accepts a kind name (and "shape" for column).
func ParseKind(s string) (Kind, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "shape" || s == "shape-wise" {
		return Column, nil
	}
	for _, k := range Kinds {
		if string(k) == s {
			return k, nil
		}
	}
	return "", fmt.Errorf("unknown sparsity type %q (want filter, column, channel, block or irregular)", s)
}

// Prune is one sparsity constraint: prune the fraction Ratio (0 <= Ratio < 1)
// of the groups of kind Kind. Block tiles are TileRows consecutive filters x
// TileCols consecutive columns of Order (the mapper's device column order,
// mapping.ColumnOrder; nil: ascending K), so that a block is one tile of
// the mapper (BlockTile).
type Prune struct {
	Kind               Kind
	Ratio              float64
	TileRows, TileCols int
	Order              []int
	// L1 ranks the groups by their L1 norm (sum of |w|, the criterion of
	// L1-filter pruning, Li et al. 2017) instead of the L2 norm of the
	// Euclidean projection; the l1 baseline (WithMethod) sets it.
	L1 bool
}

func (p Prune) String() string {
	if p.Kind == Block {
		return fmt.Sprintf("%s(%dx%d)=%.3g", p.Kind, p.TileRows, p.TileCols, p.Ratio)
	}
	return fmt.Sprintf("%s=%.3g", p.Kind, p.Ratio)
}
