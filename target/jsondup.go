package target

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// errJSONSyntax stops the duplicate scan; the real decoder reports syntax.
var errJSONSyntax = errors.New("json syntax")

// checkJSONDuplicates reports a key given twice in one JSON object, which
// encoding/json would silently resolve to the last value (YAML rejects it).
func checkJSONDuplicates(data []byte) error {
	err := scanJSON(json.NewDecoder(bytes.NewReader(data)), "", 0)
	if errors.Is(err, errJSONSyntax) {
		return nil
	}
	return err
}

func scanJSON(d *json.Decoder, path string, depth int) error {
	if depth > 64 {
		return errJSONSyntax // far deeper than any description: leave it to the decoder
	}
	tok, err := d.Token()
	if err != nil {
		return errJSONSyntax
	}
	switch tok {
	case json.Delim('{'):
		seen := map[string]bool{}
		for d.More() {
			kt, err := d.Token()
			k, ok := kt.(string)
			if err != nil || !ok {
				return errJSONSyntax
			}
			if seen[k] {
				where := path
				if where == "" {
					where = "the top-level object"
				}
				return fmt.Errorf("key %q given twice in %s", k, where)
			}
			seen[k] = true
			sub := k
			if path != "" {
				sub = path + "." + k
			}
			if err := scanJSON(d, sub, depth+1); err != nil {
				return err
			}
		}
	case json.Delim('['):
		for i := 0; d.More(); i++ {
			if err := scanJSON(d, fmt.Sprintf("%s[%d]", path, i), depth+1); err != nil {
				return err
			}
		}
	default:
		return nil
	}
	if _, err := d.Token(); err != nil { // closing delimiter
		return errJSONSyntax
	}
	return nil
}
