package backend_test

import (
	"testing"

	"github.com/pimc-dev/pimc/backend"
)

// FuzzParseHost: the host-section parser never panics, whatever the bytes.
func FuzzParseHost(f *testing.F) {
	f.Add([]byte("pimc-host 1\ngraph-inputs 1\ngraph-outputs 1\nsegment 0 in \"x_q\" out \"y\"\npir\npir 1\ngraph \"g\" stage=quantized\ninput %x: f32[1]\noutput %x\n"))
	f.Add([]byte("pimc-host 1\npir\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		backend.ParseHost(data)
	})
}
