package passes

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pimc-dev/pimc/ir"
)

var update = flag.Bool("update", false, "rewrite the expected sections of testdata/canonical/*.txtar")

// TestGolden runs one case per testdata/canonical/*.txtar archive:
//
//	-- pipeline --    the pipeline string
//	-- input.pir --   the graph
//	-- output.pir --  the expected graph after the pipeline, or
//	-- error --       the expected error (a substring of it)
//
// The differential check (interpreter before vs after) runs too, so a
// golden can only record a semantics-preserving rewrite.
func TestGolden(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "canonical", "*.txtar"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden files: %v", err)
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txtar"), func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			ar := parseArchive(data)
			pipeline := strings.TrimSpace(ar.get("pipeline"))
			g, err := ir.Parse(file+":input.pir", []byte(ar.get("input.pir")))
			if err != nil {
				t.Fatal(err)
			}
			if _, wantErr := ar.find("error"); wantErr {
				err := NewManager().RunString(g, pipeline)
				want := strings.TrimSpace(ar.get("error"))
				if err == nil || !strings.Contains(err.Error(), want) {
					t.Fatalf("error %v, want one containing %q", err, want)
				}
				return
			}
			checkPipeline(t, g, pipeline)
			var buf bytes.Buffer
			if err := ir.Print(&buf, g, ir.PrintOptions{}); err != nil {
				t.Fatal(err)
			}
			got, want := buf.String(), ar.get("output.pir")
			if got == want {
				return
			}
			if *update {
				ar.set("output.pir", got)
				if err := os.WriteFile(file, ar.format(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			t.Errorf("%s: output differs (-want +got):\n%s\nrun: go test ./passes -run 'TestGolden/%s' -update", file, lineDiff(want, got), filepath.Base(strings.TrimSuffix(file, ".txtar")))
		})
	}
}

// archive is a txtar-style file: a comment, then sections introduced by
// "-- name --" lines.
type archive struct {
	comment string
	names   []string
	bodies  []string
}

func parseArchive(data []byte) *archive {
	ar := &archive{}
	cur := -1
	var b strings.Builder
	flush := func() {
		if cur < 0 {
			ar.comment = b.String()
		} else {
			ar.bodies[cur] = b.String()
		}
		b.Reset()
	}
	for _, line := range strings.SplitAfter(string(data), "\n") {
		trim := strings.TrimRight(line, "\n")
		if strings.HasPrefix(trim, "-- ") && strings.HasSuffix(trim, " --") && len(trim) > 6 {
			flush()
			ar.names = append(ar.names, strings.TrimSpace(trim[3:len(trim)-3]))
			ar.bodies = append(ar.bodies, "")
			cur = len(ar.names) - 1
			continue
		}
		b.WriteString(line)
	}
	flush()
	return ar
}

func (ar *archive) find(name string) (int, bool) {
	for i, n := range ar.names {
		if n == name {
			return i, true
		}
	}
	return -1, false
}

func (ar *archive) get(name string) string {
	if i, ok := ar.find(name); ok {
		return ar.bodies[i]
	}
	return ""
}

func (ar *archive) set(name, body string) {
	if i, ok := ar.find(name); ok {
		ar.bodies[i] = body
		return
	}
	ar.names = append(ar.names, name)
	ar.bodies = append(ar.bodies, body)
}

func (ar *archive) format() []byte {
	var b bytes.Buffer
	b.WriteString(ar.comment)
	for i, n := range ar.names {
		fmt.Fprintf(&b, "-- %s --\n", n)
		body := ar.bodies[i]
		if body != "" && !strings.HasSuffix(body, "\n") {
			body += "\n"
		}
		b.WriteString(body)
	}
	return b.Bytes()
}

// lineDiff is a minimal line diff (longest common subsequence): lines only
// in want are prefixed "-", lines only in got "+".
func lineDiff(want, got string) string {
	a, b := strings.Split(want, "\n"), strings.Split(got, "\n")
	lcs := make([][]int, len(a)+1)
	for i := range lcs {
		lcs[i] = make([]int, len(b)+1)
	}
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(b) - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var out strings.Builder
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case i < len(a) && j < len(b) && a[i] == b[j]:
			out.WriteString("  " + a[i] + "\n")
			i, j = i+1, j+1
		case j < len(b) && (i == len(a) || lcs[i][j+1] >= lcs[i+1][j]):
			out.WriteString("+ " + b[j] + "\n")
			j++
		default:
			out.WriteString("- " + a[i] + "\n")
			i++
		}
	}
	return out.String()
}
