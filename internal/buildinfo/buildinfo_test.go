package buildinfo

import (
	"runtime/debug"
	"strings"
	"testing"
)

func TestFromBuildInfo(t *testing.T) {
	bi := &debug.BuildInfo{
		GoVersion: "go1.99.1",
		Main:      debug.Module{Path: "github.com/pimc-dev/pimc", Version: "v0.3.0"},
		Settings: []debug.BuildSetting{
			{Key: "vcs", Value: "git"},
			{Key: "vcs.revision", Value: "4006e89c1d2f0a1b2c3d4e5f60718293a4b5c6d7"},
			{Key: "vcs.time", Value: "2026-12-05T09:12:01Z"},
			{Key: "vcs.modified", Value: "true"},
		},
	}
	in := fromBuildInfo(bi, true)
	if in.Version != "v0.3.0" || in.Module != "github.com/pimc-dev/pimc" || in.Go != "go1.99.1" || !in.Modified ||
		in.Revision != "4006e89c1d2f0a1b2c3d4e5f60718293a4b5c6d7" || in.Time != "2026-12-05T09:12:01Z" {
		t.Fatalf("fromBuildInfo = %+v", in)
	}
	s := in.String()
	for _, want := range []string{"pimc v0.3.0 rev 4006e89c1d2f (2026-12-05T09:12:01Z, modified)", ", ISA v1.", "go1.99.1 "} {
		if !strings.Contains(s, want) {
			t.Errorf("String() = %q, want it to contain %q", s, want)
		}
	}
	if strings.Contains(s, "4006e89c1d2f0") {
		t.Errorf("String() = %q: the revision is not shortened to 12 digits", s)
	}
}

func TestFromBuildInfoMissing(t *testing.T) {
	in := fromBuildInfo(nil, false)
	if in.Version != "unknown" || in.Revision != "" || in.Go == "" || in.ISA == "" {
		t.Fatalf("without build information: %+v", in)
	}
	if got := in.String(); !strings.HasPrefix(got, "pimc unknown, ISA v") {
		t.Errorf("String() = %q", got)
	}
	dev := fromBuildInfo(&debug.BuildInfo{Main: debug.Module{Path: "m"}}, true)
	if dev.Version != "(devel)" {
		t.Errorf("empty main version: %q, want (devel)", dev.Version)
	}
}
