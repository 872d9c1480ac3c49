package tensor

import (
	"strings"
	"testing"
)

func TestLayoutHint(t *testing.T) {
	for _, c := range []struct {
		got, want []int
		hint      string
	}{
		{[]int{1, 64, 64, 3}, []int{1, 3, 64, 64}, "channels-last (NHWC)"},
		{[]int{4, 32, 16, 3}, []int{1, 3, 32, 16}, "channels-last (NHWC)"}, // a batch of them
		{[]int{32, 16, 3}, []int{1, 3, 32, 16}, "channels-last (NHWC)"},    // batch axis left out
		{[]int{1, 3, 32, 16}, []int{1, 32, 16, 3}, "channels-first (NCHW)"},
		{[]int{1, 3, 64, 64}, []int{1, 3, 64, 64}, ""},
		{[]int{1, 3, 64, 64}, []int{1, 3, 32, 32}, ""},
		{[]int{3, 64, 64, 3}, []int{2, 3, 64, 64}, ""}, // 3 is not a multiple of 2
		{[]int{64, 3}, []int{1, 3, 64, 1}, ""},
		{[]int{1, 8}, []int{1, 8}, ""},
	} {
		h := LayoutHint(c.got, c.want)
		if (c.hint == "") != (h == "") || !strings.Contains(h, c.hint) {
			t.Errorf("LayoutHint(%v, %v) = %q, want %q", c.got, c.want, h, c.hint)
		}
	}
}
