# A hand-written graph: the parser accepts comments, blank lines and
# any spacing; names that are not identifiers are quoted.
pir 1

graph "tiny"   producer="hand" opset=13 stage=canonical

input %"gpu_0/data_0": f32[1,4]
const %w: f32[2,4] = [0.5, 1, 1.5e0, -0,     # line breaks inside brackets are allowed
                      -inf, nan, nan(0x7fc00001), 2]
const %bias: f32[2] = [0, 0]
const %7: i64[2] = [3, -7]      # numbered: anonymous

%h: f32[1,2] = fc(%"gpu_0/data_0", %w, _) @"Gemm_0":Gemm
%c: f32[1,2] quant{bits=8, signed=true, axis=-1, scale=[0.25], zero_point=[0]} = clip(%h) {max=6.0, min=0.0}
%a: f32[1,1], %5: f32[1,1] name="b" = split(%c) {split=[1,1], axis=1}   # attributes in any order

output %a, %5
