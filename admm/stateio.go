package admm

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"os"

	"github.com/pimc-dev/pimc/ir"
	"github.com/pimc-dev/pimc/train"
)

// The checkpoint file format (docs/ADMM.md "Checkpoint and resume"):
//
//	magic    8 bytes  "PIMCCKPT"
//	version  uint32   stateVersion
//	length   uint64   payload bytes
//	payload  length bytes: the State's fields in declaration order
//	sum      32 bytes SHA-256 of everything before it
//
// All integers are little-endian. In the payload a string or a slice is a
// uint32 count followed by its elements (float32 and float64 in IEEE bits,
// int as int64, bool as one byte 0 or 1; an empty slice reads back as nil);
// Opt is one presence byte followed by the optimizer state. Every count is
// checked against the bytes that remain before anything is allocated, so a
// decoder never allocates much more than the file's size, and the file's
// size is bounded by the caller (ReadState, StateLimit). A truncated or
// corrupted file fails the length or checksum check before its payload is
// read; a payload the checksum accepts is then checked against the model
// and configuration when the run restores it.
const (
	stateMagic   = "PIMCCKPT"
	stateVersion = 3 // 3: Best, BestAcc, BestEpoch (quant_retrain_keep: best_val)
	stateHeader  = len(stateMagic) + 4 + 8
	stateSumLen  = sha256.Size
)

// EncodeState serializes st in the checkpoint format.
func EncodeState(st *State) ([]byte, error) {
	var e enc
	e.str(st.Digest)
	e.ints(st.Phase, st.Epoch, st.Global)
	e.f64(st.LossBefore)
	e.f64(st.AccBefore)
	e.f32ss(st.Params)
	e.f32ss(st.Masks)
	e.f32ss(st.Z)
	e.f32ss(st.U)
	e.count(len(st.Rho))
	for _, v := range st.Rho {
		e.f64(v)
	}
	e.count(len(st.Active))
	for _, v := range st.Active {
		e.bool(v)
	}
	e.bool(st.Pruned)
	e.bool(st.Frozen)
	e.count(len(st.Log))
	for _, l := range st.Log {
		e.str(l.Phase)
		e.ints(l.Epoch)
		for _, v := range []float64{l.Loss, l.Acc, l.TestAcc, l.Penalty, l.Rho, l.Residual} {
			e.f64(v)
		}
	}
	e.f32ss(st.Shadows)
	e.bool(st.Opt != nil)
	if st.Opt != nil {
		e.str(st.Opt.Kind)
		e.ints(st.Opt.Steps)
		e.count(len(st.Opt.Slots))
		for _, s := range st.Opt.Slots {
			e.f32ss(s)
		}
	}
	e.f32s(st.ActMax)
	e.f32ss(st.Best)
	e.f64(st.BestAcc)
	e.ints(st.BestEpoch)
	if e.err != nil {
		return nil, fmt.Errorf("admm: checkpoint: %v", e.err)
	}
	out := make([]byte, 0, stateHeader+len(e.b)+stateSumLen)
	out = append(out, stateMagic...)
	out = binary.LittleEndian.AppendUint32(out, stateVersion)
	out = binary.LittleEndian.AppendUint64(out, uint64(len(e.b)))
	out = append(out, e.b...)
	sum := sha256.Sum256(out)
	return append(out, sum[:]...), nil
}

// DecodeState parses a checkpoint written by EncodeState. It refuses
// anything else (another format, a truncated or corrupted file, trailing
// bytes) with an error saying which; it never panics, and allocates at
// most a few times len(b).
func DecodeState(b []byte) (*State, error) {
	if len(b) < len(stateMagic) || string(b[:len(stateMagic)]) != stateMagic {
		return nil, errors.New("not a pimc compress checkpoint (no PIMCCKPT header)")
	}
	if len(b) < stateHeader {
		return nil, fmt.Errorf("truncated: %d bytes, the header alone has %d", len(b), stateHeader)
	}
	if v := binary.LittleEndian.Uint32(b[8:]); v != stateVersion {
		return nil, fmt.Errorf("checkpoint format version %d, this pimc reads version %d (start again without -resume)", v, stateVersion)
	}
	n := binary.LittleEndian.Uint64(b[12:])
	rest := uint64(len(b) - stateHeader)
	if rest < stateSumLen || n > rest-stateSumLen {
		return nil, fmt.Errorf("truncated: %d bytes, the header announces %d bytes of state plus %d of header and checksum", len(b), n, stateHeader+stateSumLen)
	}
	if extra := rest - n - stateSumLen; extra != 0 {
		return nil, fmt.Errorf("%d bytes after the end of the checkpoint", extra)
	}
	end := stateHeader + int(n)
	if sum := sha256.Sum256(b[:end]); !bytes.Equal(sum[:], b[end:]) {
		return nil, errors.New("corrupted: its SHA-256 checksum does not match its contents")
	}
	d := &dec{b: b[stateHeader:end]}
	st := &State{Version: stateVersion}
	st.Digest = d.str("digest")
	st.Phase, st.Epoch, st.Global = d.int("phase"), d.int("epoch"), d.int("global epoch")
	st.LossBefore, st.AccBefore = d.f64(), d.f64()
	st.Params = d.f32ss("params")
	st.Masks = d.f32ss("masks")
	st.Z = d.f32ss("Z")
	st.U = d.f32ss("U")
	st.Rho = make([]float64, d.count("rho", 8))
	for i := range st.Rho {
		st.Rho[i] = d.f64()
	}
	st.Active = make([]bool, d.count("active", 1))
	for i := range st.Active {
		st.Active[i] = d.bool("active")
	}
	st.Pruned, st.Frozen = d.bool("pruned"), d.bool("frozen")
	st.Log = make([]EpochLog, d.count("log", 4+8+6*8))
	for i := range st.Log {
		l := &st.Log[i]
		l.Phase, l.Epoch = d.str("log phase"), d.int("log epoch")
		l.Loss, l.Acc, l.TestAcc, l.Penalty, l.Rho, l.Residual = d.f64(), d.f64(), d.f64(), d.f64(), d.f64(), d.f64()
	}
	st.Shadows = d.f32ss("shadows")
	if d.bool("optimizer") {
		st.Opt = &train.OptimizerState{Kind: d.str("optimizer kind"), Steps: d.int("optimizer steps")}
		st.Opt.Slots = make([][][]float32, d.count("optimizer slots", 4))
		for i := range st.Opt.Slots {
			st.Opt.Slots[i] = d.f32ss("optimizer slot")
		}
	}
	st.ActMax = d.f32s("activation maxima")
	st.Best = d.f32ss("best epoch")
	st.BestAcc, st.BestEpoch = d.f64(), d.int("best epoch number")
	if d.err == nil && len(d.b) != 0 {
		d.err = fmt.Errorf("%d bytes left after the last field", len(d.b))
	}
	if d.err != nil {
		return nil, fmt.Errorf("payload: %v", d.err)
	}
	return st, nil
}

// RunDigest identifies a compress run for its checkpoint (State.Digest):
// SHA-256 of the model file, the config file and the dataset name, each
// preceded by its length so that no two different triples hash alike. The
// CLI refuses to resume from a checkpoint with another digest.
func RunDigest(model, config []byte, dataset string) string {
	h := sha256.New()
	io.WriteString(h, "pimc compress checkpoint\x00")
	for _, part := range [][]byte{model, config, []byte(dataset)} {
		h.Write(binary.LittleEndian.AppendUint64(nil, uint64(len(part))))
		h.Write(part)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// StateLimit is the largest checkpoint a run on g with hyperparameters h
// can write: every float of the graph's constants (parameters and buffers)
// in at most nine copies (values, mask, shadow, Z, U, two optimizer
// slots, the best quantized-retraining epoch, and one spare) plus the epoch log and some slack. ReadState
// refuses larger files, so a hostile one cannot make pimc read gigabytes.
func StateLimit(g *ir.Graph, h Hyper) int64 {
	var floats int64
	for _, c := range g.Consts {
		if c.Const != nil {
			floats += int64(c.Const.Len())
		}
	}
	clamp := func(n int) int64 { return int64(min(max(n, 0), 1<<20)) }
	epochs := (clamp(h.Updates)+clamp(h.QuantUpdates))*clamp(max(h.EpochsPerStep, 1)) + clamp(h.Retrain) + clamp(h.QuantRetrain) + 64
	return 9*4*floats + 128*min(epochs, 1<<24) + 1<<20
}

// ReadState reads and decodes the checkpoint file path, refusing files
// larger than limit bytes (StateLimit). Errors name the file.
func ReadState(path string, limit int64) (*State, error) {
	// Stat before opening: opening a named pipe for reading waits for a
	// writer.
	if fi, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("checkpoint: %w", err)
	} else if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("checkpoint %s: not a regular file", path)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("checkpoint: %w", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("checkpoint %s: %w", path, err)
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("checkpoint %s: larger than %d bytes, the most this model's checkpoint can hold", path, limit)
	}
	st, err := DecodeState(b)
	if err != nil {
		return nil, fmt.Errorf("checkpoint %s: %v", path, err)
	}
	return st, nil
}

// enc appends checkpoint fields to b.
type enc struct {
	b   []byte
	err error
}

func (e *enc) count(n int) {
	if uint64(n) > math.MaxUint32 {
		e.err = fmt.Errorf("%d elements do not fit a uint32 count", n)
	}
	e.b = binary.LittleEndian.AppendUint32(e.b, uint32(n))
}

func (e *enc) str(s string) { e.count(len(s)); e.b = append(e.b, s...) }

func (e *enc) ints(vs ...int) {
	for _, v := range vs {
		e.b = binary.LittleEndian.AppendUint64(e.b, uint64(int64(v)))
	}
}

func (e *enc) f64(v float64) { e.b = binary.LittleEndian.AppendUint64(e.b, math.Float64bits(v)) }

func (e *enc) bool(v bool) {
	if v {
		e.b = append(e.b, 1)
	} else {
		e.b = append(e.b, 0)
	}
}

func (e *enc) f32s(vs []float32) {
	e.count(len(vs))
	for _, v := range vs {
		e.b = binary.LittleEndian.AppendUint32(e.b, math.Float32bits(v))
	}
}

func (e *enc) f32ss(vss [][]float32) {
	e.count(len(vss))
	for _, vs := range vss {
		e.f32s(vs)
	}
}

// dec reads checkpoint fields from b; after the first error every read
// returns a zero value and d.err keeps that error.
type dec struct {
	b   []byte
	err error
}

func (d *dec) take(n int, what string) []byte {
	if d.err != nil {
		return nil
	}
	if n > len(d.b) {
		d.err = fmt.Errorf("%s: needs %d bytes, %d left", what, n, len(d.b))
		return nil
	}
	out := d.b[:n]
	d.b = d.b[n:]
	return out
}

// count reads a count of elements that take at least min bytes each and
// checks that they fit in what is left.
func (d *dec) count(what string, min int) int {
	b := d.take(4, what)
	if b == nil {
		return 0
	}
	n := uint64(binary.LittleEndian.Uint32(b))
	if n*uint64(min) > uint64(len(d.b)) {
		d.err = fmt.Errorf("%s: %d elements announced, only %d bytes left", what, n, len(d.b))
		return 0
	}
	return int(n)
}

func (d *dec) str(what string) string { return string(d.take(d.count(what, 1), what)) }

func (d *dec) int(what string) int {
	b := d.take(8, what)
	if b == nil {
		return 0
	}
	v := int64(binary.LittleEndian.Uint64(b))
	if v < 0 || v > math.MaxInt32 {
		d.err = fmt.Errorf("%s: %d out of range", what, v)
		return 0
	}
	return int(v)
}

func (d *dec) f64() float64 {
	b := d.take(8, "float64")
	if b == nil {
		return 0
	}
	return math.Float64frombits(binary.LittleEndian.Uint64(b))
}

func (d *dec) bool(what string) bool {
	b := d.take(1, what)
	if b == nil {
		return false
	}
	if b[0] > 1 {
		d.err = fmt.Errorf("%s: byte %d, want 0 or 1", what, b[0])
	}
	return b[0] == 1
}

func (d *dec) f32s(what string) []float32 {
	n := d.count(what, 4)
	if n == 0 {
		return nil
	}
	b := d.take(4*n, what)
	if b == nil {
		return nil
	}
	out := make([]float32, n)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return out
}

func (d *dec) f32ss(what string) [][]float32 {
	n := d.count(what, 4)
	if n == 0 {
		return nil
	}
	out := make([][]float32, n)
	for i := range out {
		out[i] = d.f32s(what)
	}
	return out
}
