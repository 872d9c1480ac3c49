"""Write upsample_nearest.onnx: a tiny seeded random-weight PyTorch model
with nearest upsampling (conv 3->8 3x3, relu, nn.Upsample(scale_factor=2,
mode='nearest'), conv 8->4 3x3, relu) on a 1x3x8x8 input, exported as
PyTorch does it (Resize, coordinate_transformation_mode asymmetric,
nearest_mode floor). pimc's resize-lower puts the Resize on the device
(go test ./backend -run NearestUpsample).

usage: /usr/bin/python3 testdata/models/upsample/gen_upsample.py
(Debian python3-torch 1.13 and python3-onnx 1.12)
"""
import os

import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))

torch.manual_seed(5)
model = nn.Sequential(
    nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(),
    nn.Upsample(scale_factor=2, mode="nearest"),
    nn.Conv2d(8, 4, 3, padding=1), nn.ReLU(),
).eval()
torch.onnx.export(model, torch.zeros(1, 3, 8, 8), os.path.join(HERE, "upsample_nearest.onnx"),
                  input_names=["x"], output_names=["y"], opset_version=13)
