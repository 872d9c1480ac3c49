package target

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

//go:embed presets/*.yaml
var presetFS embed.FS

// DefaultPreset is the name of the built-in default description.
const DefaultPreset = "sot-mram-45nm"

// SerialPreset is the default description of ISA v1.0-v1.4: the default
// without its parallel section, with the old default's fingerprint, for
// programs compiled before the parallel engine that do not embed their
// description (docs/PARALLEL.md §4).
const SerialPreset = "sot-mram-45nm-serial"

// GbmacPreset is the default description from ISA v1.5 until s8: the
// default without its plane sequencer (no gdot), with that default's
// fingerprint, for hand-written programs and programs without an embedded
// description that name it (docs/PARALLEL.md §9).
const GbmacPreset = "sot-mram-45nm-gbmac"

// Error lists every problem found in a hardware description.
type Error struct {
	File     string
	Problems []string
}

func (e *Error) Error() string {
	if len(e.Problems) == 1 {
		return fmt.Sprintf("target %s: %s", e.File, e.Problems[0])
	}
	return fmt.Sprintf("target %s: %d problems:\n  %s", e.File, len(e.Problems), strings.Join(e.Problems, "\n  "))
}

// Presets lists the names of the built-in descriptions.
func Presets() []string {
	ents, _ := presetFS.ReadDir("presets")
	var names []string
	for _, e := range ents {
		names = append(names, strings.TrimSuffix(e.Name(), ".yaml"))
	}
	sort.Strings(names)
	return names
}

// Preset returns a fresh copy of a built-in description.
func Preset(name string) (*Target, error) {
	data, err := presetFS.ReadFile("presets/" + name + ".yaml")
	if err != nil {
		return nil, fmt.Errorf("target: no preset %q (presets: %s)", name, strings.Join(Presets(), ", "))
	}
	return parse(name+".yaml", data, false, 0)
}

// Default returns the sot-mram-45nm preset. A broken embedded preset is a bug.
func Default() *Target {
	t, err := Preset(DefaultPreset)
	if err != nil {
		panic("BUG: built-in preset does not load: " + err.Error())
	}
	return t
}

// Load reads a description from a YAML or JSON file (JSON if the name ends in
// .json), decodes it strictly, merges it over its base preset if it names one,
// and validates it.
func Load(path string) (*Target, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("target: %w", err)
	}
	return Parse(path, data)
}

// LoadOrPreset loads path if it names an existing file, else the preset of that
// name; "" means the default preset. It is what CLI flags use.
func LoadOrPreset(path string) (*Target, error) {
	if path == "" {
		return Preset(DefaultPreset)
	}
	if _, err := os.Stat(path); err != nil && !strings.ContainsAny(path, `/\.`) {
		return Preset(path)
	}
	return Load(path)
}

// Parse decodes and validates a description; name is used in errors and picks
// JSON when it ends in .json.
func Parse(name string, data []byte) (*Target, error) {
	return parse(name, data, strings.EqualFold(filepath.Ext(name), ".json"), 0)
}

func parse(name string, data []byte, isJSON bool, depth int) (t *Target, err error) {
	// The YAML decoder is third-party code: turn a panic on hostile input
	// into an error naming the file rather than crashing the tool.
	defer func() {
		if r := recover(); r != nil {
			t, err = nil, &Error{name, []string{fmt.Sprintf("decoder failed: %v", r)}}
		}
	}()
	return parseInto(name, data, isJSON, depth)
}

func parseInto(name string, data []byte, isJSON bool, depth int) (*Target, error) {
	var t Target
	if isJSON {
		if err := checkJSONDuplicates(data); err != nil {
			return nil, &Error{name, []string{"decode JSON: " + err.Error()}}
		}
		d := json.NewDecoder(bytes.NewReader(data))
		d.DisallowUnknownFields()
		if err := d.Decode(&t); err != nil {
			return nil, &Error{name, []string{"decode JSON: " + err.Error()}}
		}
		if d.More() {
			return nil, &Error{name, []string{"decode JSON: trailing data after the object"}}
		}
	} else {
		d := yaml.NewDecoder(bytes.NewReader(data))
		d.KnownFields(true)
		if err := d.Decode(&t); err != nil {
			if errors.Is(err, io.EOF) {
				return nil, &Error{name, []string{"empty file"}}
			}
			return nil, &Error{name, []string{"decode YAML: " + err.Error()}}
		}
		var extra yaml.Node
		if err := d.Decode(&extra); !errors.Is(err, io.EOF) {
			return nil, &Error{name, []string{"decode YAML: more than one document"}}
		}
	}
	var probs []string
	if err := legacyLeakage(&t); err != nil {
		probs = append(probs, err.Error())
	}
	// Every quantity given must be complete, whether or not there is a base.
	walk(reflect.ValueOf(&t).Elem(), "", func(path string, v reflect.Value) {
		probs = append(probs, checkGiven(path, v)...)
	})
	if t.Base != "" {
		if depth > 0 {
			return nil, &Error{name, []string{"base: presets cannot themselves have a base"}}
		}
		base, err := Preset(t.Base)
		if err != nil {
			return nil, &Error{name, []string{"base: " + err.Error()}}
		}
		// An optional section the file omits is the base's; one it gives
		// takes the base's values for the keys it omits.
		inheritOptional(reflect.ValueOf(&t).Elem(), reflect.ValueOf(base).Elem())
		walk(reflect.ValueOf(&t).Elem(), "", func(path string, v reflect.Value) {
			if b := lookup(reflect.ValueOf(base).Elem(), path); !v.FieldByName("set").Bool() && b.IsValid() {
				v.Set(b)
			}
		})
	}
	walk(reflect.ValueOf(&t).Elem(), "", func(path string, v reflect.Value) {
		if !v.FieldByName("set").Bool() {
			probs = append(probs, path+": missing (give {value, unit, provenance}, or name a base preset)")
		}
	})
	if t.Name == "" {
		probs = append(probs, "name: missing")
	}
	if len(probs) == 0 {
		probs = t.validate()
	}
	if len(probs) > 0 {
		return nil, &Error{name, probs}
	}
	return &t, nil
}

// inheritOptional gives t every optional section (a pointer to a struct)
// that t omits and base has, as a copy of base's, and the same inside the
// sections both have (parallel.plane_sequencer of a file that gives
// parallel.controllers).
func inheritOptional(t, base reflect.Value) {
	for i := 0; i < t.NumField(); i++ {
		f, b := t.Field(i), base.Field(i)
		switch {
		case !t.Type().Field(i).IsExported():
		case f.Kind() == reflect.Pointer && f.Type().Elem().Kind() == reflect.Struct:
			if f.IsNil() && !b.IsNil() {
				f.Set(reflect.New(f.Type().Elem()))
				f.Elem().Set(b.Elem())
			} else if !f.IsNil() && !b.IsNil() {
				inheritOptional(f.Elem(), b.Elem())
			}
		case f.Kind() == reflect.Struct && f.Type() != reflect.TypeFor[Quantity]() && f.Type() != reflect.TypeFor[Count]():
			inheritOptional(f, b)
		}
	}
}

// walk calls fn for every Quantity and Count leaf, with its dotted key path;
// it enters the optional sections (pointers) that are present.
func walk(v reflect.Value, path string, fn func(string, reflect.Value)) {
	typ := v.Type()
	for i := 0; i < typ.NumField(); i++ {
		f := typ.Field(i)
		if !f.IsExported() {
			continue
		}
		key, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		p := key
		if path != "" {
			p = path + "." + key
		}
		fv := v.Field(i)
		switch fv.Type() {
		case reflect.TypeFor[Quantity](), reflect.TypeFor[Count]():
			fn(p, fv)
		default:
			if fv.Kind() == reflect.Pointer && !fv.IsNil() {
				fv = fv.Elem()
			}
			if fv.Kind() == reflect.Struct {
				walk(fv, p, fn)
			}
		}
	}
}

func lookup(v reflect.Value, path string) reflect.Value {
	var out reflect.Value
	walk(v, "", func(p string, leaf reflect.Value) {
		if p == path {
			out = leaf
		}
	})
	return out
}

// checkGiven checks that a leaf given in a file has a value, a unit (for
// quantities) and a provenance.
func checkGiven(path string, v reflect.Value) []string {
	if !v.FieldByName("set").Bool() {
		return nil
	}
	var probs []string
	if !v.FieldByName("hasValue").Bool() {
		probs = append(probs, path+": missing value")
	}
	if u := v.FieldByName("Unit"); u.IsValid() && strings.TrimSpace(u.String()) == "" {
		probs = append(probs, path+": missing unit")
	}
	if strings.TrimSpace(v.FieldByName("Provenance").String()) == "" {
		probs = append(probs, path+": missing provenance (say where the number comes from)")
	}
	return probs
}

// ISA v1 limits (docs/ISA.md §1).
const (
	maxRows      = 1024
	maxCols      = 2048
	maxSubarrays = 1 << 24
	maxWords     = 1 << 24
)

// validateParallel checks the parallel section and the cost entries that
// come with it (docs/PARALLEL.md §3).
func (t *Target) validateParallel() []string {
	var probs []string
	p := t.Parallel
	for _, k := range OpKinds() {
		switch {
		case !k.Optional() || t.HasOp(k):
		case opSpecs[k].seq:
			if t.HasPlaneSequencer() {
				probs = append(probs, fmt.Sprintf("ops.%s: missing (required with parallel.plane_sequencer: give {latency, energy})", k))
			}
		case p != nil:
			probs = append(probs, fmt.Sprintf("ops.%s: missing (required with a parallel section: give {latency, energy})", k))
		}
	}
	if p == nil {
		return probs
	}
	count := func(name string, c Count, lo, hi int64, why string) {
		if c.Value < lo || c.Value > hi {
			probs = append(probs, fmt.Sprintf("parallel.%s: %d outside [%d, %d]%s", name, c.Value, lo, hi, why))
		}
	}
	count("controllers", p.Controllers, 1, maxControllers, "")
	count("issue_width", p.IssueWidth, 1, 8, "")
	// A group lies in one bank: a group_subarrays beyond a bank (a
	// smaller geometry over the default's parallel section) is capped by
	// the bank (Target.GroupSubarrays).
	count("group_subarrays", p.GroupSubarrays, 1, maxGroup, " (its size is a 12-bit field)")
	count("buffer_ports", p.BufferPorts, 1, maxControllers, "")
	count("tokens", p.Tokens, 1, maxTokens, " (a token index is a 16-bit field)")
	if q := p.PlaneSequencer; q != nil {
		count("plane_sequencer.sequences", q.Sequences, 1, maxControllers, "")
	}
	return probs
}

// Limits of the parallel engine: the group size is a 12-bit field, a token
// index a 16-bit one (docs/ISA.md §3).
const (
	maxControllers = 4096
	maxGroup       = 1<<12 - 1
	maxTokens      = 1 << 16
)

// validate checks ranges and units; it assumes every leaf is present.
func (t *Target) validate() []string {
	var probs []string
	bad := func(format string, args ...any) { probs = append(probs, fmt.Sprintf(format, args...)) }
	g := &t.Geometry
	count := func(name string, c Count, lo, hi int64) {
		if c.Value < lo || c.Value > hi {
			bad("geometry.%s: %d outside [%d, %d]", name, c.Value, lo, hi)
		}
	}
	count("banks", g.Banks, 1, maxSubarrays)
	count("mats_per_bank", g.MatsPerBank, 1, maxSubarrays)
	count("subarrays_per_mat", g.SubarraysPerMat, 1, maxSubarrays)
	count("rows", g.Rows, 2, maxRows) // an AND needs two rows
	count("cols", g.Cols, 8, maxCols)
	if g.Cols.Value%8 != 0 {
		bad("geometry.cols: %d is not a multiple of 8", g.Cols.Value)
	}
	count("acc_per_subarray", g.AccPerSubarray, 1, 16)
	count("acc_bits", g.AccBits, 8, 32)
	count("dpu_lanes", g.DPULanes, 1, 4096)
	count("act_buffer_words", g.ActBufferWords, 1, maxWords)
	count("act_word_bits", g.ActWordBits, 8, 32)
	count("const_words", g.ConstWords, 0, maxWords)
	count("buffer_port_words", g.BufferPortWords, 1, 1<<16)
	if g.BufferPortWords.Value > g.ActBufferWords.Value {
		bad("geometry.buffer_port_words: %d wider than the activation buffer (%d words)", g.BufferPortWords.Value, g.ActBufferWords.Value)
	}
	if len(probs) == 0 && (g.Banks.Value*g.MatsPerBank.Value > maxSubarrays || t.Subarrays() > maxSubarrays) {
		bad("geometry: banks x mats_per_bank x subarrays_per_mat = %.4g sub-arrays, at most %d",
			float64(g.Banks.Value)*float64(g.MatsPerBank.Value)*float64(g.SubarraysPerMat.Value), maxSubarrays)
	}
	// A counter of cols inputs must fit the accumulator after the largest
	// shift a program can use with act_word_bits-bit inputs is not checked
	// here (it saturates by definition), but one popcount must fit.
	if len(probs) == 0 && int64(1)<<(g.AccBits.Value-1) <= g.Cols.Value {
		bad("geometry.acc_bits: %d bits cannot hold one popcount of %d columns", g.AccBits.Value, g.Cols.Value)
	}

	finite := func(path string, q Quantity) bool {
		if math.IsNaN(q.Value) || math.IsInf(q.Value, 0) {
			bad("%s: value %v is not finite", path, q.Value)
			return false
		}
		return true
	}
	if finite("technology", t.Technology) {
		if t.Technology.Unit != "nm" {
			bad("technology: unit %q, want nm", t.Technology.Unit)
		} else if t.Technology.Value <= 0 {
			bad("technology: %v nm must be > 0", t.Technology.Value)
		}
	}
	if finite("clock", t.Clock) {
		if f, err := freqGHz(t.Clock); err != nil {
			bad("clock: %v", err)
		} else if f <= 0 {
			bad("clock: %v %s must be > 0", t.Clock.Value, t.Clock.Unit)
		}
	}
	probs = append(probs, t.validateParallel()...)
	probs = append(probs, t.validateDRAM()...)
	probs = append(probs, t.validateHost()...)
	if t.SenseMargin != nil {
		probs = append(probs, t.SenseMargin.validate()...)
	}
	cols := g.Cols.Value
	for _, k := range OpKinds() {
		spec := opSpecs[k]
		var energy Quantity
		if !t.HasOp(k) || spec.dram {
			continue // optional, checked by validateParallel; dram: validateDRAM
		}
		if k == OpIssue {
			energy = t.Ops.Issue.Energy
		} else {
			o := t.op(k)
			energy = o.Energy
			p := "ops." + spec.key + ".latency"
			if finite(p, o.Latency) {
				if l, err := timeNS(o.Latency); err != nil {
					bad("%s: %v", p, err)
				} else if l <= 0 {
					bad("%s: %v %s must be > 0", p, o.Latency.Value, o.Latency.Unit)
				}
			}
		}
		p := "ops." + spec.key + ".energy"
		if finite(p, energy) {
			if e, err := energyFJ(energy, spec, cols); err != nil {
				bad("%s: %v", p, err)
			} else if e < 0 {
				bad("%s: %v %s must be >= 0", p, energy.Value, energy.Unit)
			}
		}
	}
	walk(reflect.ValueOf(&t.Area).Elem(), "area", func(p string, v reflect.Value) {
		q := v.Interface().(Quantity)
		if !finite(p, q) {
			return
		}
		if a, err := areaUM2(q, t.Technology.Value); err != nil {
			bad("%s: %v", p, err)
		} else if a < 0 {
			bad("%s: %v %s must be >= 0", p, q.Value, q.Unit)
		}
	})
	if t.Area.Cell.Value <= 0 {
		bad("area.cell: %v %s must be > 0", t.Area.Cell.Value, t.Area.Cell.Unit)
	}
	walk(reflect.ValueOf(&t.Leakage).Elem(), "leakage", func(p string, v reflect.Value) {
		q, ok := v.Interface().(Quantity)
		if !ok || !finite(p, q) {
			return
		}
		if w, err := powerMW(q); err != nil {
			bad("%s: %v", p, err)
		} else if w < 0 {
			bad("%s: %v %s must be >= 0", p, q.Value, q.Unit)
		}
	})
	if g := t.Ops.ColumnGating.Value; g != 0 && g != 1 {
		bad("ops.column_gating: %d must be 0 (off) or 1 (on)", g)
	}
	if g := t.Leakage.PowerGating.Value; g != 0 && g != 1 {
		bad("leakage.subarray_power_gating: %d must be 0 (off) or 1 (on)", g)
	}
	return probs
}
