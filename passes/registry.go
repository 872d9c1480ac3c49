package passes

import (
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"
	"text/tabwriter"
)

var (
	registry  = map[string]*Info{}
	pipelines = map[string]*NamedPipeline{}
)

// NamedPipeline is an alias for a pipeline string (canonicalize expands to
// the float canonicalization passes in order).
type NamedPipeline struct {
	Name    string
	Summary string
	Text    string
}

var kebab = regexp.MustCompile(`^[a-z][a-z0-9]*(-[a-z0-9]+)*$`)

// Register adds a pass. Names are kebab-case and unique across passes and
// named pipelines; violating that, or omitting New or Summary, is a bug.
func Register(info *Info) {
	if !kebab.MatchString(info.Name) {
		panic(fmt.Sprintf("BUG: passes.Register: name %q is not kebab-case", info.Name))
	}
	if registry[info.Name] != nil || pipelines[info.Name] != nil {
		panic(fmt.Sprintf("BUG: passes.Register: %q registered twice", info.Name))
	}
	if info.New == nil || info.Summary == "" {
		panic(fmt.Sprintf("BUG: passes.Register: %q needs New and Summary", info.Name))
	}
	for i := range info.Options {
		s := &info.Options[i]
		if !kebab.MatchString(s.Name) {
			panic(fmt.Sprintf("BUG: passes.Register: %s: option %q is not kebab-case", info.Name, s.Name))
		}
		if _, err := s.parse(s.Default); err != nil {
			panic(fmt.Sprintf("BUG: passes.Register: %s: default: %v", info.Name, err))
		}
	}
	registry[info.Name] = info
}

// RegisterPipeline adds a named pipeline. Its text is parsed when used, so it
// may name passes registered later (in other files' init functions).
func RegisterPipeline(name, summary, text string) {
	if !kebab.MatchString(name) {
		panic(fmt.Sprintf("BUG: passes.RegisterPipeline: name %q is not kebab-case", name))
	}
	if registry[name] != nil || pipelines[name] != nil {
		panic(fmt.Sprintf("BUG: passes.RegisterPipeline: %q registered twice", name))
	}
	pipelines[name] = &NamedPipeline{Name: name, Summary: summary, Text: text}
}

// Lookup returns the registered pass called name, or nil.
func Lookup(name string) *Info { return registry[name] }

// LookupPipeline returns the named pipeline called name, or nil.
func LookupPipeline(name string) *NamedPipeline { return pipelines[name] }

// List returns every registered pass, sorted by name.
func List() []*Info {
	out := make([]*Info, 0, len(registry))
	for _, in := range registry {
		out = append(out, in)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Pipelines returns every named pipeline, sorted by name.
func Pipelines() []*NamedPipeline {
	out := make([]*NamedPipeline, 0, len(pipelines))
	for _, p := range pipelines {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func knownNames() []string {
	var names []string
	for _, in := range List() {
		names = append(names, in.Name)
	}
	for _, p := range Pipelines() {
		names = append(names, p.Name)
	}
	sort.Strings(names)
	return names
}

func unknownPassMsg(name string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "unknown pass %q", name)
	if s := closest(name, knownNames()); s != "" {
		fmt.Fprintf(&b, " (did you mean %s?)", s)
	}
	fmt.Fprintf(&b, "; known passes and pipelines: %s (-passes=help describes them)", strings.Join(knownNames(), ", "))
	return b.String()
}

// closest returns the known name nearest to name by edit distance when it is
// near enough to be a plausible typo.
func closest(name string, known []string) string {
	best, bestD := "", len(name)/2+1
	for _, k := range known {
		if d := editDistance(name, k); d < bestD {
			best, bestD = k, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// WriteHelp writes the -passes=help text: the syntax, every named pipeline
// with its expansion, and every pass with its stages and options.
func WriteHelp(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 2, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "Pipeline syntax: comma-separated names, options in braces:")
	fmt.Fprintln(tw, "  canonicalize,bn-fold,quantize{wbits=4,abits=4},dce")
	fmt.Fprintln(tw, "\nNamed pipelines:")
	for _, p := range Pipelines() {
		fmt.Fprintf(tw, "  %s\t%s\n", p.Name, p.Summary)
		fmt.Fprintf(tw, "  \t= %s\n", p.Text)
	}
	fmt.Fprintln(tw, "\nPasses:")
	for _, in := range List() {
		fmt.Fprintf(tw, "  %s\t%s\n", in.Name, in.Summary)
		fmt.Fprintf(tw, "  \tstages: %s\n", stagesText(in))
		for _, o := range in.Options {
			def := o.Default
			if def == "" {
				def = `""`
			}
			extra := ""
			if len(o.Enum) > 0 {
				extra = " (" + strings.Join(o.Enum, "|") + ")"
			}
			fmt.Fprintf(tw, "  \t  %s=<%s>\t%s%s; default %s\n", o.Name, o.Kind, o.Doc, extra, def)
		}
	}
	return tw.Flush()
}

// needsText lists the stages a pass accepts: "import|canonical" or "any".
func needsText(in *Info) string {
	if len(in.Needs) == 0 {
		return "any"
	}
	parts := make([]string, len(in.Needs))
	for i, s := range in.Needs {
		parts[i] = s.String()
	}
	return strings.Join(parts, "|")
}

// stagesText describes what a pass needs and produces: "import -> canonical".
func stagesText(in *Info) string {
	needs := needsText(in)
	if in.Produces == SameStage {
		return needs + " -> unchanged"
	}
	return needs + " -> " + in.Produces.String()
}
