package tensor

// LayoutHint says how a tensor of shape got relates to the rank-4 image
// shape want when it holds the same image with its channel axis moved: a
// channels-last (NHWC) array given to an NCHW input, or the reverse. got
// may have any multiple of want's dimension 0 (a batch), or rank 3 with the
// batch dimension left out. It returns "" when neither applies. Commands
// append it to the shape mismatch error, because the element counts agree
// and the mistake is otherwise hard to see.
func LayoutHint(got, want []int) string {
	if len(want) != 4 || (len(got) != 4 && len(got) != 3) {
		return ""
	}
	img := got
	if len(got) == 4 {
		if want[0] < 1 || got[0]%want[0] != 0 {
			return ""
		}
		img = got[1:]
	}
	c, h, w := want[1], want[2], want[3]
	switch {
	case SameShape(img, want[1:]):
		return ""
	case SameShape(img, []int{h, w, c}):
		return "looks channels-last (NHWC) while the input is NCHW: transpose it to NCHW (numpy: x.transpose(0, 3, 1, 2))"
	case SameShape(img, []int{w, c, h}): // want is NHWC [n, H, W, C] = [n, c, h, w] here
		return "looks channels-first (NCHW) while the input is NHWC: transpose it to NHWC (numpy: x.transpose(0, 2, 3, 1))"
	}
	return ""
}
