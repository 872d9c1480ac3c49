package golden

import (
	"bytes"
	"strings"
)

// Archive is a txtar archive: a free-form comment, then files (sections),
// each introduced by a marker line "-- NAME --". The format is that of
// golang.org/x/tools/txtar: Format(Parse(data)) == data whenever the
// comment and every section are empty or end in a newline and every marker
// is written "-- NAME --" with single spaces.
type Archive struct {
	Comment []byte
	Files   []File
}

// File is one section of an Archive. Data holds the lines after the
// marker, up to the next marker, trailing newline included.
type File struct {
	Name string
	Data []byte
}

// Parse splits data into the comment and the sections. It never fails:
// text before the first marker is the comment, and a line is a marker only
// if it is "-- NAME --" with a non-empty NAME.
func Parse(data []byte) *Archive {
	a := &Archive{}
	var name string
	a.Comment, name, data = nextMarker(data)
	for name != "" {
		f := File{Name: name}
		f.Data, name, data = nextMarker(data)
		a.Files = append(a.Files, f)
	}
	return a
}

// nextMarker returns the text before the next marker line, the marker's
// name ("" when there is none) and the text after the marker line.
func nextMarker(data []byte) (before []byte, name string, after []byte) {
	for i := 0; i < len(data); {
		if name, after := markerAt(data[i:]); name != "" {
			return data[:i], name, after
		}
		j := bytes.IndexByte(data[i:], '\n')
		if j < 0 {
			break
		}
		i += j + 1
	}
	return data, "", nil
}

// markerAt reports whether line (up to its newline) is a marker, and if so
// its name and the text after the line.
func markerAt(data []byte) (name string, after []byte) {
	if !bytes.HasPrefix(data, []byte("-- ")) {
		return "", nil
	}
	line := data
	if i := bytes.IndexByte(data, '\n'); i >= 0 {
		line, after = data[:i], data[i+1:]
	}
	line = bytes.TrimSuffix(line, []byte("\r"))
	if !bytes.HasSuffix(line, []byte(" --")) || len(line) < len("-- x --") {
		return "", nil
	}
	return strings.TrimSpace(string(line[3 : len(line)-3])), after
}

// Format writes the archive in txtar form, adding a final newline to the
// comment or a section that lacks one.
func Format(a *Archive) []byte {
	var b bytes.Buffer
	b.Write(withNewline(a.Comment))
	for _, f := range a.Files {
		b.WriteString("-- " + f.Name + " --\n")
		b.Write(withNewline(f.Data))
	}
	return b.Bytes()
}

// withNewline returns data ending in a newline, or empty data unchanged.
func withNewline(data []byte) []byte {
	if len(data) == 0 || data[len(data)-1] == '\n' {
		return data
	}
	return append(data[:len(data):len(data)], '\n')
}

// Lookup returns the section called name.
func (a *Archive) Lookup(name string) (File, bool) {
	for _, f := range a.Files {
		if f.Name == name {
			return f, true
		}
	}
	return File{}, false
}

// Set replaces the data of the section called name, or appends the section
// when the archive has none of that name.
func (a *Archive) Set(name string, data []byte) {
	for i := range a.Files {
		if a.Files[i].Name == name {
			a.Files[i].Data = data
			return
		}
	}
	a.Files = append(a.Files, File{Name: name, Data: data})
}
