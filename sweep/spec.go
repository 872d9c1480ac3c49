package sweep

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/pimc-dev/pimc/sim"
)

// Spec is a sweep file (docs/SWEEP.md): what to compile, for which
// targets, evaluated on which dataset slice.
type Spec struct {
	// Dataset is the test set (mnist, fashion-mnist or a folder; a
	// relative folder is relative to the spec's folder) and Limit the
	// number of its first images each point is evaluated on (0: all).
	Dataset string `yaml:"dataset"`
	Limit   int    `yaml:"limit"`
	// Calib is the quantize pass's calibration source (random:N, mnist,
	// fashion-mnist or a folder; "": random:8) and Replicate the map
	// pass's replication (off, auto or N; "": auto), for every point.
	Calib     string `yaml:"calib"`
	Replicate string `yaml:"replicate"`
	// Base is the preset target overrides merge over ("": the default
	// preset).
	Base    string       `yaml:"base"`
	Models  []ModelSpec  `yaml:"models"`
	Quant   []QuantSpec  `yaml:"quant"`
	Targets []TargetSpec `yaml:"targets"`
	// Compress is an axis of compression configs (compress.go; none: the
	// models as given) made with the training set of CompressDataset
	// ("": Dataset).
	Compress        []CompressSpec `yaml:"compress"`
	CompressDataset string         `yaml:"compress_dataset"`
	// Faults is an axis of fault specs (sim.ParseFaults syntax, "none":
	// the ideal device; none: no faults), each point evaluated on
	// FaultSeeds chip instances (0: 1), seeds Seed (0: 1), Seed+1, ...
	Faults     []string `yaml:"faults"`
	FaultSeeds int      `yaml:"fault_seeds"`
	Seed       uint64   `yaml:"seed"`
	// Points, when given, replaces the cross product Models x Compress x
	// Quant x Targets x Faults: each names a model, a compression and a
	// target by name.
	Points []PointSpec `yaml:"points"`

	dir string // the spec file's folder: relative paths start there
}

// ModelSpec is one model: an ONNX or .pir file, or an embedded model
// (lenet5, lenet5-admm-w4a4).
type ModelSpec struct {
	Name     string `yaml:"name"`
	File     string `yaml:"file"`
	Embedded string `yaml:"embedded"`
}

// QuantSpec is one quantization: weight and activation bits (1..8) and
// whether the first and last matrix layers keep 8 bits (default true, the
// quantize pass's keep-ends).
type QuantSpec struct {
	WBits    int   `yaml:"wbits" json:"wbits"`
	ABits    int   `yaml:"abits" json:"abits"`
	KeepEnds *bool `yaml:"keep_ends" json:"keep_ends"`
}

// keepEnds is KeepEnds with its default.
func (q QuantSpec) keepEnds() bool { return q.KeepEnds == nil || *q.KeepEnds }

// Label is the quantization as a short name: w4a4, w4a4-noends.
func (q QuantSpec) Label() string {
	s := fmt.Sprintf("w%da%d", q.WBits, q.ABits)
	if !q.keepEnds() {
		s += "-noends"
	}
	return s
}

// TargetSpec is one target variant: a complete description file, or a
// partial description (any keys of a target YAML file) merged over the
// spec's base preset as a file with `base:` is (target.Load); neither: the
// base preset itself.
type TargetSpec struct {
	Name     string    `yaml:"name"`
	File     string    `yaml:"file"`
	Override yaml.Node `yaml:"override"`
}

// PointSpec is one point of an explicit list.
type PointSpec struct {
	Model    string    `yaml:"model"`
	Compress string    `yaml:"compress"`
	Quant    QuantSpec `yaml:"quant"`
	Target   string    `yaml:"target"`
	Faults   string    `yaml:"faults"`
}

// LoadSpec reads and checks a sweep file.
func LoadSpec(path string) (*Spec, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	s, err := ParseSpec(data, filepath.Dir(path))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}

// ParseSpec decodes a sweep file strictly (unknown keys are errors) and
// checks it; dir is the folder relative paths start from.
func ParseSpec(data []byte, dir string) (s *Spec, err error) {
	// The YAML decoder is third-party code: a panic on hostile input
	// becomes an error.
	defer func() {
		if r := recover(); r != nil {
			s, err = nil, fmt.Errorf("decode YAML: decoder failed: %v", r)
		}
	}()
	s = &Spec{dir: dir}
	d := yaml.NewDecoder(bytes.NewReader(data))
	d.KnownFields(true)
	if err := d.Decode(s); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("empty file")
		}
		return nil, fmt.Errorf("decode YAML: %w", err)
	}
	if err := s.check(); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *Spec) check() error {
	var probs []string
	bad := func(format string, a ...any) { probs = append(probs, fmt.Sprintf(format, a...)) }
	if s.Dataset == "" {
		bad("dataset: missing (mnist, fashion-mnist or a folder)")
	}
	if s.Limit < 0 {
		bad("limit: %d, want 0 (all images) or a positive count", s.Limit)
	}
	if len(s.Models) == 0 {
		bad("models: none given")
	}
	names := map[string]bool{}
	for i, m := range s.Models {
		switch {
		case m.Name == "":
			bad("models[%d]: name missing", i)
		case names[m.Name]:
			bad("models[%d]: name %q given twice", i, m.Name)
		case (m.File == "") == (m.Embedded == ""):
			bad("models[%d] (%s): give one of file and embedded", i, m.Name)
		case m.Embedded != "" && embedded[m.Embedded] == nil:
			bad("models[%d] (%s): embedded %q: want one of %s", i, m.Name, m.Embedded, strings.Join(embeddedNames(), ", "))
		}
		names[m.Name] = true
	}
	tnames := map[string]bool{}
	for i, t := range s.Targets {
		switch {
		case t.Name == "":
			bad("targets[%d]: name missing", i)
		case tnames[t.Name]:
			bad("targets[%d]: name %q given twice", i, t.Name)
		case t.File != "" && !t.Override.IsZero():
			bad("targets[%d] (%s): give file or override, not both", i, t.Name)
		case !t.Override.IsZero() && t.Override.Kind != yaml.MappingNode:
			bad("targets[%d] (%s): override: want a mapping (keys of a target file)", i, t.Name)
		}
		tnames[t.Name] = true
	}
	for i, q := range s.Quant {
		checkQuant(fmt.Sprintf("quant[%d]", i), q, bad)
	}
	cnames := map[string]bool{}
	for i, c := range s.Compress {
		switch {
		case c.Name == "":
			bad("compress[%d]: name missing", i)
		case cnames[c.Name]:
			bad("compress[%d]: name %q given twice", i, c.Name)
		case c.Mode != "" && c.Mode != "admm" && c.Mode != "layerwise":
			bad("compress[%d] (%s): mode %q: want admm or layerwise", i, c.Name, c.Mode)
		case c.Config == "" && c.Mode != "":
			bad("compress[%d] (%s): mode without a config", i, c.Name)
		}
		cnames[c.Name] = true
	}
	for i, f := range s.Faults {
		checkFaults(fmt.Sprintf("faults[%d]", i), f, bad)
	}
	if s.FaultSeeds < 0 {
		bad("fault_seeds: %d, want a positive count of chip instances", s.FaultSeeds)
	}
	if len(s.Points) > 0 {
		for i, p := range s.Points {
			where := fmt.Sprintf("points[%d]", i)
			if !names[p.Model] {
				bad("%s: model %q is not one of models' names", where, p.Model)
			}
			if p.Target != "" && !tnames[p.Target] {
				bad("%s: target %q is not one of targets' names", where, p.Target)
			}
			if p.Compress != "" && !cnames[p.Compress] {
				bad("%s: compress %q is not one of compress' names", where, p.Compress)
			}
			checkFaults(where+".faults", p.Faults, bad)
			checkQuant(where+".quant", p.Quant, bad)
		}
	} else if len(s.Quant) == 0 {
		bad("quant: none given (or list points)")
	}
	anyFaults := len(s.Faults) > 0
	for _, p := range s.Points {
		anyFaults = anyFaults || p.Faults != ""
	}
	if !anyFaults && (s.FaultSeeds != 0 || s.Seed != 0) {
		bad("fault_seeds and seed choose the chip instances of faults: give faults too")
	}
	if len(probs) > 0 {
		return fmt.Errorf("%d problem(s):\n  %s", len(probs), strings.Join(probs, "\n  "))
	}
	return nil
}

// checkFaults checks a fault spec of the spec ("" and "none": none).
func checkFaults(where, f string, bad func(string, ...any)) {
	if f == "" || f == noFaults {
		return
	}
	if _, err := sim.ParseFaults(f); err != nil {
		bad("%s: %v", where, err)
	}
}

func checkQuant(where string, q QuantSpec, bad func(string, ...any)) {
	if q.WBits < 1 || q.WBits > 8 {
		bad("%s.wbits: %d, want 1..8", where, q.WBits)
	}
	if q.ABits < 1 || q.ABits > 8 {
		bad("%s.abits: %d, want 1..8", where, q.ABits)
	}
}

// path resolves a path of the spec against its folder.
func (s *Spec) path(p string) string {
	if filepath.IsAbs(p) || s.dir == "" {
		return p
	}
	return filepath.Join(s.dir, p)
}
