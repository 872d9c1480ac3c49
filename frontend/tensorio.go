package frontend

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/advancedclimatesystems/gonnx/onnx"
	"google.golang.org/protobuf/proto"

	"github.com/pimc-dev/pimc/internal/outfile"
	"github.com/pimc-dev/pimc/ir/tensor"
)

// ReadTensor reads a tensor from an ONNX TensorProto file (.pb) or a NumPy
// file (.npy), chosen by the extension.
func ReadTensor(path string) (*tensor.Tensor, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("frontend: %w", err)
	}
	switch strings.ToLower(filepath.Ext(path)) {
	case ".pb":
		var tp onnx.TensorProto
		if err := proto.Unmarshal(data, &tp); err != nil {
			return nil, fmt.Errorf("frontend: %s: not a valid TensorProto: %v", path, err)
		}
		t, err := decodeTensor(&tp)
		if err != nil {
			return nil, fmt.Errorf("frontend: %s: %v", path, err)
		}
		return t, nil
	case ".npy":
		t, err := decodeNPY(data)
		if err != nil {
			return nil, fmt.Errorf("frontend: %s: %v", path, err)
		}
		return t, nil
	}
	return nil, fmt.Errorf("frontend: %s: unknown tensor file extension (want .pb or .npy)", path)
}

// WriteTensor writes t atomically as a TensorProto (.pb, with the given
// name) or a NumPy file (.npy, name unused), chosen by the extension.
func WriteTensor(path string, t *tensor.Tensor, name string) error {
	var data []byte
	var err error
	switch strings.ToLower(filepath.Ext(path)) {
	case ".pb":
		var tp *onnx.TensorProto
		if tp, err = encodeTensor(t, name); err == nil {
			data, err = proto.Marshal(tp)
		}
	case ".npy":
		data, err = encodeNPY(t)
	default:
		return fmt.Errorf("frontend: %s: unknown tensor file extension (want .pb or .npy)", path)
	}
	if err != nil {
		return fmt.Errorf("frontend: %s: %v", path, err)
	}
	if err := outfile.WriteFile(path, data, 0o644); err != nil {
		return fmt.Errorf("frontend: %w", err)
	}
	return nil
}

// maxNPZEntry bounds one decompressed array, against zip bombs.
const maxNPZEntry = 1 << 32

// ReadNPZ reads every array of a NumPy .npz archive (stored or deflated),
// keyed by the array name (the entry name without ".npy").
func ReadNPZ(path string) (map[string]*tensor.Tensor, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("frontend: %w", err)
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, fmt.Errorf("frontend: %s: not a valid .npz (zip) file: %v", path, err)
	}
	out := map[string]*tensor.Tensor{}
	files := append([]*zip.File{}, zr.File...)
	sort.Slice(files, func(i, j int) bool { return files[i].Name < files[j].Name })
	for _, f := range files {
		if !strings.HasSuffix(f.Name, ".npy") {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			return nil, fmt.Errorf("frontend: %s: entry %q: %v", path, f.Name, err)
		}
		buf, err := io.ReadAll(io.LimitReader(rc, maxNPZEntry+1))
		rc.Close()
		if err != nil {
			return nil, fmt.Errorf("frontend: %s: entry %q: %v", path, f.Name, err)
		}
		t, err := decodeNPY(buf)
		if err != nil {
			return nil, fmt.Errorf("frontend: %s: entry %q: %v", path, f.Name, err)
		}
		out[strings.TrimSuffix(f.Name, ".npy")] = t
	}
	return out, nil
}
