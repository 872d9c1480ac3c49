package passes

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/pimc-dev/pimc/ir"
)

// Per-layer bit-widths for quantize{config=file.yaml}. The file maps ONNX
// node names to the widths of that node:
//
//	Convolution28: {wbits: 8, abits: 8}
//	Times212:      {wbits: 4}
//
// wbits is the weight width of a matrix layer (conv, fc), abits the width of
// the activations the node produces. Absent keys keep the pass options
// (and the 8-bit default of the first and last matrix layers).

// layerBits is one entry of the config file; 0 means unset.
type layerBits struct {
	WBits int `yaml:"wbits"`
	ABits int `yaml:"abits"`
}

// readQuantConfig parses the YAML file at path (read through the run's
// Env.ReadFile) and checks every key names a node of g and every width is
// in 1..8.
func readQuantConfig(ctx *Context, path string, g *ir.Graph) (map[string]layerBits, error) {
	data, err := ctx.readFile(path)
	if err != nil {
		return nil, fmt.Errorf("quantize config: %w", err)
	}
	cfg := map[string]layerBits{}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&cfg); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("quantize config %s: %v (want a map from ONNX node name to {wbits: N, abits: N})", path, err)
	}
	names := map[string]bool{}
	for _, n := range g.Nodes {
		if n.Name != "" {
			names[n.Name] = true
		}
	}
	var unknown, bad []string
	for k, v := range cfg {
		if !names[k] {
			unknown = append(unknown, k)
		}
		if v.WBits < 0 || v.WBits > 8 || v.ABits < 0 || v.ABits > 8 {
			bad = append(bad, fmt.Sprintf("%s: wbits %d, abits %d", k, v.WBits, v.ABits))
		}
	}
	sort.Strings(unknown)
	sort.Strings(bad)
	if len(unknown) > 0 {
		return nil, fmt.Errorf("quantize config %s: no node named %s", path, strings.Join(quoteAll(unknown), ", "))
	}
	if len(bad) > 0 {
		return nil, fmt.Errorf("quantize config %s: widths must be in 1..8: %s", path, strings.Join(bad, "; "))
	}
	return cfg, nil
}

func quoteAll(s []string) []string {
	out := make([]string, len(s))
	for i, x := range s {
		out[i] = fmt.Sprintf("%q", x)
	}
	return out
}
