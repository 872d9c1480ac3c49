package admm

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/pimc-dev/pimc/ir/mapping"
	"gopkg.in/yaml.v3"
)

// Config is the compression configuration file (YAML):
//
//	defaults:                    # every compressible layer
//	  prune: {filter: 0.5, column: 0.5}
//	  wbits: 4
//	prune_first: false           # PAPER.md §5: the first conv layer is not pruned
//	coupled: false               # prune channels joined by residual adds together
//	end_bits: 8                  # first and last layer width (0: like the others)
//	geometry: {rows: 256, cols: 256, abits: 8}
//	layers:                      # by ONNX node name; overrides defaults
//	  conv2: {prune: {column: 0.7}, wbits: 3}
//	  fc3:   {prune: {}}         # not pruned
//	admm: {rho: 0.001, rho_growth: 1.3, ...}
//
// Sparsity types: filter, column (or shape), channel, block (tile from
// geometry, or tile: [rows, cols]), irregular; several apply coarse to
// fine. wbits 0 leaves a layer in float.
type Config struct {
	Defaults   LayerConfig            `yaml:"defaults"`
	Layers     map[string]LayerConfig `yaml:"layers"`
	PruneFirst bool                   `yaml:"prune_first"`
	// Coupled prunes channels by dependency-aware groups (Couplings):
	// the channels joined by residual adds are pruned together in every
	// branch, with the columns of the layers reading them.
	Coupled  bool     `yaml:"coupled"`
	EndBits  *int     `yaml:"end_bits"`
	Geometry Geometry `yaml:"geometry"`
	ADMM     Hyper    `yaml:"admm"`
}

// LayerConfig is the compression of one layer; nil fields inherit.
type LayerConfig struct {
	Prune map[string]float64 `yaml:"prune"`
	WBits *int               `yaml:"wbits"`
	Tile  []int              `yaml:"tile"`
}

// Geometry is the part of the target that shapes the compression: a
// sub-array of Rows x Cols cells, activations of ABits bits (PAPER.md §4
// defaults 256 x 256, 8 bits).
type Geometry struct {
	Rows  int `yaml:"rows"`
	Cols  int `yaml:"cols"`
	ABits int `yaml:"abits"`
}

// Spec is the resolved compression of one layer.
type Spec struct {
	Prunes []Prune
	Bits   int // 0: not quantized
}

// DefaultGeometry is the 256 x 256 sub-array with 8-bit activations.
var DefaultGeometry = Geometry{Rows: 256, Cols: 256, ABits: 8}

// ReadConfig parses a config file; unknown fields are errors.
func ReadConfig(path string) (*Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("admm config: %w", err)
	}
	c, err := ParseConfig(b)
	if err != nil {
		return nil, fmt.Errorf("admm config %s: %v", path, err)
	}
	return c, nil
}

// ParseConfig parses YAML config text.
func ParseConfig(b []byte) (*Config, error) {
	c := &Config{}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(c); err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	// Which admm: keys were written, so that a written 0 is told apart
	// from an absent key (Hyper.Given).
	var raw struct {
		ADMM map[string]any `yaml:"admm"`
	}
	if err := yaml.Unmarshal(b, &raw); err != nil {
		return nil, err
	}
	if len(raw.ADMM) > 0 {
		c.ADMM.Given = map[string]bool{}
		for k := range raw.ADMM {
			c.ADMM.Given[k] = true
		}
	}
	return c, nil
}

func (g Geometry) withDefaults() Geometry {
	if g.Rows == 0 {
		g.Rows = DefaultGeometry.Rows
	}
	if g.Cols == 0 {
		g.Cols = DefaultGeometry.Cols
	}
	if g.ABits == 0 {
		g.ABits = DefaultGeometry.ABits
	}
	return g
}

// Resolve gives every layer its Spec: the layer's entry over the defaults,
// no pruning for the first layer unless PruneFirst, EndBits (default 8) for
// the first and last layers when they are quantized and their entry does
// not set wbits, every constraint ranked by admm.group_norm (Prune.L1).
// Names in Layers that are not layers of the model are an error naming
// them all.
func (c *Config) Resolve(layers []*Layer) (map[string]Spec, error) {
	names := map[string]bool{}
	for _, l := range layers {
		names[l.Name] = true
	}
	var unknown []string
	for k := range c.Layers {
		if !names[k] {
			unknown = append(unknown, fmt.Sprintf("%q", k))
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		var have []string
		for _, l := range layers {
			have = append(have, l.Name)
		}
		return nil, fmt.Errorf("no compressible layer named %s (layers: %s)", strings.Join(unknown, ", "), strings.Join(have, ", "))
	}
	if err := c.check(names); err != nil {
		return nil, err
	}
	geo := c.Geometry.withDefaults()
	end := 8
	if c.EndBits != nil {
		end = *c.EndBits
	}
	out := map[string]Spec{}
	for i, l := range layers {
		lc, has := c.Layers[l.Name]
		prune := c.Defaults.Prune
		if lc.Prune != nil {
			prune = lc.Prune
		}
		if i == 0 && !c.PruneFirst && (!has || lc.Prune == nil) {
			prune = nil
		}
		bits := 0
		if c.Defaults.WBits != nil {
			bits = *c.Defaults.WBits
		}
		if lc.WBits != nil {
			bits = *lc.WBits
		} else if (i == 0 || i == len(layers)-1) && bits > 0 && end > 0 {
			bits = end
		}
		if bits < 0 || bits > 8 {
			return nil, fmt.Errorf("layer %q: wbits %d, want 0 (float) or 1..8", l.Name, bits)
		}
		tile := c.Defaults.Tile
		if lc.Tile != nil {
			tile = lc.Tile
		}
		ps, err := prunes(prune, tile, geo, bits, l)
		if err != nil {
			return nil, fmt.Errorf("layer %q: %v", l.Name, err)
		}
		for j := range ps {
			ps[j].L1 = c.ADMM.GroupNorm == "l1"
		}
		out[l.Name] = Spec{Prunes: ps, Bits: bits}
	}
	return out, nil
}

// check reports the problems of the parts of the config that Resolve does
// not read layer by layer: the admm: hyperparameters (Hyper.check), the
// geometry, end_bits and the layers act_bits names, all at once, before
// any training starts.
func (c *Config) check(layers map[string]bool) error {
	var errs []error
	errs = append(errs, c.ADMM.problems()...)
	g := c.Geometry
	if g.Rows < 0 || g.Cols < 0 || g.ABits < 0 {
		errs = append(errs, fmt.Errorf("geometry: rows %d, cols %d, abits %d: want positive values (0: the default)", g.Rows, g.Cols, g.ABits))
	} else if g = g.withDefaults(); g.ABits >= g.Rows {
		errs = append(errs, fmt.Errorf("geometry: %d activation bits leave no weight rows in a sub-array of %d rows", g.ABits, g.Rows))
	}
	if c.EndBits != nil && (*c.EndBits < 0 || *c.EndBits > 8) {
		errs = append(errs, fmt.Errorf("end_bits %d: want 0 (like the other layers) or 1..8", *c.EndBits))
	}
	var unknown []string
	for name := range c.ADMM.ActBits {
		if !layers[name] {
			unknown = append(unknown, fmt.Sprintf("%q", name))
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		errs = append(errs, fmt.Errorf("admm.act_bits: no compressible layer named %s", strings.Join(unknown, ", ")))
	}
	return problems(errs)
}

// problems is nil, the one error, or one error listing all of them on
// indented lines.
func problems(errs []error) error {
	switch len(errs) {
	case 0:
		return nil
	case 1:
		return errs[0]
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d problems:", len(errs))
	for _, e := range errs {
		b.WriteString("\n  " + e.Error())
	}
	return errors.New(b.String())
}

// prunes turns a {type: ratio} map into constraints ordered coarse to fine
// for layer l (nil: blocks over ascending columns, no filter count).
func prunes(m map[string]float64, tile []int, geo Geometry, bits int, l *Layer) ([]Prune, error) {
	byKind := map[Kind]float64{}
	for k, r := range m {
		kind, err := ParseKind(k)
		if err != nil {
			return nil, err
		}
		if !(r >= 0 && r < 1) {
			return nil, fmt.Errorf("%s ratio %v: want a fraction in [0, 1)", k, r)
		}
		byKind[kind] = r
	}
	var out []Prune
	for _, k := range Kinds {
		r, ok := byKind[k]
		if !ok || r == 0 {
			continue
		}
		p := Prune{Kind: k, Ratio: r}
		if k == Block {
			filters := 0
			if l != nil {
				filters = l.Shape.Rows
				order, err := mapping.ColumnOrder(l.Node)
				if err != nil {
					return nil, err
				}
				p.Order = order
			}
			p.TileRows, p.TileCols = BlockTile(geo, bits, filters)
			if len(tile) == 2 && tile[0] > 0 && tile[1] > 0 {
				p.TileRows, p.TileCols = tile[0], tile[1]
			} else if len(tile) != 0 {
				return nil, fmt.Errorf("tile %v: want [rows, cols], both positive", tile)
			}
		}
		out = append(out, p)
	}
	return out, nil
}

// BlockTile is the mapper's tile of a layer of filters filters with
// bits-bit weights (docs/BACKEND.md §2): Cols columns (a column segment)
// by mapping.FiltersPerTile filters, i.e. the (Rows - ABits)/M filters of M
// bit-planes that fit one sub-array next to ABits activation planes, or,
// when the layer has more, its filters split evenly into that many parts
// (filters 0: the (Rows - ABits)/M filters of a full sub-array). M is the
// mapper's plane count: bits, 2 for binary weights with pruned zeros ({-1,
// 0, +1}), 8 for float.
func BlockTile(geo Geometry, bits, filters int) (rows, cols int) {
	geo = geo.withDefaults()
	m := bits
	switch bits {
	case 0:
		m = 8
	case 1:
		m = 2
	}
	per := max((geo.Rows-geo.ABits)/m, 1)
	if filters <= 0 {
		return per, geo.Cols
	}
	return mapping.FiltersPerTile(filters, geo.Rows, geo.ABits, m), geo.Cols
}
