//go:build unix

package battery

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/pimc-dev/pimc/admm"
	"github.com/pimc-dev/pimc/data"
	"github.com/pimc-dev/pimc/frontend"
)

// compressConfig is a quick run (four epochs on eight images) of the
// config a compress case starts from.
const compressConfig = `defaults: {prune: {filter: 0.5}, wbits: 4}
layers: {fc3: {prune: {column: 0.5}}}
admm: {updates: 1, retrain_epochs: 1, quant_updates: 1, quant_retrain_epochs: 1, batch: 4}
`

// withCompress writes what a compress case needs: lenet5.onnx, a dataset
// folder ds (8 training and 4 test images) and c.yaml (compressConfig).
func withCompress(t *testing.T, dir string) {
	withLeNet(t, dir)
	npyDataset("ds/train", 8, "0\n1\n2\n3\n4\n5\n6\n7\n")(t, dir)
	npyDataset("ds/test", 4, "0\n1\n2\n3\n")(t, dir)
	writeText(t, dir, "c.yaml", compressConfig)
}

// withConfig replaces c.yaml.
func withConfig(text string) func(t *testing.T, dir string) {
	return func(t *testing.T, dir string) { writeText(t, dir, "c.yaml", text) }
}

// withCheckpoint writes out.onnx.ckpt, made by edit from the genuine
// checkpoint of withCompress's run after its first epoch.
func withCheckpoint(edit func([]byte) []byte) func(t *testing.T, dir string) {
	return func(t *testing.T, dir string) {
		b := genuineCheckpoint(t)
		writeFile(t, dir, "out.onnx.ckpt", edit(append([]byte(nil), b...)))
	}
}

var genuine struct {
	once sync.Once
	b    []byte
	err  error
}

// genuineCheckpoint is the checkpoint `pimc compress lenet5.onnx -dataset
// ds -config c.yaml -o out.onnx` writes after its first epoch (made in
// process through package admm, as the command does, and stopped there).
func genuineCheckpoint(t *testing.T) []byte {
	t.Helper()
	genuine.once.Do(func() {
		dir, err := os.MkdirTemp("", "pimc-battery-ckpt-")
		if err != nil {
			genuine.err = err
			return
		}
		defer os.RemoveAll(dir)
		withCompress(t, dir)
		model, _ := os.ReadFile(filepath.Join(dir, "lenet5.onnx"))
		g, err := frontend.Load(filepath.Join(dir, "lenet5.onnx"), frontend.Options{})
		if err != nil {
			genuine.err = err
			return
		}
		cfg, err := admm.ParseConfig([]byte(compressConfig))
		if err != nil {
			genuine.err = err
			return
		}
		layers, _ := admm.Layers(g)
		specs, err := cfg.Resolve(layers)
		if err != nil {
			genuine.err = err
			return
		}
		tr, te, err := data.Load(filepath.Join(dir, "ds"))
		if err != nil {
			genuine.err = err
			return
		}
		stop := errors.New("first checkpoint taken")
		_, err = admm.Compress(g, admm.Options{Specs: specs, Hyper: cfg.ADMM, Train: tr, Test: te, Checkpoint: func(st *admm.State) error {
			st.Digest = admm.RunDigest(model, []byte(compressConfig), "ds")
			genuine.b, genuine.err = admm.EncodeState(st)
			return stop
		}})
		if genuine.err == nil && !errors.Is(err, stop) {
			genuine.err = err
		}
	})
	if genuine.err != nil {
		t.Fatalf("fixture checkpoint: %v", genuine.err)
	}
	return genuine.b
}

// sealCheckpoint wraps a payload in the checkpoint envelope of
// admm/stateio.go (magic, version 3, length, payload, SHA-256), written
// here from the format's description: a hostile file with a valid checksum.
func sealCheckpoint(payload []byte) []byte {
	b := append([]byte("PIMCCKPT"), 3, 0, 0, 0) // version 3 since quant_retrain_keep (admm.stateVersion)
	b = binary.LittleEndian.AppendUint64(b, uint64(len(payload)))
	b = append(b, payload...)
	sum := sha256.Sum256(b)
	return append(b, sum[:]...)
}

// lyingPayload: a digest, the position and accuracies, then a parameter
// list announcing 2^32-1 arrays in a few bytes.
func lyingPayload() []byte {
	p := binary.LittleEndian.AppendUint32(nil, 1)
	p = append(p, 'x')
	p = append(p, make([]byte, 3*8+2*8)...)
	p = binary.LittleEndian.AppendUint32(p, 0xFFFFFFFF)
	return append(p, make([]byte, 32)...)
}

// TestBatteryCompress: hostile compress configs, checkpoints, datasets and
// flags. Config problems are all listed at once with the config file and
// the key named, before the dataset is read; a checkpoint that is
// truncated, corrupted, lying, huge, a device or another run's is refused
// naming it, and left as it was.
func TestBatteryCompress(t *testing.T) {
	args := func(extra ...string) []string {
		return append(strs("compress", "lenet5.onnx", "-dataset", "ds", "-config", "c.yaml", "-o", "out.onnx"), extra...)
	}
	resume := args("-resume")
	cfg := func(text string) func(t *testing.T, dir string) { return steps(withCompress, withConfig(text)) }
	ckpt := func(edit func([]byte) []byte) func(t *testing.T, dir string) {
		return steps(withCompress, withCheckpoint(edit))
	}
	noCheckpointLeft := func(t *testing.T, dir string) {
		if _, err := os.Lstat(filepath.Join(dir, "out.onnx.ckpt")); err == nil {
			t.Error("out.onnx.ckpt left after a finished run")
		}
	}
	runCases(t, []Case{
		{Name: "ok/admm", Setup: withCompress, Args: args(), Code: 0, Stdout: strs("out.onnx", "conv2"), Keep: strs("out.onnx"), Check: noCheckpointLeft},
		{Name: "ok/resume-without-checkpoint", Setup: withCompress, Args: resume, Code: 0, Stderr: strs("no checkpoint out.onnx.ckpt yet, starting from the beginning"), Keep: strs("out.onnx")},
		{Name: "ok/resume-genuine-checkpoint", Setup: ckpt(func(b []byte) []byte { return b }), Args: resume, Code: 0,
			Stderr: strs("resuming out.onnx.ckpt at phase 2 epoch 0"), Keep: strs("out.onnx"), Modify: strs("out.onnx.ckpt"), Check: noCheckpointLeft},
		{Name: "ok/checkpoint-without-resume-is-replaced", Setup: ckpt(func(b []byte) []byte { return b[:10] }), Args: args(), Code: 0,
			Stderr: strs("starting over; checkpoint out.onnx.ckpt will be replaced"), Keep: strs("out.onnx"), Modify: strs("out.onnx.ckpt")},
		{Name: "ok/layerwise-resume-keeps-no-checkpoint", Setup: withCompress, Args: args("-mode", "layerwise", "-resume"), Code: 0,
			Stderr: strs("layer-wise mode keeps no checkpoint"), Keep: strs("out.onnx")},
		{Name: "ok/dead-writers-temporary-file-removed", Setup: steps(withCompress, func(t *testing.T, dir string) {
			writeText(t, dir, ".out.onnx.tmp-00112233445566ff", "half a model")
			writeText(t, dir, ".out.onnx.ckpt.tmp-0123456789abcdef", "half a checkpoint")
		}), Args: args(), Code: 0, Keep: strs("out.onnx"), Modify: strs(".out.onnx.tmp-00112233445566ff", ".out.onnx.ckpt.tmp-0123456789abcdef"), Check: func(t *testing.T, dir string) {
			for _, n := range []string{".out.onnx.tmp-00112233445566ff", ".out.onnx.ckpt.tmp-0123456789abcdef"} {
				if _, err := os.Lstat(filepath.Join(dir, n)); err == nil {
					t.Errorf("%s, left by a killed writer, is still there", n)
				}
			}
		}},

		{Name: "config/yaml-syntax", Setup: cfg("defaults: {prune: [\n"), Args: args(), Code: 1, Stderr: strs("config c.yaml", "line")},
		{Name: "config/unknown-admm-key", Setup: cfg("admm: {updtes: 3}\n"), Args: args(), Code: 1, Stderr: strs("config c.yaml", "updtes")},
		{Name: "config/unknown-top-key", Setup: cfg("defaultz: {wbits: 4}\n"), Args: args(), Code: 1, Stderr: strs("config c.yaml", "defaultz")},
		{Name: "config/ratio-one", Setup: cfg("defaults: {prune: {filter: 1}}\n"), Args: args(), Code: 1, Stderr: strs("config c.yaml", "filter ratio 1", "[0, 1)")},
		{Name: "config/ratio-negative", Setup: cfg("defaults: {prune: {column: -0.2}}\n"), Args: args(), Code: 1, Stderr: strs("config c.yaml", "column ratio -0.2")},
		{Name: "config/ratio-nan", Setup: cfg("defaults: {prune: {filter: .nan}}\n"), Args: args(), Code: 1, Stderr: strs("config c.yaml", "filter ratio NaN")},
		{Name: "config/unknown-sparsity", Setup: cfg("defaults: {prune: {rows: 0.5}}\n"), Args: args(), Code: 1, Stderr: strs("config c.yaml", `unknown sparsity type "rows"`)},
		{Name: "config/wbits-9", Setup: cfg("defaults: {wbits: 9}\n"), Args: args(), Code: 1, Stderr: strs("config c.yaml", "wbits 9")},
		{Name: "config/wbits-negative", Setup: cfg("layers: {conv2: {wbits: -1}}\n"), Args: args(), Code: 1, Stderr: strs("config c.yaml", `layer "conv2": wbits -1`)},
		{Name: "config/missing-layer", Setup: cfg("layers: {conv9: {wbits: 4}}\n"), Args: args(), Code: 1, Stderr: strs("config c.yaml", `"conv9"`, "layers: conv1")},
		{Name: "config/act-bits-missing-layer", Setup: cfg("admm: {act_bits: {fc9: 4}}\n"), Args: args(), Code: 1, Stderr: strs("config c.yaml", `admm.act_bits: no compressible layer named "fc9"`)},
		{Name: "config/hyperparameters-out-of-range", Setup: cfg("admm: {batch: -5, lr: .nan, rho_growth: 0.5, optimizer: rmsprop, updates: 2000000}\n"), Args: args(), Code: 1,
			Stderr: strs("config c.yaml: 5 problems", "admm.batch -5", "admm.lr NaN", "admm.rho_growth 0.5", `admm.optimizer "rmsprop"`, "admm.updates 2000000")},
		{Name: "config/geometry-negative", Setup: cfg("geometry: {rows: -4}\ndefaults: {prune: {block: 0.5}}\n"), Args: args(), Code: 1, Stderr: strs("config c.yaml", "geometry: rows -4")},
		{Name: "config/block-tile-bad", Setup: cfg("layers: {conv2: {prune: {block: 0.5}, tile: [0, 5]}}\n"), Args: args(), Code: 1, Stderr: strs("config c.yaml", "tile [0 5]")},
		{Name: "config/alias-bomb", Setup: cfg(aliasBomb()), Args: args(), Code: 1, Stderr: strs("config c.yaml"), MaxRSSMiB: 200, MaxSeconds: 10},
		{Name: "config/binary-garbage", Setup: cfg("\x00\x01\xff\xfe{{{"), Args: args(), Code: 1, Stderr: strs("config c.yaml")},
		{Name: "config/missing", Setup: withCompress, Args: strs("compress", "lenet5.onnx", "-dataset", "ds", "-config", "nope.yaml", "-o", "out.onnx"), Code: 1, Stderr: strs("nope.yaml")},
		{Name: "config/is-a-directory", Setup: steps(withCompress, func(t *testing.T, dir string) { mkdir(t, dir, "cdir", 0o755) }),
			Args: strs("compress", "lenet5.onnx", "-dataset", "ds", "-config", "cdir", "-o", "out.onnx"), Code: 1, Stderr: strs("cdir")},

		{Name: "checkpoint/truncated", Setup: ckpt(func(b []byte) []byte { return b[:len(b)/2] }), Args: resume, Code: 1, Stderr: strs("checkpoint out.onnx.ckpt", "truncated")},
		{Name: "checkpoint/empty", Setup: ckpt(func(b []byte) []byte { return nil }), Args: resume, Code: 1, Stderr: strs("checkpoint out.onnx.ckpt", "not a pimc compress checkpoint")},
		{Name: "checkpoint/byte-flipped", Setup: ckpt(func(b []byte) []byte { b[len(b)/3] ^= 1; return b }), Args: resume, Code: 1, Stderr: strs("checkpoint out.onnx.ckpt", "checksum")},
		{Name: "checkpoint/trailing-bytes", Setup: ckpt(func(b []byte) []byte { return append(b, "more"...) }), Args: resume, Code: 1, Stderr: strs("checkpoint out.onnx.ckpt", "4 bytes after the end")},
		{Name: "checkpoint/another-config", Setup: steps(ckpt(func(b []byte) []byte { return b }), withConfig(strings.Replace(compressConfig, "batch: 4", "batch: 2", 1))),
			Args: resume, Code: 1, Stderr: strs("checkpoint out.onnx.ckpt belongs to another model, config or dataset")},
		{Name: "checkpoint/another-dataset-name", Setup: steps(ckpt(func(b []byte) []byte { return b }), func(t *testing.T, dir string) {
			if err := os.Symlink("ds", filepath.Join(dir, "ds2")); err != nil {
				t.Fatal(err)
			}
		}), Args: strs("compress", "lenet5.onnx", "-dataset", "ds2", "-config", "c.yaml", "-o", "out.onnx", "-resume"), Code: 1, Stderr: strs("out.onnx.ckpt belongs to another")},
		{Name: "checkpoint/old-gob-format", Setup: ckpt(func([]byte) []byte { return []byte("\x0f\xff\x81\x03\x01\x01\x05State\x01\xff\x82") }), Args: resume, Code: 1,
			Stderr: strs("checkpoint out.onnx.ckpt", "not a pimc compress checkpoint")},
		{Name: "checkpoint/future-version", Setup: ckpt(func(b []byte) []byte { b[8] = 9; return b }), Args: resume, Code: 1, Stderr: strs("checkpoint out.onnx.ckpt", "version 9")},
		{Name: "checkpoint/lying-count-valid-checksum", Setup: ckpt(func([]byte) []byte { return sealCheckpoint(lyingPayload()) }), Args: resume, Code: 1,
			Stderr: strs("checkpoint out.onnx.ckpt", "4294967295 elements announced"), MaxRSSMiB: 100},
		{Name: "checkpoint/huge-sparse-file", Setup: steps(withCompress, func(t *testing.T, dir string) {
			f, err := os.Create(filepath.Join(dir, "out.onnx.ckpt"))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if err := f.Truncate(16 << 20); err != nil { // the harness reads it whole
				t.Fatal(err)
			}
		}), Args: resume, Code: 1, Stderr: strs("checkpoint out.onnx.ckpt", "larger than"), MaxRSSMiB: 100},
		{Name: "checkpoint/symlink-to-dev-zero", Setup: steps(withCompress, func(t *testing.T, dir string) { symlink(t, dir, "/dev/zero", "out.onnx.ckpt") }),
			Args: resume, Code: 1, Stderr: strs("checkpoint out.onnx.ckpt", "not a regular file"), MaxRSSMiB: 100},
		{Name: "checkpoint/fifo", Setup: steps(withCompress, func(t *testing.T, dir string) { mkfifo(t, dir, "out.onnx.ckpt") }),
			Args: resume, Code: 1, Stderr: strs("checkpoint out.onnx.ckpt", "not a regular file"), MaxSeconds: 10},
		{Name: "checkpoint/is-a-directory", Setup: steps(withCompress, func(t *testing.T, dir string) { mkdir(t, dir, "ck", 0o755) }),
			Args: args("-checkpoint", "ck"), Code: 1, Stderr: strs("-checkpoint ck", "is a directory")},

		{Name: "dataset/missing", Setup: withCompress, Args: strs("compress", "lenet5.onnx", "-dataset", "nosuch", "-config", "c.yaml", "-o", "out.onnx"), Code: 1, Stderr: strs(`"nosuch"`)},
		{Name: "dataset/no-training-set", Setup: steps(withCompress, npyDataset("flat", 3, "1\n2\n3\n")),
			Args: strs("compress", "lenet5.onnx", "-dataset", "flat", "-config", "c.yaml", "-o", "out.onnx"), Code: 1, Stderr: strs("flat has no training set", "-mode layerwise")},
		{Name: "model/missing", Setup: withCompress, Args: strs("compress", "nope.onnx", "-dataset", "ds", "-config", "c.yaml", "-o", "out.onnx"), Code: 1, Stderr: strs("nope.onnx")},
		{Name: "flags/mode", Setup: withCompress, Args: args("-mode", "fast"), Code: 2, Stderr: strs("-mode", "fast")},
		{Name: "flags/eval-negative", Setup: withCompress, Args: args("-eval", "-3"), Code: 2, Stderr: strs("-eval -3")},
		{Name: "flags/method-unknown", Setup: withCompress, Args: args("-method", "random"), Code: 2, Stderr: strs(`-method "random": want admm, magnitude or l1`)},
		{Name: "flags/seeds-repeated", Setup: withCompress, Args: args("-seeds", "1,1"), Code: 2, Stderr: strs("-seeds: seed 1 given twice")},
		{Name: "flags/seeds-to-stdout", Setup: withCompress, Args: strs("compress", "lenet5.onnx", "-dataset", "ds", "-config", "c.yaml", "-o", "-", "-seeds", "1,2"), Code: 2, Stderr: strs("several -seeds")},
		{Name: "flags/layerwise-method", Setup: withCompress, Args: args("-mode", "layerwise", "-method", "l1"), Code: 2, Stderr: strs("not with -mode layerwise")},
		{Name: "flags/budget-syntax", Setup: withCompress, Args: args("-budget", "area=3"), Code: 2, Stderr: strs("-budget", `unknown resource "area"`)},
		{Name: "flags/budget-layerwise", Setup: withCompress, Args: args("-budget", "subarrays=3", "-mode", "layerwise"), Code: 2, Stderr: strs("-budget plans a training run")},
		{Name: "flags/budget-bits", Setup: withCompress, Args: args("-budget", "subarrays=3", "-budget-bits", "all"), Code: 2, Stderr: strs(`-budget-bits "all": want search or config`)},
		{Name: "flags/budget-rule", Setup: withCompress, Args: args("-budget", "subarrays=3", "-budget-rule", "optimal"), Code: 2, Stderr: strs(`-budget-rule "optimal": want knapsack or greedy`)},
		{Name: "flags/budget-needs-validation", Setup: withCompress, Args: args("-budget", "subarrays=3"), Code: 1, Stderr: strs("-budget needs a validation split")},
		{Name: "config/coupled-layerwise", Setup: cfg("coupled: true\ndefaults: {prune: {filter: 0.5}}\n"), Args: args("-mode", "layerwise"), Code: 1, Stderr: strs("coupled: true needs -mode admm")},
		{Name: "flags/val-too-large", Setup: withCompress, Args: args("-val", "8"), Code: 1, Stderr: strs("-val", "8 images out of 8 training images")},
		{Name: "config/written-zero-lr", Setup: cfg("admm: {lr: 0}\n"), Args: args(), Code: 1, Stderr: strs("config c.yaml", "admm.lr 0: want a positive value")},
		{Name: "ok/seeds-baseline", Setup: withCompress, Args: args("-seeds", "1,2", "-method", "magnitude", "-val", "2"), Code: 0,
			Stdout: strs("out-seed1.onnx", "out-seed2.onnx", "magnitude over 2 seeds: val"), Stderr: strs("6 training, 2 validation, 4 test images", "masked-retrain epoch 2/2", "val acc"),
			Keep: strs("out-seed1.onnx", "out-seed2.onnx")},
	})
}

// aliasBomb is a "billion laughs" YAML document: nine levels of nine
// aliases each, about 4 x 10^8 nodes if expanded.
func aliasBomb() string {
	var b strings.Builder
	b.WriteString("a0: &a0 [x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i < 10; i++ {
		p := "*a" + string(rune('0'+i-1))
		b.WriteString("a" + string(rune('0'+i)) + ": &a" + string(rune('0'+i)) + " [" + strings.Repeat(p+", ", 8) + p + "]\n")
	}
	b.WriteString("defaults: {prune: *a9}\n")
	return b.String()
}
