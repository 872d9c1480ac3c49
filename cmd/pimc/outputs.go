package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/pimc-dev/pimc/internal/outfile"
)

// pathArg is one file or folder a command reads or writes, under the flag
// that names it ("input" for a positional argument).
type pathArg struct {
	flag, path string
	kind       pathKind
}

type pathKind int

const (
	inFile pathKind = iota // a file read; one that does not exist is left to the read to report
	// inDataset is a -dataset folder: its .npy files and labels.txt, in
	// train/ and test/ when both exist, else in the folder itself, are
	// read, so no output may be one of them.
	inDataset
	// inCalib is a -calib folder: every .pb, .npy and .npz file under it,
	// at any depth, is read.
	inCalib
	outFile // one file written; "-" is standard output
	// outNamed is a file written that must have a name: pimc reads it back
	// (-checkpoint) or picks its format by its extension (-o OUT.pb).
	outNamed
	outDir // a folder written, made with its parents; "-" is refused
)

func input(flag, path string) pathArg       { return pathArg{flag, path, inFile} }
func output(flag, path string) pathArg      { return pathArg{flag, path, outFile} }
func namedOutput(flag, path string) pathArg { return pathArg{flag, path, outNamed} }
func outputDir(flag, path string) pathArg   { return pathArg{flag, path, outDir} }

// inputs returns one input per path, all under flag (-i a.pb -i b.pb).
func inputs(flag string, paths []string) []pathArg {
	var a []pathArg
	for _, p := range paths {
		a = append(a, input(flag, p))
	}
	return a
}

// bindInputs returns the files of -bind name=FILE.
func bindInputs(b bindFlag) []pathArg {
	var a []pathArg
	for name, p := range b {
		a = append(a, input("-bind "+name, p))
	}
	return a
}

// targetInput is -target when it names a file, not a preset (a path
// checkPaths skips otherwise).
func targetInput(path string) pathArg {
	if st, err := os.Stat(path); path == "" || err != nil || st.IsDir() {
		return pathArg{}
	}
	return input("-target", path)
}

// datasetInput is -dataset when it names a folder, not mnist or
// fashion-mnist (a path checkPaths skips otherwise).
func datasetInput(path string) pathArg {
	if st, err := os.Stat(path); path == "" || err != nil || !st.IsDir() {
		return pathArg{}
	}
	return pathArg{"-dataset", path, inDataset}
}

// calibInput is -calib when it names a folder, not mnist or random:N.
func calibInput(path string) pathArg {
	if st, err := os.Stat(path); path == "" || err != nil || !st.IsDir() {
		return pathArg{}
	}
	return pathArg{"-calib", path, inCalib}
}

// folderFiles are the files a command writes into its folder output dir,
// one per name, as outputs of flag (pimc run -o DIR: one .pb per model
// output).
func folderFiles(flag, dir string, names []string) []pathArg {
	var a []pathArg
	for _, n := range names {
		a = append(a, namedOutput(flag, filepath.Join(dir, safeFileName(n)+".pb")))
	}
	return a
}

// tensorOutput is -o of run and sim: a tensor file when it ends in .pb or
// .npy, else a folder of one file per output.
func tensorOutput(path string) pathArg {
	if path == "-" || strings.HasSuffix(path, ".pb") || strings.HasSuffix(path, ".npy") {
		return namedOutput("-o", path)
	}
	return outputDir("-o", path)
}

// outputRules is the -h paragraph on output paths (internal/outfile).
const outputRules = `
Outputs: a regular file (new, or existing: its mode and owner are kept) is written to a temporary file in
its folder and renamed over it, so it is never left half-written; symbolic links are followed (the link
stays); character devices (/dev/null), pipes and sockets are written directly. "-" is standard output
where noted (the command's own report then goes to stderr). Refused before any work (exit 1): an output
that is also an input or another output (symbolic and hard links included), a missing or read-only
folder, a read-only file, a folder where a file is wanted, a block device. SIGINT/SIGTERM/SIGHUP remove
unfinished outputs and exit 128+signal (130, 143, 129).
`

// withOutputRules appends outputRules to the usage text of fs.
func withOutputRules(fs *flag.FlagSet) {
	u := fs.Usage
	fs.Usage = func() {
		u()
		fmt.Fprint(fs.Output(), outputRules)
	}
}

// checkPaths vets every output of a command against the file system and
// against its inputs and other outputs before the command does any work,
// so a typo or a slip of the tab key never costs minutes of compiling or
// a destroyed input. It returns exitOK, or the exit code after printing
// the problem: 2 for "-" where a flag needs a name (a command-line error),
// 1 for everything that depends on the files (a missing or read-only
// folder, a read-only file, a folder or block device, the same file twice).
// Empty paths are flags not given.
func checkPaths(fs *flag.FlagSet, args ...pathArg) int {
	for _, o := range args {
		if o.path != "-" {
			continue
		}
		switch o.kind {
		case outNamed:
			return usageError(fs, "%s -: standard output cannot be used here (%s)", o.flag, whyNamed(o.flag))
		case outDir:
			return usageError(fs, "%s -: want a folder, not standard output", o.flag)
		}
	}
	if err := vetPaths(args...); err != nil {
		fmt.Fprintf(fs.Output(), "%s: %v\n", fs.Name(), err)
		return exitUser
	}
	return exitOK
}

// whyNamed says why an outNamed flag needs a file name.
func whyNamed(flag string) string {
	if flag == "-checkpoint" {
		return "pimc reads the checkpoint back with -resume"
	}
	return "the file name's extension, .pb or .npy, chooses the format; a folder takes several outputs"
}

// vetPaths is checkPaths without the command line: the problem as an error.
// run and sim call it again for the files of a folder output, whose names
// come from the model.
func vetPaths(args ...pathArg) error {
	var ins, outs []pathArg
	for _, a := range args {
		switch {
		case a.path == "":
		case a.kind < outFile:
			ins = append(ins, a)
		default:
			outs = append(outs, a)
		}
	}
	for _, o := range outs {
		if o.path == "-" || insideNewDir(o, outs) {
			continue
		}
		check := outfile.Check
		if o.kind == outDir {
			check = outfile.CheckDir
		}
		if err := check(o.path); err != nil {
			var pe *fs.PathError
			if errors.As(err, &pe) {
				err = pe.Err
			}
			return fmt.Errorf("%s %s: %w", o.flag, o.path, err)
		}
	}
	in := identify(ins)
	out := identify(outs)
	for i, o := range out {
		if o.arg.path == "-" {
			for _, p := range out[:i] {
				if p.arg.path == "-" {
					return fmt.Errorf("%s - and %s - both write to standard output", o.arg.flag, p.arg.flag)
				}
			}
			continue
		}
		if o.info != nil && o.info.Mode()&fs.ModeCharDevice != 0 {
			continue // /dev/null twice, or as an input and an output, harms nothing
		}
		for _, p := range in {
			if p.arg.flag == o.arg.flag {
				continue // -checkpoint with -resume: read, then rewritten, by design
			}
			if p.arg.kind != inFile {
				if p.reads(o) {
					return fmt.Errorf("%s %s is one of the files pimc reads from the %s folder %s", o.arg.flag, o.arg.path, p.arg.flag, p.arg.path)
				}
				continue
			}
			if sameFile(o, p) {
				return fmt.Errorf("%s %s and %s %s are the same file", o.arg.flag, o.arg.path, p.arg.flag, p.arg.path)
			}
		}
		for _, p := range out[:i] {
			if p.arg.path != "-" && sameFile(o, p) {
				return fmt.Errorf("%s %s and %s %s are the same file", o.arg.flag, o.arg.path, p.arg.flag, p.arg.path)
			}
		}
	}
	return nil
}

// insideNewDir reports whether o is a file or folder inside a folder output
// that does not exist yet: the command makes that folder (with its
// parents) before writing into it, so o's folder is missing by design
// (pimc demo -o NEWDIR writes NEWDIR/lenet5.onnx); the folder output itself
// is checked instead.
func insideNewDir(o pathArg, outs []pathArg) bool {
	parent := filepath.Clean(filepath.Dir(o.path))
	if _, err := os.Stat(parent); err == nil {
		return false
	}
	for _, d := range outs {
		if d.kind != outDir || d.path == o.path {
			continue
		}
		dir := filepath.Clean(d.path)
		if parent == dir || strings.HasPrefix(parent, dir+string(filepath.Separator)) {
			return true
		}
	}
	return false
}

// pathID is what a path names on disk now.
type pathID struct {
	arg  pathArg
	info fs.FileInfo // os.Stat, links followed; nil when nothing is there yet
	real string      // outfile.Resolve: the file a write would make
	// subdirs: for a -dataset folder, the folders its samples are read
	// from (train/ and test/, or itself).
	subdirs []fs.FileInfo
}

// identify stats every path; inputs that do not exist are dropped (reading
// them reports that).
func identify(args []pathArg) []pathID {
	var ids []pathID
	for _, a := range args {
		id := pathID{arg: a}
		if a.path != "-" {
			id.info, _ = os.Stat(a.path)
			id.real, _ = outfile.Resolve(a.path)
		}
		if a.kind < outFile && id.info == nil {
			continue
		}
		if a.kind == inDataset {
			tr, err1 := os.Stat(filepath.Join(a.path, "train"))
			te, err2 := os.Stat(filepath.Join(a.path, "test"))
			if err1 == nil && err2 == nil && tr.IsDir() && te.IsDir() {
				id.subdirs = []fs.FileInfo{tr, te} // as data.LoadFolder
			} else {
				id.subdirs = []fs.FileInfo{id.info}
			}
		}
		ids = append(ids, id)
	}
	return ids
}

// sameFile reports whether two paths name one file: the same inode when
// both exist (hard links, symbolic links, different spellings), the same
// resolved path when neither does yet.
func sameFile(a, b pathID) bool {
	switch {
	case a.info != nil && b.info != nil:
		return os.SameFile(a.info, b.info)
	case a.info == nil && b.info == nil:
		return a.real != "" && a.real == b.real
	}
	return false
}

// reads reports whether the input folder d would read the output o as
// one of its files: a file its reader picks by name (data.LoadFolder for
// -dataset, the quantize pass's calibration walk for -calib) in a folder
// it reads. Other files in the folder are fine (-dataset . -report r.json).
func (d pathID) reads(o pathID) bool {
	if o.real == "" || o.arg.kind == outDir {
		return false
	}
	name := strings.ToLower(filepath.Base(o.real))
	ext := filepath.Ext(name)
	if d.arg.kind == inCalib {
		root, err := filepath.EvalSymlinks(d.arg.path)
		if err != nil || ext != ".pb" && ext != ".npy" && ext != ".npz" {
			return false
		}
		root, _ = filepath.Abs(root)
		return strings.HasPrefix(o.real, root+string(filepath.Separator))
	}
	if ext != ".npy" && name != "labels.txt" {
		return false
	}
	parent, err := os.Stat(filepath.Dir(o.real))
	if err != nil {
		return false
	}
	for _, s := range d.subdirs {
		if os.SameFile(s, parent) {
			return true
		}
	}
	return false
}

// reportTo is where a command prints its report: stdout, unless one of its
// outputs goes there ("-"); then stderr, so the output stays clean.
func reportTo(stdout, stderr io.Writer, outs ...string) io.Writer {
	for _, o := range outs {
		if o == "-" {
			return stderr
		}
	}
	return stdout
}

// writeOutput writes data to the output path, or to stdout for "-".
func writeOutput(path string, data []byte, stdout io.Writer) error {
	if path == "-" {
		_, err := stdout.Write(data)
		return err
	}
	return outfile.WriteFile(path, data, 0o644)
}

// stream is an output written piece by piece (a trace, a CPU profile).
type stream struct {
	io.Writer
	f *outfile.File // nil for stdout
}

// createOutput starts a streamed output: path, or stdout for "-".
func createOutput(path string, stdout io.Writer) (*stream, error) {
	if path == "-" {
		return &stream{Writer: stdout}, nil
	}
	f, err := outfile.Create(path, 0o644)
	if err != nil {
		return nil, err
	}
	return &stream{Writer: f, f: f}, nil
}

// commit publishes the output; abort drops it.
func (s *stream) commit() error {
	if s.f == nil {
		return nil
	}
	return s.f.Commit()
}

func (s *stream) abort() {
	if s.f != nil {
		s.f.Abort()
	}
}
