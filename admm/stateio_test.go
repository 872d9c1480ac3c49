package admm

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/pimc-dev/pimc/train"
)

// sampleState has every field set, including empty entries (nil masks and
// shadows, an empty Z) that must read back as nil.
func sampleState() *State {
	return &State{
		Version: stateVersion, Digest: "abc123", Phase: 2, Epoch: 1, Global: 5,
		LossBefore: 0.25, AccBefore: 0.875,
		Params:  [][]float32{{1, -2, 3.5}, {0, 0}, {7}},
		Masks:   [][]float32{{1, 0, 1}, nil},
		Z:       [][]float32{{0.5, 0, -1}, nil},
		U:       [][]float32{{0.25, 0, 0}, {1, 2}},
		Rho:     []float64{0.001, 0.0013},
		Active:  []bool{true, false},
		Pruned:  true,
		Log:     []EpochLog{{Phase: "prune-admm", Epoch: 1, Loss: 0.1, Acc: 0.9, TestAcc: 0.8, Penalty: 0.01, Rho: 0.001, Residual: 0.5}},
		Shadows: [][]float32{nil, {3, 4}},
		Opt:     &train.OptimizerState{Kind: "adam", Steps: 42, Slots: [][][]float32{{{1, 2, 3}, nil}, {{4, 5, 6}, nil}}},
		ActMax:  []float32{6.5},
	}
}

func TestStateRoundTrip(t *testing.T) {
	st := sampleState()
	b, err := EncodeState(st)
	if err != nil {
		t.Fatal(err)
	}
	got, err := DecodeState(b)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, st) {
		t.Fatalf("round trip:\n got %+v\nwant %+v", got, st)
	}
	// NaN (the accuracy of a run without a test set) keeps its bits.
	st.AccBefore = math.NaN()
	b, _ = EncodeState(st)
	got, err = DecodeState(b)
	if err != nil || !math.IsNaN(got.AccBefore) {
		t.Fatalf("NaN accuracy read back as %v (%v)", got.AccBefore, err)
	}
}

// TestDecodeStateRejectsDamage: every truncation, every flipped byte and
// trailing bytes are refused with an error that says what is wrong.
func TestDecodeStateRejectsDamage(t *testing.T) {
	b, err := EncodeState(sampleState())
	if err != nil {
		t.Fatal(err)
	}
	for n := 0; n < len(b); n++ {
		_, err := DecodeState(b[:n])
		if err == nil || !(strings.Contains(err.Error(), "truncated") || (n < len(stateMagic) && strings.Contains(err.Error(), "PIMCCKPT"))) {
			t.Fatalf("first %d of %d bytes: %v, want a truncation error", n, len(b), err)
		}
	}
	for i := range b {
		c := bytes.Clone(b)
		c[i] ^= 0x40
		if _, err := DecodeState(c); err == nil {
			t.Fatalf("byte %d flipped: accepted", i)
		}
	}
	if _, err := DecodeState(append(bytes.Clone(b), 0)); err == nil || !strings.Contains(err.Error(), "1 bytes after the end") {
		t.Errorf("trailing byte: %v", err)
	}
	c := bytes.Clone(b)
	binary.LittleEndian.PutUint32(c[8:], 1)
	if _, err := DecodeState(c); err == nil || !strings.Contains(err.Error(), "version 1") {
		t.Errorf("old version: %v", err)
	}
}

// sealed wraps a payload in a header and a valid checksum, as a hostile
// writer would.
func sealed(payload []byte) []byte {
	b := append([]byte(stateMagic), binary.LittleEndian.AppendUint32(nil, stateVersion)...)
	b = binary.LittleEndian.AppendUint64(b, uint64(len(payload)))
	b = append(b, payload...)
	sum := sha256.Sum256(b)
	return append(b, sum[:]...)
}

// TestDecodeStateBounded: counts that announce more elements than the file
// holds are refused before anything is allocated for them.
func TestDecodeStateBounded(t *testing.T) {
	var e enc
	e.str("digest")
	e.ints(0, 0, 0)
	e.f64(0)
	e.f64(0)
	hostile := [][]byte{}
	for _, n := range []uint32{math.MaxUint32, 1 << 28, 1000} {
		p := append(bytes.Clone(e.b), binary.LittleEndian.AppendUint32(nil, n)...) // Params: n arrays
		hostile = append(hostile, sealed(append(p, make([]byte, 64)...)))
		q := append(bytes.Clone(e.b), 1, 0, 0, 0) // one array of n floats
		q = binary.LittleEndian.AppendUint32(q, n)
		hostile = append(hostile, sealed(append(q, make([]byte, 64)...)))
	}
	for i, b := range hostile {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, err := DecodeState(b)
		runtime.ReadMemStats(&after)
		if err == nil || !strings.Contains(err.Error(), "announced") {
			t.Errorf("hostile %d: %v, want a count error", i, err)
		}
		if d := after.TotalAlloc - before.TotalAlloc; d > 64<<10 {
			t.Errorf("hostile %d (%d bytes): allocated %d bytes", i, len(b), d)
		}
	}
}

// TestReadState: the file's name is in every error, and a file larger than
// the limit is refused without being read whole.
func TestReadState(t *testing.T) {
	dir := t.TempDir()
	b, _ := EncodeState(sampleState())
	good := filepath.Join(dir, "good.ckpt")
	os.WriteFile(good, b, 0o644)
	if _, err := ReadState(good, int64(len(b))); err != nil {
		t.Fatal(err)
	}
	trunc := filepath.Join(dir, "trunc.ckpt")
	os.WriteFile(trunc, b[:len(b)/2], 0o644)
	for _, c := range []struct {
		path  string
		limit int64
		want  string
	}{
		{good, int64(len(b)) - 1, "larger than"},
		{trunc, 1 << 20, "truncated"},
		{filepath.Join(dir, "missing.ckpt"), 1 << 20, "no such file"},
		{dir, 1 << 20, "not a regular file"},
		{"/dev/zero", 1 << 20, "not a regular file"},
	} {
		_, err := ReadState(c.path, c.limit)
		if err == nil || !strings.Contains(err.Error(), c.path) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s (limit %d): %v, want %q naming the file", c.path, c.limit, err, c.want)
		}
	}
}

// FuzzDecodeState: no input panics, and an accepted one is canonical (it
// encodes back to the same bytes). Each input is also decoded as the
// payload of a file with a valid header and checksum, which random bytes
// would almost never have.
func FuzzDecodeState(f *testing.F) {
	for _, st := range []*State{sampleState(), {}} {
		b, _ := EncodeState(st)
		f.Add(b)
		f.Add(b[stateHeader : len(b)-stateSumLen])
	}
	f.Add([]byte(stateMagic))
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, in := range [][]byte{b, sealed(b)} {
			st, err := DecodeState(in)
			if err != nil {
				continue
			}
			again, err := EncodeState(st)
			if err != nil || !bytes.Equal(again, in) {
				t.Fatalf("accepted input does not encode back to itself (%v)", err)
			}
		}
	})
}
