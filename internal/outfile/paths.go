package outfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Every command vets all its paths together before it does any work
// (CheckPaths), so a typo or a slip of the tab key never costs minutes of
// compiling or a destroyed input: an output that is also an input or
// another output (through any link), an output into a folder an input
// folder's reader would read, an output that cannot be written.

// Path is one file or folder a command reads or writes, under the flag
// that names it ("input" for a positional argument). An empty Path is a
// flag not given.
type Path struct {
	Flag, Path string
	Kind       PathKind
}

// PathKind says how a command uses a Path.
type PathKind int

const (
	InFile PathKind = iota // a file read; one that does not exist is left to the read to report
	// InDataset is a -dataset folder: its .npy files and labels.txt, in
	// train/ and test/ when both exist, else in the folder itself, are
	// read, so no output may be one of them.
	InDataset
	// InCalib is a -calib folder: every .pb, .npy and .npz file under it,
	// at any depth, is read.
	InCalib
	OutFile // one file written; "-" is standard output
	// OutNamed is a file written that must have a name: pimc reads it back
	// (-checkpoint) or picks its format by its extension (-o OUT.pb).
	OutNamed
	OutDir // a folder written, made with its parents; "-" is refused
)

// Input, Output, NamedOutput and OutputDir are Paths of the kinds InFile,
// OutFile, OutNamed and OutDir.
func Input(flag, path string) Path       { return Path{flag, path, InFile} }
func Output(flag, path string) Path      { return Path{flag, path, OutFile} }
func NamedOutput(flag, path string) Path { return Path{flag, path, OutNamed} }
func OutputDir(flag, path string) Path   { return Path{flag, path, OutDir} }

// Inputs returns one input per path, all under flag (-i a.pb -i b.pb).
func Inputs(flag string, paths []string) []Path {
	var a []Path
	for _, p := range paths {
		a = append(a, Input(flag, p))
	}
	return a
}

// TargetInput is -target when it names a file, not a preset (an empty
// Path otherwise).
func TargetInput(path string) Path {
	if st, err := os.Stat(path); path == "" || err != nil || st.IsDir() {
		return Path{}
	}
	return Input("-target", path)
}

// DatasetInput is -dataset when it names a folder, not mnist or
// fashion-mnist (an empty Path otherwise).
func DatasetInput(path string) Path {
	if st, err := os.Stat(path); path == "" || err != nil || !st.IsDir() {
		return Path{}
	}
	return Path{"-dataset", path, InDataset}
}

// CalibInput is -calib when it names a folder, not mnist or random:N.
func CalibInput(path string) Path {
	if st, err := os.Stat(path); path == "" || err != nil || !st.IsDir() {
		return Path{}
	}
	return Path{"-calib", path, InCalib}
}

// FolderFile is the file a command writes into its folder output dir for
// the value name (an ONNX name, which may hold '/' or ':'): NAME.pb.
func FolderFile(dir, name string) string {
	r := strings.NewReplacer("/", "_", "\\", "_", ":", "_", " ", "_")
	if name == "" {
		name = "output"
	}
	return filepath.Join(dir, r.Replace(name)+".pb")
}

// FolderFiles are the files a command writes into its folder output dir,
// one per name (FolderFile), as outputs of flag (pimc run -o DIR: one .pb
// per model output).
func FolderFiles(flag, dir string, names []string) []Path {
	var a []Path
	for _, n := range names {
		a = append(a, NamedOutput(flag, FolderFile(dir, n)))
	}
	return a
}

// TensorOutput is -o of run and sim: a tensor file when it ends in .pb or
// .npy, else a folder of one file per output.
func TensorOutput(path string) Path {
	if path == "-" || strings.HasSuffix(path, ".pb") || strings.HasSuffix(path, ".npy") {
		return NamedOutput("-o", path)
	}
	return OutputDir("-o", path)
}

// CheckPaths vets every output against the file system (Check, CheckDir)
// and against the inputs and the other outputs, and returns the first
// problem naming the flags and paths involved. Empty paths are flags not
// given; "-" (standard output) is not checked against the file system. A
// command calls it with all its paths before any work, and again for the
// files of a folder output whose names come from the model.
func CheckPaths(args ...Path) error {
	var ins, outs []Path
	for _, a := range args {
		switch {
		case a.Path == "":
		case a.Kind < OutFile:
			ins = append(ins, a)
		default:
			outs = append(outs, a)
		}
	}
	for _, o := range outs {
		if o.Path == "-" || insideNewDir(o, outs) {
			continue
		}
		check := Check
		if o.Kind == OutDir {
			check = CheckDir
		}
		if err := check(o.Path); err != nil {
			var pe *fs.PathError
			if errors.As(err, &pe) {
				err = pe.Err
			}
			return fmt.Errorf("%s %s: %w", o.Flag, o.Path, err)
		}
	}
	in := identify(ins)
	out := identify(outs)
	for i, o := range out {
		if o.arg.Path == "-" {
			for _, p := range out[:i] {
				if p.arg.Path == "-" {
					return fmt.Errorf("%s - and %s - both write to standard output", o.arg.Flag, p.arg.Flag)
				}
			}
			continue
		}
		if o.info != nil && o.info.Mode()&fs.ModeCharDevice != 0 {
			continue // /dev/null twice, or as an input and an output, harms nothing
		}
		for _, p := range in {
			if p.arg.Flag == o.arg.Flag {
				continue // -checkpoint with -resume: read, then rewritten, by design
			}
			if p.arg.Kind != InFile {
				if p.reads(o) {
					return fmt.Errorf("%s %s is one of the files pimc reads from the %s folder %s", o.arg.Flag, o.arg.Path, p.arg.Flag, p.arg.Path)
				}
				continue
			}
			if samePath(o, p) {
				return fmt.Errorf("%s %s and %s %s are the same file", o.arg.Flag, o.arg.Path, p.arg.Flag, p.arg.Path)
			}
		}
		for _, p := range out[:i] {
			if p.arg.Path != "-" && samePath(o, p) {
				return fmt.Errorf("%s %s and %s %s are the same file", o.arg.Flag, o.arg.Path, p.arg.Flag, p.arg.Path)
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
func insideNewDir(o Path, outs []Path) bool {
	parent := filepath.Clean(filepath.Dir(o.Path))
	if _, err := os.Stat(parent); err == nil {
		return false
	}
	for _, d := range outs {
		if d.Kind != OutDir || d.Path == o.Path {
			continue
		}
		dir := filepath.Clean(d.Path)
		if parent == dir || strings.HasPrefix(parent, dir+string(filepath.Separator)) {
			return true
		}
	}
	return false
}

// pathID is what a path names on disk now.
type pathID struct {
	arg  Path
	info fs.FileInfo // os.Stat, links followed; nil when nothing is there yet
	real string      // Resolve: the file a write would make
	// subdirs: for a -dataset folder, the folders its samples are read
	// from (train/ and test/, or itself).
	subdirs []fs.FileInfo
}

// identify stats every path; inputs that do not exist are dropped (reading
// them reports that).
func identify(args []Path) []pathID {
	var ids []pathID
	for _, a := range args {
		id := pathID{arg: a}
		if a.Path != "-" {
			id.info, _ = os.Stat(a.Path)
			id.real, _ = Resolve(a.Path)
		}
		if a.Kind < OutFile && id.info == nil {
			continue
		}
		if a.Kind == InDataset {
			tr, err1 := os.Stat(filepath.Join(a.Path, "train"))
			te, err2 := os.Stat(filepath.Join(a.Path, "test"))
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

// samePath reports whether two paths name one file: the same inode when
// both exist (hard links, symbolic links, different spellings), the same
// resolved path when neither does yet.
func samePath(a, b pathID) bool {
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
	if o.real == "" || o.arg.Kind == OutDir {
		return false
	}
	name := strings.ToLower(filepath.Base(o.real))
	ext := filepath.Ext(name)
	if d.arg.Kind == InCalib {
		root, err := filepath.EvalSymlinks(d.arg.Path)
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

// MkdirOutput readies the folder output dir of flag for one file per name
// (FolderFile), names known only once the model has run: it vets those
// files against the command's other paths (CheckPaths), then makes the
// folder (MkdirAll).
func MkdirOutput(flag, dir string, names []string, paths ...Path) error {
	if err := CheckPaths(append(paths, FolderFiles(flag, dir, names)...)...); err != nil {
		return err
	}
	return MkdirAll(dir)
}
