package sweep

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/pimc-dev/pimc/data"
	"github.com/pimc-dev/pimc/internal/buildinfo"
	"github.com/pimc-dev/pimc/internal/lenet5"
	"github.com/pimc-dev/pimc/sim"
	"github.com/pimc-dev/pimc/target"
)

// embedded are the models a spec can name without a file.
var embedded = map[string][]byte{
	"lenet5":           lenet5.ONNX,
	"lenet5-admm-w4a4": lenet5.ADMM,
}

func embeddedNames() []string {
	var n []string
	for k := range embedded {
		n = append(n, k)
	}
	sort.Strings(n)
	return n
}

// Point is one point of a sweep: what its row reports as its parameters
// (Config) and what it is compiled from.
type Point struct {
	Index  int
	Config Config
	// Hash is the content hash naming its result file (hex SHA-256).
	Hash   string
	Model  []byte // the model file's bytes
	File   string // the model's file name (errors, ONNX vs .pir)
	Target *target.Target
	// CalibPath is Config.Calib with a folder resolved against the spec's
	// folder (Config keeps it as the spec gives it, so the hash and the
	// row do not depend on where the spec is run from).
	CalibPath string
	// compress is the point's compression (compress.go), nil: none;
	// faults its fault spec, nil: the ideal device.
	compress *compression
	faults   *sim.FaultSpec
}

// noFaults is the fault spec of the ideal device in a spec's faults.
const noFaults = "none"

// Config is a point's parameters, as its row and its hash see them.
type Config struct {
	Name      string `json:"name"`
	Model     string `json:"model"`
	WBits     int    `json:"wbits"`
	ABits     int    `json:"abits"`
	KeepEnds  bool   `json:"keep_ends"`
	Target    string `json:"target"`
	Calib     string `json:"calib"`
	Replicate string `json:"replicate"`
	Dataset   string `json:"dataset"`
	Limit     int    `json:"limit"`
	// Compress names the point's compression config ("": none); Faults
	// its fault spec ("": none), evaluated on FaultSeeds chip instances
	// from Seed on.
	Compress   string `json:"compress,omitempty"`
	Faults     string `json:"faults,omitempty"`
	FaultSeeds int    `json:"fault_seeds,omitempty"`
	Seed       uint64 `json:"seed,omitempty"`
}

// Plan is a spec's points in order, their models read and their targets
// built.
type Plan struct {
	Spec   *Spec
	Points []*Point
}

// NewPlan expands s into its points (the explicit list, or models x quant
// x targets, the target varying fastest), reading every model and building
// every target once, and hashes each point.
func NewPlan(s *Spec) (*Plan, error) {
	models := map[string]*Point{} // name -> bytes and file
	for _, m := range s.Models {
		p := &Point{File: m.Embedded + ".onnx", Model: embedded[m.Embedded]}
		if m.File != "" {
			p.File = s.path(m.File)
			b, err := os.ReadFile(p.File)
			if err != nil {
				return nil, fmt.Errorf("models (%s): %w", m.Name, err)
			}
			p.Model = b
		}
		models[m.Name] = p
	}
	targets := map[string]*target.Target{}
	tspecs := s.Targets
	if len(tspecs) == 0 {
		tspecs = []TargetSpec{{Name: "base"}}
	}
	for _, ts := range tspecs {
		t, err := s.buildTarget(ts)
		if err != nil {
			return nil, err
		}
		targets[ts.Name] = t
	}
	comps := map[string]*compression{}
	for _, c := range s.Compress {
		if c.Config == "" {
			continue
		}
		b, err := os.ReadFile(s.path(c.Config))
		if err != nil {
			return nil, fmt.Errorf("compress (%s): %w", c.Name, err)
		}
		ds := s.CompressDataset
		if ds == "" {
			ds = s.Dataset
		}
		comps[c.Name] = &compression{spec: c, cfg: b, dataset: ds, path: s.resolveDataset(ds)}
	}
	type raw struct {
		model, compress, target, faults string
		q                               QuantSpec
	}
	var raws []raw
	if len(s.Points) > 0 {
		for _, p := range s.Points {
			tn := p.Target
			if tn == "" {
				tn = tspecs[0].Name
			}
			raws = append(raws, raw{p.Model, p.Compress, tn, p.Faults, p.Quant})
		}
	} else {
		cs, fs := []string{""}, []string{""}
		if len(s.Compress) > 0 {
			cs = nil
			for _, c := range s.Compress {
				cs = append(cs, c.Name)
			}
		}
		if len(s.Faults) > 0 {
			fs = s.Faults
		}
		for _, m := range s.Models {
			for _, c := range cs {
				for _, q := range s.Quant {
					for _, t := range tspecs {
						for _, f := range fs {
							raws = append(raws, raw{m.Name, c, t.Name, f, q})
						}
					}
				}
			}
		}
	}
	version := versionText()
	pl := &Plan{Spec: s}
	seen := map[string]int{}
	for i, r := range raws {
		m := models[r.model]
		c := Config{
			Name:  r.model + "/" + r.q.Label() + "/" + r.target,
			Model: r.model, WBits: r.q.WBits, ABits: r.q.ABits, KeepEnds: r.q.keepEnds(),
			Target: r.target, Calib: s.calibName(), Replicate: s.replicate(), Dataset: s.Dataset, Limit: s.Limit,
		}
		p := &Point{Index: i, Model: m.Model, File: m.File, Target: targets[r.target], CalibPath: s.calibPath()}
		if r.compress != "" {
			c.Compress = r.compress
			if p.compress = comps[r.compress]; p.compress != nil { // nil: a config-less entry, the model as given
				c.Name = r.model + "+" + r.compress + "/" + r.q.Label() + "/" + r.target
			}
		}
		if r.faults != "" && r.faults != noFaults {
			f, _ := sim.ParseFaults(r.faults) // checked with the spec
			p.faults = &f
			c.Faults, c.FaultSeeds, c.Seed = r.faults, max(s.FaultSeeds, 1), max(s.Seed, 1)
			c.Name += "/" + r.faults
		}
		p.Config = c
		p.Hash = pointHash(p, version)
		if j, dup := seen[p.Hash]; dup {
			return nil, fmt.Errorf("points %d and %d are the same point (%s)", j, i, c.Name)
		}
		seen[p.Hash] = i
		pl.Points = append(pl.Points, p)
	}
	return pl, nil
}

// buildTarget makes a target variant: its file, or its override merged
// over the base preset (a target file with base:), or the base preset.
func (s *Spec) buildTarget(ts TargetSpec) (*target.Target, error) {
	base := s.Base
	if base == "" {
		base = target.DefaultPreset
	}
	where := fmt.Sprintf("targets (%s)", ts.Name)
	switch {
	case ts.File != "":
		t, err := target.LoadOrPreset(s.path(ts.File))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", where, err)
		}
		return t, nil
	case ts.Override.IsZero():
		t, err := target.Preset(base)
		if err != nil {
			return nil, fmt.Errorf("%s: base: %w", where, err)
		}
		return t, nil
	}
	// The override as a target file of its own: its keys, a name and the
	// base preset unless it gives them.
	doc := ts.Override
	has := map[string]bool{}
	for i := 0; i+1 < len(doc.Content); i += 2 {
		has[doc.Content[i].Value] = true
	}
	add := func(k, v string) {
		doc.Content = append(doc.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: k}, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: v})
	}
	if !has["name"] {
		add("name", ts.Name)
	}
	if !has["base"] {
		add("base", base)
	}
	b, err := yaml.Marshal(&doc)
	if err != nil {
		return nil, fmt.Errorf("%s: override: %w", where, err)
	}
	t, err := target.Parse(where+".yaml", b)
	if err != nil {
		return nil, err
	}
	return t, nil
}

// calibName is the calibration source as the spec gives it ("":
// random:8), calibPath the same with a folder resolved.
func (s *Spec) calibName() string {
	if s.Calib == "" {
		return "random:8"
	}
	return s.Calib
}

func (s *Spec) calibPath() string {
	switch c := s.calibName(); {
	case c == data.MNIST, c == data.FashionMNIST, strings.HasPrefix(c, "random:"):
		return c
	default:
		return s.path(c)
	}
}

func (s *Spec) replicate() string {
	if s.Replicate == "" {
		return "auto"
	}
	return s.Replicate
}

// datasetPath is the dataset a point loads: a named one, or the folder
// relative to the spec.
func (s *Spec) datasetPath() string { return s.resolveDataset(s.Dataset) }

func (s *Spec) resolveDataset(d string) string {
	if d == data.MNIST || d == data.FashionMNIST {
		return d
	}
	return s.path(d)
}

// versionText is the pimc version that goes into every hash: module
// version, VCS revision and whether the tree was modified, ISA version.
func versionText() string {
	in := buildinfo.Read()
	return fmt.Sprintf("%s %s modified=%t isa=%s", in.Version, in.Revision, in.Modified, in.ISA)
}

// pointHash is the content hash of a point: the model's bytes, its
// config, the target's architectural and cost fingerprints and the pimc
// version. Names and provenance strings of the target do not enter (they
// change no figure); the contents of calibration or dataset folders do not
// either (their paths do): docs/SWEEP.md.
func pointHash(p *Point, version string) string {
	h := sha256.New()
	cfg, _ := json.Marshal(p.Config) // a struct of strings, ints and bools
	mh := sha256.Sum256(p.Model)
	af, cf := p.Target.Fingerprint(), p.Target.CostFingerprint()
	fmt.Fprintf(h, "pimc-sweep-point-v1\nmodel %x\nconfig %s\narch %x\ncost %x\nversion %s\n", mh, cfg, af, cf, version)
	if c := p.compress; c != nil { // what the compressed model depends on
		fmt.Fprintf(h, "compress %x mode %s dataset %s\n", sha256.Sum256(c.cfg), c.mode(), c.dataset)
	}
	return hex.EncodeToString(h.Sum(nil))
}
