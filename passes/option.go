package passes

import (
	"fmt"
	"strconv"
	"strings"
)

// OptionKind is the type of a pass option.
type OptionKind uint8

// Option kinds. Values are written key=value inside the braces after a pass
// name; a bool option may be written as just its key (meaning true).
const (
	OptInt OptionKind = iota + 1
	OptFloat
	OptBool
	OptString
)

func (k OptionKind) String() string {
	switch k {
	case OptInt:
		return "int"
	case OptFloat:
		return "float"
	case OptBool:
		return "bool"
	case OptString:
		return "string"
	}
	return fmt.Sprintf("optionkind(%d)", uint8(k))
}

// OptionSpec declares one option of a pass.
type OptionSpec struct {
	Name    string
	Kind    OptionKind
	Default string // in the syntax of a value; parsed with the option's kind
	Doc     string
	// Enum lists the allowed values of a string option (empty: any).
	Enum []string
	// Check, if set, validates a parsed value (int64, float64, bool or string).
	Check func(v any) error
}

// parse converts the text of a value to the option's Go type and validates it.
func (s *OptionSpec) parse(text string) (any, error) {
	var v any
	switch s.Kind {
	case OptInt:
		i, err := strconv.ParseInt(text, 0, 64)
		if err != nil {
			return nil, fmt.Errorf("option %s: want an integer, got %q", s.Name, text)
		}
		v = i
	case OptFloat:
		f, err := strconv.ParseFloat(text, 64)
		if err != nil {
			return nil, fmt.Errorf("option %s: want a number, got %q", s.Name, text)
		}
		v = f
	case OptBool:
		b, err := strconv.ParseBool(text)
		if err != nil {
			return nil, fmt.Errorf("option %s: want true or false, got %q", s.Name, text)
		}
		v = b
	case OptString:
		if len(s.Enum) > 0 && !contains(s.Enum, text) {
			return nil, fmt.Errorf("option %s: want one of %s, got %q", s.Name, strings.Join(s.Enum, ", "), text)
		}
		v = text
	default:
		panic(fmt.Sprintf("BUG: option %s has kind %v", s.Name, s.Kind))
	}
	if s.Check != nil {
		if err := s.Check(v); err != nil {
			return nil, fmt.Errorf("option %s: %v", s.Name, err)
		}
	}
	return v, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Options holds the parsed, typed option values of one pass instance: every
// declared option, with defaults filled in.
type Options struct {
	specs  []OptionSpec
	values map[string]any
	text   map[string]string // the text of the values set explicitly
}

// newOptions resolves explicit key=value settings against specs: unknown
// keys, repeated keys and ill-typed values are errors.
func newOptions(pass string, specs []OptionSpec, set []optionSetting) (Options, error) {
	o := Options{specs: specs, values: map[string]any{}, text: map[string]string{}}
	for i := range specs {
		s := &specs[i]
		v, err := s.parse(s.Default)
		if err != nil {
			panic(fmt.Sprintf("BUG: pass %s: default of %v", pass, err))
		}
		o.values[s.Name] = v
	}
	for _, kv := range set {
		s := findSpec(specs, kv.key)
		if s == nil {
			return Options{}, &SyntaxError{Pos: kv.pos, Msg: unknownOptionMsg(pass, kv.key, specs)}
		}
		if _, dup := o.text[kv.key]; dup {
			return Options{}, &SyntaxError{Pos: kv.pos, Msg: fmt.Sprintf("pass %s: option %s given twice", pass, kv.key)}
		}
		text := kv.value
		if !kv.hasValue {
			if s.Kind != OptBool {
				return Options{}, &SyntaxError{Pos: kv.pos, Msg: fmt.Sprintf("pass %s: option %s needs a value (%s=<%s>)", pass, kv.key, kv.key, s.Kind)}
			}
			text = "true"
		}
		v, err := s.parse(text)
		if err != nil {
			return Options{}, &SyntaxError{Pos: kv.valuePos, Msg: fmt.Sprintf("pass %s: %v", pass, err)}
		}
		o.values[kv.key] = v
		o.text[kv.key] = text
	}
	return o, nil
}

func findSpec(specs []OptionSpec, name string) *OptionSpec {
	for i := range specs {
		if specs[i].Name == name {
			return &specs[i]
		}
	}
	return nil
}

func unknownOptionMsg(pass, key string, specs []OptionSpec) string {
	if len(specs) == 0 {
		return fmt.Sprintf("pass %s has no options (got %q)", pass, key)
	}
	names := make([]string, len(specs))
	for i, s := range specs {
		names[i] = s.Name
	}
	return fmt.Sprintf("pass %s has no option %q (options: %s)", pass, key, strings.Join(names, ", "))
}

func (o Options) get(name string, kind OptionKind) any {
	s := findSpec(o.specs, name)
	if s == nil || s.Kind != kind {
		panic(fmt.Sprintf("BUG: passes: no %v option %q", kind, name))
	}
	return o.values[name]
}

// Int returns the value of an int option. Asking for an undeclared option
// or one of another kind is a bug and panics.
func (o Options) Int(name string) int64 { return o.get(name, OptInt).(int64) }

// Float returns the value of a float option.
func (o Options) Float(name string) float64 { return o.get(name, OptFloat).(float64) }

// Bool returns the value of a bool option.
func (o Options) Bool(name string) bool { return o.get(name, OptBool).(bool) }

// String returns the value of a string option.
func (o Options) String(name string) string { return o.get(name, OptString).(string) }

// IsSet reports whether the option was given explicitly.
func (o Options) IsSet(name string) bool {
	_, ok := o.text[name]
	return ok
}

// format renders the explicitly set options in declaration order, the way a
// user types them: "wbits=4,abits=4" (empty when none was set).
func (o Options) format() string {
	var parts []string
	for _, s := range o.specs {
		if t, ok := o.text[s.Name]; ok {
			parts = append(parts, s.Name+"="+quoteValue(t))
		}
	}
	return strings.Join(parts, ",")
}

// quoteValue quotes a value that would not read back as one bare word.
func quoteValue(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool { return !isValueRune(r) }) < 0 {
		return s
	}
	return strconv.Quote(s)
}

func isValueRune(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-+._/:", r)
}
