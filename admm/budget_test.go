package admm

import (
	"strings"
	"testing"
)

func TestParseBudget(t *testing.T) {
	for s, want := range map[string]Budget{
		"subarrays=5":   {"subarrays", 5},
		"energy=1.2uJ":  {"energy", 1.2e6},
		"energy=900nJ":  {"energy", 900e3},
		"energy=2":      {"energy", 2e6},
		"latency=300us": {"latency", 300e3},
		"latency=1ms":   {"latency", 1e6},
		"latency=250":   {"latency", 250e3},
	} {
		b, err := ParseBudget(s)
		if err != nil || b.Resource != want.Resource || b.Limit != want.Limit {
			t.Errorf("ParseBudget(%q) = %+v, %v; want %+v", s, b, err, want)
		}
	}
	for s, want := range map[string]string{
		"subarrays":       "want subarrays=N",
		"area=3":          `unknown resource "area"`,
		"subarrays=2.5":   "whole number",
		"energy=-1uJ":     "positive number with pJ",
		"latency=3 hours": "positive number with ns",
		"energy=1kJ":      "positive number",
		"subarrays=0":     "positive",
	} {
		if _, err := ParseBudget(s); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseBudget(%q): error %v, want one containing %q", s, err, want)
		}
	}
}
