package target

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Quantity is one number of the description as written in the file: value,
// unit (e.g. "ns", "fJ/bit", "um2", "F2") and provenance (where the number
// comes from). Use the Target accessors for normalised values.
type Quantity struct {
	Value      float64 `json:"value" yaml:"value"`
	Unit       string  `json:"unit" yaml:"unit"`
	Provenance string  `json:"provenance" yaml:"provenance"`

	set, hasValue bool // given in the file being decoded
}

// Count is an integer parameter (a geometry entry) with its provenance.
type Count struct {
	Value      int64  `json:"value" yaml:"value"`
	Provenance string `json:"provenance" yaml:"provenance"`

	set, hasValue bool
}

// Q builds a Quantity (for presets and tests).
func Q(v float64, unit, provenance string) Quantity {
	return Quantity{Value: v, Unit: unit, Provenance: provenance, set: true, hasValue: true}
}

// C builds a Count.
func C(v int64, provenance string) Count {
	return Count{Value: v, Provenance: provenance, set: true, hasValue: true}
}

// checkKeys rejects unknown keys of a YAML mapping node (strict decoding does
// not reach into custom unmarshalers).
func checkKeys(n *yaml.Node, allowed ...string) error {
	if n.Kind != yaml.MappingNode {
		return fmt.Errorf("line %d: want a mapping {%s}", n.Line, strings.Join(allowed, ", "))
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i].Value
		ok := false
		for _, a := range allowed {
			ok = ok || k == a
		}
		if !ok {
			return fmt.Errorf("line %d: unknown key %q (want %s)", n.Content[i].Line, k, strings.Join(allowed, ", "))
		}
	}
	return nil
}

// UnmarshalYAML decodes {value, unit, provenance} strictly.
func (q *Quantity) UnmarshalYAML(n *yaml.Node) error {
	if err := checkKeys(n, "value", "unit", "provenance"); err != nil {
		return err
	}
	var aux struct {
		Value      *float64 `yaml:"value"`
		Unit       string   `yaml:"unit"`
		Provenance string   `yaml:"provenance"`
	}
	if err := n.Decode(&aux); err != nil {
		return err
	}
	*q = Quantity{Unit: aux.Unit, Provenance: aux.Provenance, set: true}
	if aux.Value != nil {
		q.Value, q.hasValue = *aux.Value, true
	}
	return nil
}

// UnmarshalJSON decodes {value, unit, provenance} strictly.
func (q *Quantity) UnmarshalJSON(b []byte) error {
	var aux struct {
		Value      *float64 `json:"value"`
		Unit       string   `json:"unit"`
		Provenance string   `json:"provenance"`
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	if err := d.Decode(&aux); err != nil {
		return err
	}
	*q = Quantity{Unit: aux.Unit, Provenance: aux.Provenance, set: true}
	if aux.Value != nil {
		q.Value, q.hasValue = *aux.Value, true
	}
	return nil
}

// UnmarshalYAML decodes {value, provenance} strictly.
func (c *Count) UnmarshalYAML(n *yaml.Node) error {
	if err := checkKeys(n, "value", "provenance"); err != nil {
		return err
	}
	var aux struct {
		Value      yaml.Node `yaml:"value"`
		Provenance string    `yaml:"provenance"`
	}
	if err := n.Decode(&aux); err != nil {
		return err
	}
	*c = Count{Provenance: aux.Provenance, set: true}
	if aux.Value.Kind != 0 { // absent: Kind 0
		v, err := countValue(&aux.Value)
		if err != nil {
			return err
		}
		c.Value, c.hasValue = v, true
	}
	return nil
}

// countValue decodes a count strictly. yaml.v3 alone truncates a float
// into an integer field (1.5 banks would load as 1), so the scalar must be
// tagged as an integer and fit in 64 bits.
func countValue(n *yaml.Node) (int64, error) {
	if _, err := strconv.ParseInt(n.Value, 10, 64); n.Kind == yaml.ScalarNode && errors.Is(err, strconv.ErrRange) {
		return 0, fmt.Errorf("line %d: value %s does not fit in 64 bits", n.Line, n.Value)
	}
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!int" {
		return 0, fmt.Errorf("line %d: value %s is not a whole number", n.Line, strconv.Quote(n.Value))
	}
	var v int64
	if err := n.Decode(&v); err != nil {
		return 0, fmt.Errorf("line %d: value %s does not fit in 64 bits", n.Line, n.Value)
	}
	return v, nil
}

// UnmarshalJSON decodes {value, provenance} strictly.
func (c *Count) UnmarshalJSON(b []byte) error {
	var aux struct {
		Value      *int64 `json:"value"`
		Provenance string `json:"provenance"`
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	if err := d.Decode(&aux); err != nil {
		return err
	}
	*c = Count{Provenance: aux.Provenance, set: true}
	if aux.Value != nil {
		c.Value, c.hasValue = *aux.Value, true
	}
	return nil
}
