package tensorio

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"

	"github.com/pimc-dev/pimc/ir/tensor"
)

// NumPy .npy format (numpy.lib.format, versions 1.0, 2.0, 3.0): the magic
// "\x93NUMPY", a major and minor version byte, the header length (uint16 LE
// in v1, uint32 LE in v2/v3), and a Python dict literal header with keys
// 'descr', 'fortran_order' and 'shape', then the raw C-order data.
const npyMagic = "\x93NUMPY"

var npyDescr = map[string]tensor.DType{
	"f4": tensor.Float32, "f8": tensor.Float64, "f2": tensor.Float16,
	"i1": tensor.Int8, "i2": tensor.Int16, "i4": tensor.Int32, "i8": tensor.Int64,
	"u1": tensor.Uint8, "u2": tensor.Uint16, "u4": tensor.Uint32, "u8": tensor.Uint64,
	"b1": tensor.Bool,
}

// decodeNPY parses one .npy file.
func decodeNPY(data []byte) (*tensor.Tensor, error) {
	if len(data) < 10 || string(data[:6]) != npyMagic {
		return nil, fmt.Errorf("not a NumPy .npy file (bad magic)")
	}
	major := data[6]
	var hlen, off int
	switch major {
	case 1:
		hlen, off = int(binary.LittleEndian.Uint16(data[8:10])), 10
	case 2, 3:
		if len(data) < 12 {
			return nil, fmt.Errorf(".npy header truncated")
		}
		hlen, off = int(binary.LittleEndian.Uint32(data[8:12])), 12
	default:
		return nil, fmt.Errorf(".npy format version %d.%d is not supported (want 1, 2 or 3)", major, data[7])
	}
	if hlen < 0 || off+hlen > len(data) {
		return nil, fmt.Errorf(".npy header truncated")
	}
	descr, fortran, shape, err := parseNPYHeader(string(data[off : off+hlen]))
	if err != nil {
		return nil, err
	}
	if fortran {
		return nil, fmt.Errorf(".npy array is in Fortran order: save it C-contiguous (numpy.ascontiguousarray)")
	}
	if len(descr) != 3 {
		return nil, fmt.Errorf(".npy dtype %q is not supported", descr)
	}
	switch descr[0] {
	case '<', '|', '=':
	case '>':
		if descr[1:] != "i1" && descr[1:] != "u1" && descr[1:] != "b1" {
			return nil, fmt.Errorf(".npy dtype %q is big-endian: only little-endian is supported", descr)
		}
	default:
		return nil, fmt.Errorf(".npy dtype %q is not supported", descr)
	}
	dt, ok := npyDescr[descr[1:]]
	if !ok {
		return nil, fmt.Errorf(".npy dtype %q is not supported", descr)
	}
	dims := make([]int64, len(shape))
	for i, d := range shape {
		dims[i] = int64(d)
	}
	if _, err := ShapeFromDims(dims); err != nil {
		return nil, fmt.Errorf(".npy: %v", err)
	}
	if err := checkTensorSize(dt, shape); err != nil {
		return nil, fmt.Errorf(".npy: %v", err)
	}
	t, err := decodeRaw(dt, shape, data[off+hlen:])
	if err != nil {
		return nil, fmt.Errorf(".npy payload %v", err)
	}
	return t, nil
}

// parseNPYHeader reads the three keys of the header dict. It accepts the
// literal forms numpy writes (single or double quotes, True/False, tuples).
func parseNPYHeader(h string) (descr string, fortran bool, shape []int, err error) {
	h = strings.TrimSpace(h)
	if !strings.HasPrefix(h, "{") || !strings.HasSuffix(h, "}") {
		return "", false, nil, fmt.Errorf(".npy header is not a dict: %.60q", h)
	}
	body := h[1 : len(h)-1]
	get := func(key string) (string, bool) {
		for _, q := range []string{"'", `"`} {
			if i := strings.Index(body, q+key+q); i >= 0 {
				rest := strings.TrimSpace(body[i+len(key)+2:])
				if !strings.HasPrefix(rest, ":") {
					return "", false
				}
				return strings.TrimSpace(rest[1:]), true
			}
		}
		return "", false
	}
	d, ok := get("descr")
	if !ok || len(d) < 2 || (d[0] != '\'' && d[0] != '"') {
		return "", false, nil, fmt.Errorf(".npy header has no string 'descr': %.80q", h)
	}
	end := strings.IndexByte(d[1:], d[0])
	if end < 0 {
		return "", false, nil, fmt.Errorf(".npy header: unterminated 'descr'")
	}
	descr = d[1 : 1+end]
	f, ok := get("fortran_order")
	switch {
	case !ok:
		return "", false, nil, fmt.Errorf(".npy header has no 'fortran_order'")
	case strings.HasPrefix(f, "True"):
		fortran = true
	case strings.HasPrefix(f, "False"):
	default:
		return "", false, nil, fmt.Errorf(".npy header: bad 'fortran_order' %.20q", f)
	}
	s, ok := get("shape")
	if !ok || !strings.HasPrefix(s, "(") {
		return "", false, nil, fmt.Errorf(".npy header has no tuple 'shape'")
	}
	close := strings.IndexByte(s, ')')
	if close < 0 {
		return "", false, nil, fmt.Errorf(".npy header: unterminated 'shape'")
	}
	shape = []int{}
	for _, part := range strings.Split(s[1:close], ",") {
		part = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(part), "L"))
		if part == "" {
			continue
		}
		v, err := strconv.Atoi(part)
		if err != nil || v < 0 {
			return "", false, nil, fmt.Errorf(".npy header: bad dimension %q in 'shape'", part)
		}
		shape = append(shape, v)
	}
	return descr, fortran, shape, nil
}

// encodeNPY writes t as a version 1.0 .npy file (version 2.0 if the header
// does not fit 64 KiB), little-endian, C order.
func encodeNPY(t *tensor.Tensor) ([]byte, error) {
	if err := CheckPayload(t); err != nil {
		return nil, err
	}
	var descr string
	for k, v := range npyDescr {
		if v == t.DType {
			descr = k
		}
	}
	if descr == "" {
		return nil, fmt.Errorf("element type %s has no NumPy equivalent", t.DType)
	}
	order := "<"
	if t.DType.Bits() == 8 {
		order = "|"
	}
	var shape strings.Builder
	shape.WriteByte('(')
	for i, d := range t.Shape {
		if i > 0 {
			shape.WriteString(", ")
		}
		shape.WriteString(strconv.Itoa(d))
	}
	if len(t.Shape) == 1 {
		shape.WriteByte(',')
	}
	shape.WriteByte(')')
	header := fmt.Sprintf("{'descr': '%s%s', 'fortran_order': False, 'shape': %s, }", order, descr, shape.String())
	raw, err := encodeRaw(t)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	b.WriteString(npyMagic)
	pre := 10
	if len(header)+pre+1 > 65535 {
		pre = 12
	}
	// Pad with spaces so the data starts on a 64-byte boundary, as numpy does.
	total := (pre + len(header) + 1 + 63) / 64 * 64
	header += strings.Repeat(" ", total-pre-len(header)-1) + "\n"
	if pre == 10 {
		b.Write([]byte{1, 0})
		binary.Write(&b, binary.LittleEndian, uint16(len(header)))
	} else {
		b.Write([]byte{2, 0})
		binary.Write(&b, binary.LittleEndian, uint32(len(header)))
	}
	b.WriteString(header)
	b.Write(raw)
	return b.Bytes(), nil
}
