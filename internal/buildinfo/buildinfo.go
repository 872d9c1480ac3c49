package buildinfo

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/pimc-dev/pimc/isa"
)

// Info describes one pimc binary.
type Info struct {
	Module   string `json:"module"`             // module path
	Version  string `json:"version"`            // module version: a tag, a pseudo-version, or "(devel)" for a build in a checkout
	Revision string `json:"revision,omitempty"` // VCS revision (vcs.revision), when the build recorded one
	Time     string `json:"time,omitempty"`     // commit time of Revision (vcs.time, RFC 3339)
	Modified bool   `json:"modified,omitempty"` // the working tree had uncommitted changes (vcs.modified)
	ISA      string `json:"isa"`                // the highest ISA / .pimb format version it reads and writes
	Go       string `json:"go"`                 // the Go toolchain that built it
	Platform string `json:"platform"`           // GOOS/GOARCH
}

// Read returns the running binary's Info. Without build information (a
// binary built without module support) Version is "unknown".
func Read() Info {
	bi, ok := debug.ReadBuildInfo()
	return fromBuildInfo(bi, ok)
}

func fromBuildInfo(bi *debug.BuildInfo, ok bool) Info {
	in := Info{
		Version:  "unknown",
		ISA:      fmt.Sprintf("v%d.%d", isa.FormatMajor, isa.FormatMinor),
		Go:       runtime.Version(),
		Platform: runtime.GOOS + "/" + runtime.GOARCH,
	}
	if !ok || bi == nil {
		return in
	}
	in.Module, in.Version = bi.Main.Path, bi.Main.Version
	if in.Version == "" {
		in.Version = "(devel)"
	}
	if bi.GoVersion != "" {
		in.Go = bi.GoVersion
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			in.Revision = s.Value
		case "vcs.time":
			in.Time = s.Value
		case "vcs.modified":
			in.Modified = s.Value == "true"
		}
	}
	return in
}

// String is the one-line form, e.g.
// "pimc (devel) rev 4006e89c1d2f (2026-12-05T09:12:01Z, modified), ISA v1.6, go1.26.8 linux/amd64".
func (in Info) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "pimc %s", in.Version)
	if in.Revision != "" {
		rev := in.Revision
		if len(rev) > 12 {
			rev = rev[:12]
		}
		fmt.Fprintf(&b, " rev %s", rev)
		var notes []string
		if in.Time != "" {
			notes = append(notes, in.Time)
		}
		if in.Modified {
			notes = append(notes, "modified")
		}
		if len(notes) > 0 {
			fmt.Fprintf(&b, " (%s)", strings.Join(notes, ", "))
		}
	}
	fmt.Fprintf(&b, ", ISA %s, %s %s", in.ISA, in.Go, in.Platform)
	return b.String()
}
