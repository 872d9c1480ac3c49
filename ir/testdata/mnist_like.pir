pir 1
graph "mnist" stage=import opset=8 producer="CNTK"
input %Input3: f32[1,1,28,28]
const %Parameter5: f32[8,1,5,5] = elided  # 200 elems, range [-0.03, 0.03], sparsity 0.14
const %Parameter6: f32[8] = [-1.5, -1, -0.5, 0, 0.5, 1, 1.5, -1.5]
const %"gpu_0/fc_w": f32[1568,10] = elided  # 15680 elems, range [-0.003, 0.003], sparsity 0.14
const %0: f32[1,10] = [0.5, -0.25, -0, 1e-07, 3, 0, 0, 0, 0, 0]  # 10 elems, range [-0.25, 3], sparsity 0.60
%Convolution28_Output_0: f32[1,8,28,28] = conv(%Input3, %Parameter5, %Parameter6) {dilations=[1,1], group=1, pads=[2,2,2,2], strides=[1,1]} @"Convolution28":Conv
%1: f32[1,8,28,28] = relu(%Convolution28_Output_0)
%Pooling66_Output_0: f32[1,8,14,14] = max_pool(%1) {dilations=[1,1], kernel=[2,2], pads=[0,0,0,0], strides=[2,2]} @"Pooling66":MaxPool
%2: f32[1,1568] = reshape(%Pooling66_Output_0) {shape=[1,1568]}
%3: f32[1,10] = matmul(%2, %"gpu_0/fc_w")
%Plus214_Output_0: f32[1,10] = add(%3, %0) @"Plus214":Add
%4: f32[1,10] = softmax(%Plus214_Output_0) {axis=1}
output %Plus214_Output_0
output %4
