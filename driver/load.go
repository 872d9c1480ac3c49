package driver

import (
	"fmt"
	"os"
	"strings"

	"github.com/pimc-dev/pimc/frontend"
	"github.com/pimc-dev/pimc/ir"
)

// Load reads an ONNX model or a .pir file (chosen by the extension .pir)
// and verifies it. opt applies to ONNX models only.
func Load(path string, opt frontend.Options) (*ir.Graph, error) {
	if strings.HasSuffix(path, ".pir") {
		if len(opt.Shapes) > 0 || len(opt.Bind) > 0 {
			// The ONNX import applies them; a .pir has its shapes and
			// constants already, and ignoring the flags would hide that.
			return nil, fmt.Errorf("%s: -shape and -bind apply to ONNX models; a .pir file has fixed shapes and constants", path)
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return nil, err // *PathError already names the file
		}
		g, err := ir.Parse(path, src)
		if err != nil {
			return nil, err
		}
		if err := ir.Verify(g); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if len(g.Outputs) == 0 {
			// As the ONNX import refuses it: nothing would be computed,
			// and compile would write an empty program.
			return nil, fmt.Errorf("%s: the graph has no outputs (no output line)", path)
		}
		return g, nil
	}
	return frontend.Load(path, opt)
}
