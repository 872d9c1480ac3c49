package data

// CalibImages is how many images of a named dataset's training split
// calibrate activation ranges: the first CalibImages, in file order. The
// quantize pass (pimc compile -calib mnist) calibrates on them, and
// quantization-aware training (admm act_bits) computes its activation
// scales from the same images, so training sees the scales the compiled
// program will use. It lives here, the package both import, so the two
// cannot drift apart.
const CalibImages = 32
