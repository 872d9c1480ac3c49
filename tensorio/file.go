package tensorio

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/advancedclimatesystems/gonnx/onnx"
	"google.golang.org/protobuf/proto"

	"github.com/pimc-dev/pimc/internal/outfile"
	"github.com/pimc-dev/pimc/ir/tensor"
)

// Read reads a tensor from an ONNX TensorProto file (.pb) or a NumPy file
// (.npy), chosen by the extension. Every error names the file. No
// declared shape makes it allocate more than the file's size justifies:
// payload lengths are checked against the shape before the tensor is
// allocated (see readTensorBytes for files that are not regular files).
func Read(path string) (*tensor.Tensor, error) {
	ext := strings.ToLower(filepath.Ext(path))
	if ext != ".pb" && ext != ".npy" {
		return nil, fmt.Errorf("frontend: %s: unknown tensor file extension (want .pb or .npy)", path)
	}
	data, err := readTensorBytes(path)
	if err != nil {
		return nil, fmt.Errorf("frontend: %w", err)
	}
	if len(data) == 0 {
		return nil, fmt.Errorf("frontend: %s: empty file, holds no tensor", path)
	}
	var t *tensor.Tensor
	if ext == ".pb" {
		t, err = decodeTensorProtoFile(data)
	} else {
		t, err = decodeNPY(data)
	}
	if err != nil {
		return nil, fmt.Errorf("frontend: %s: %v", path, err)
	}
	return t, nil
}

// decodeTensorProtoFile decodes the bytes of a .pb tensor file.
func decodeTensorProtoFile(data []byte) (*tensor.Tensor, error) {
	var tp onnx.TensorProto
	if err := proto.Unmarshal(data, &tp); err != nil {
		return nil, fmt.Errorf("not a valid TensorProto: %v", err)
	}
	if tp.GetDataType() == 0 && len(tp.GetDims()) == 0 && !hasData(&tp) {
		return nil, fmt.Errorf("holds no tensor (no element type, dims or data: not a TensorProto?)")
	}
	return DecodeTensorProto(&tp)
}

// Write writes t atomically as a TensorProto (.pb, with the given
// name) or a NumPy file (.npy, name unused), chosen by the extension.
func Write(path string, t *tensor.Tensor, name string) error {
	var data []byte
	var err error
	switch strings.ToLower(filepath.Ext(path)) {
	case ".pb":
		var tp *onnx.TensorProto
		if tp, err = EncodeTensorProto(t, name); err == nil {
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
