package golden

import (
	"reflect"
	"testing"
)

func TestParseFormat(t *testing.T) {
	for _, c := range []struct {
		name, text string
		want       Archive
	}{
		{"empty", "", Archive{}},
		{"comment only", "# a comment\nmore\n", Archive{Comment: []byte("# a comment\nmore\n")}},
		{"sections", "# c\n-- a --\nx\ny\n-- b.pir --\n-- c --\nz\n", Archive{
			Comment: []byte("# c\n"),
			Files:   []File{{"a", []byte("x\ny\n")}, {"b.pir", []byte{}}, {"c", []byte("z\n")}},
		}},
		{"no comment", "-- a --\nx\n", Archive{Comment: []byte{}, Files: []File{{"a", []byte("x\n")}}}},
		// Format writes the marker as "-- a b --".
		{"spaces in marker", "--   a b   --\nx\n", Archive{Comment: []byte{}, Files: []File{{"a b", []byte("x\n")}}}},
		// Not markers: no name, no spaces, text after the closing dashes.
		{"not markers", "-- --\n--a--\n-- a -- b\n -- a --\n", Archive{Comment: []byte("-- --\n--a--\n-- a -- b\n -- a --\n")}},
	} {
		t.Run(c.name, func(t *testing.T) {
			a := Parse([]byte(c.text))
			if string(a.Comment) != string(c.want.Comment) || len(a.Files) != len(c.want.Files) {
				t.Fatalf("Parse = %q %q, want %q %q", a.Comment, a.Files, c.want.Comment, c.want.Files)
			}
			for i := range a.Files {
				if a.Files[i].Name != c.want.Files[i].Name || string(a.Files[i].Data) != string(c.want.Files[i].Data) {
					t.Errorf("file %d = %q, want %q", i, a.Files[i], c.want.Files[i])
				}
			}
			if got := string(Format(a)); got != c.text && c.name != "spaces in marker" {
				t.Errorf("Format(Parse(x)) = %q, want x = %q", got, c.text)
			}
		})
	}
}

// TestFormatAddsNewlines: a comment or section without a final newline
// gets one, so the next marker starts a line.
func TestFormatAddsNewlines(t *testing.T) {
	a := &Archive{Comment: []byte("c"), Files: []File{{"a", []byte("x")}, {"b", nil}, {"c", []byte("y")}}}
	want := "c\n-- a --\nx\n-- b --\n-- c --\ny\n"
	if got := string(Format(a)); got != want {
		t.Fatalf("Format = %q, want %q", got, want)
	}
	// The last section of a file without a final newline parses without it.
	b := Parse([]byte("-- a --\nx"))
	if !reflect.DeepEqual(b.Files, []File{{"a", []byte("x")}}) {
		t.Fatalf("Parse = %q", b.Files)
	}
}

func TestLookupSet(t *testing.T) {
	a := Parse([]byte("-- a --\n1\n-- b --\n2\n"))
	a.Set("a", []byte("3\n"))
	a.Set("c", []byte("4\n"))
	if f, ok := a.Lookup("a"); !ok || string(f.Data) != "3\n" {
		t.Errorf("Lookup(a) = %q %v", f.Data, ok)
	}
	if _, ok := a.Lookup("d"); ok {
		t.Error("Lookup(d) found a section")
	}
	if got, want := string(Format(a)), "-- a --\n3\n-- b --\n2\n-- c --\n4\n"; got != want {
		t.Errorf("Format = %q, want %q", got, want)
	}
}
