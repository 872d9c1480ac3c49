package sweep

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/pimc-dev/pimc/admm"
	"github.com/pimc-dev/pimc/data"
	"github.com/pimc-dev/pimc/internal/outfile"
)

// Compression configs as a sweep axis (docs/SWEEP.md): a point with a
// compression config compiles the model as pimc compress MODEL -dataset D
// -config FILE [-mode M] leaves it. The compressed model depends only on
// the model, the config's bytes, the mode and the training data, not on
// the point's bits, target or faults, so it is made once per folder and
// kept in DIR/compressed/KEY.onnx (written atomically; KEY hashes what it
// depends on and the pimc version): the other points, a rerun and the
// tasks of a job array reuse it.

// CompressSpec is one compression config of the axis: Name labels the
// points; Config is an admm config file (relative to the spec; none: the
// model as given) run in Mode (admm, the default, or layerwise).
type CompressSpec struct {
	Name   string `yaml:"name"`
	Config string `yaml:"config"`
	Mode   string `yaml:"mode"`
}

// compression is a point's compression: its spec, the config's bytes and
// the training data's name (nil: none).
type compression struct {
	spec    CompressSpec
	cfg     []byte
	dataset string // as the spec names it
	path    string // resolved against the spec's folder
}

// key names the compressed model of model bytes m in DIR/compressed.
func (c *compression) key(m []byte, version string) string {
	h := sha256.New()
	fmt.Fprintf(h, "pimc-sweep-compress-v1\nmodel %x\nconfig %x\nmode %s\ndataset %s\nversion %s\n",
		sha256.Sum256(m), sha256.Sum256(c.cfg), c.mode(), c.dataset, version)
	return hex.EncodeToString(h.Sum(nil))
}

func (c *compression) mode() string {
	if c.spec.Mode == "" {
		return "admm"
	}
	return c.spec.Mode
}

// compressed memoises the compressions of a run by key, so that points
// computed at once make each only once.
var compressed sync.Map // key -> *compressOnce

type compressOnce struct {
	once sync.Once
	b    []byte
	err  error
}

// compressedModel returns the bytes of point p's model after its
// compression: from DIR/compressed, or made and written there.
func compressedModel(p *Point, dir string) ([]byte, error) {
	c := p.compress
	key := c.key(p.Model, versionText())
	path := filepath.Join(dir, "compressed", key+".onnx")
	v, _ := compressed.LoadOrStore(path, &compressOnce{})
	o := v.(*compressOnce)
	o.once.Do(func() {
		if b, err := os.ReadFile(path); err == nil {
			o.b = b
			return
		}
		b, err := compress(p, c)
		if err != nil {
			o.err = fmt.Errorf("compress (%s): %w", c.spec.Name, err)
			return
		}
		if err := outfile.MkdirAll(filepath.Dir(path)); err != nil {
			o.err = err
			return
		}
		o.b, o.err = b, outfile.WriteFile(path, b, 0o644)
	})
	if o.err != nil {
		compressed.Delete(path) // a later run tries again
	}
	return o.b, o.err
}

// compress runs the compression of c on p's model, as pimc compress does
// without a test set (no accuracy lines, no checkpoint).
func compress(p *Point, c *compression) ([]byte, error) {
	g, err := loadModel(p.File, p.Model)
	if err != nil {
		return nil, err
	}
	cfg, err := admm.ParseConfig(c.cfg)
	if err != nil {
		return nil, fmt.Errorf("config %s: %v", c.spec.Config, err)
	}
	layers, _ := admm.Layers(g)
	specs, err := cfg.Resolve(layers)
	if err != nil {
		return nil, fmt.Errorf("config %s: %v", c.spec.Config, err)
	}
	train, _, err := data.Load(c.path)
	if err != nil {
		return nil, err
	}
	if train == nil {
		return nil, fmt.Errorf("%s has no training set", c.dataset)
	}
	var res *admm.Result
	switch c.mode() {
	case "admm":
		// As pimc compress's defaults: the validation split held out of
		// training, the coupled groups of coupled: true.
		if n := admm.DefaultValidation(train.Len()); n > 0 {
			if train, _, err = train.SplitValidation(n); err != nil {
				return nil, err
			}
		}
		var cs []admm.Coupling
		if cfg.Coupled {
			cs = admm.Couplings(g, specs)
		}
		res, err = admm.Compress(g, admm.Options{Specs: specs, Hyper: cfg.ADMM, Train: train, Couplings: cs})
	case "layerwise":
		n := cfg.ADMM.CalibImages
		if n <= 0 {
			n = 256
		}
		res, err = admm.RunLayerwise(g, specs, admm.Samples(train, n, g), nil, cfg.ADMM, nil)
	}
	if err != nil {
		return nil, err
	}
	var out []byte
	if _, err := admm.Finish(g, res, layers, specs, nil, p.Config.Model, func(b []byte) error { out = b; return nil }); err != nil {
		return nil, err
	}
	if out == nil {
		return nil, errors.New("BUG: admm.Finish saved nothing")
	}
	return out, nil
}
