#!/usr/bin/python3
"""Export the benchmark models to ONNX with seeded random weights.

Run with Debian's python3 (packages python3-torch, python3-torchvision,
python3-onnx), from the repository root:

    /usr/bin/python3 testdata/bench/gen_models.py testdata/bench

It writes (not committed: large, and reproducible from this script):
  lenet5.onnx          LeNet-5, 1x1x28x28 input, 10 classes
  resnet18_cifar.onnx  CIFAR-style ResNet-18 (3x3 stem, no max-pool), 1x3x32x32
  resnet18_tv32.onnx   torchvision resnet18(num_classes=10) exported at 1x3x32x32
  resnet18_cifar_bn.onnx  the CIFAR ResNet-18 with its BatchNormalization nodes kept
  vgg11_bn_32.onnx     torchvision vgg11_bn features + Linear(512, 10) (CIFAR form), 1x3x32x32 (issue 11)
  mobilenetv2_32.onnx  torchvision mobilenet_v2(num_classes=10) exported at 1x3x32x32 (issue 11's table)
  resnet18_224.onnx    torchvision resnet18() (1000 classes) exported at 1x3x224x224 (issue 11's table)
  resnet50_224.onnx    torchvision resnet50() (1000 classes) exported at 1x3x224x224 (issue 12)
  alexnet_224.onnx     torchvision alexnet() (1000 classes) exported at 1x3x224x224 (issue 12's
                       calibration against IMCE's low bit-width AlexNet, PAPER.md section 3)
  mobilenet_v3_small_64.onnx, efficientnet_b0_64.onnx, shufflenet_v2_64.onnx
                       torchvision mobilenet_v3_small / efficientnet_b0 / shufflenet_v2_x1_0
                       (num_classes=10) at 1x3x64x64 (issue 13 item 4)
  lraspp_96.onnx       torchvision segmentation lraspp_mobilenet_v3_large (4 classes, its "out"
                       map, two Resize ops) at 1x3x96x96 (issue 13's segmentation model)

Names after the directory export only those models, e.g.
    /usr/bin/python3 testdata/bench/gen_models.py /tmp/m alexnet_224

The weights are random (torch.manual_seed(0)) and BatchNormalization running
statistics are randomized so BN folding is exercised; these models measure
speed and check numerics, not accuracy.
"""
import sys

import torch
import torch.nn as nn
import torchvision


class LeNet5(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(1, 6, 5, padding=2)
        self.c2 = nn.Conv2d(6, 16, 5)
        self.f1 = nn.Linear(16 * 5 * 5, 120)
        self.f2 = nn.Linear(120, 84)
        self.f3 = nn.Linear(84, 10)

    def forward(self, x):
        x = torch.max_pool2d(torch.relu(self.c1(x)), 2)
        x = torch.max_pool2d(torch.relu(self.c2(x)), 2)
        x = torch.flatten(x, 1)
        x = torch.relu(self.f1(x))
        x = torch.relu(self.f2(x))
        return self.f3(x)


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.down = None
        if stride != 1 or cin != cout:
            self.down = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        y = torch.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        s = x if self.down is None else self.down(x)
        return torch.relu(y + s)


class ResNet18Cifar(nn.Module):
    def __init__(self, classes=10):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 64, 3, 1, 1, bias=False), nn.BatchNorm2d(64), nn.ReLU())
        layers, cin = [], 64
        for cout, stride in [(64, 1), (128, 2), (256, 2), (512, 2)]:
            layers += [BasicBlock(cin, cout, stride), BasicBlock(cout, cout, 1)]
            cin = cout
        self.layers = nn.Sequential(*layers)
        self.fc = nn.Linear(512, classes)

    def forward(self, x):
        x = self.layers(self.stem(x))
        x = torch.flatten(nn.functional.adaptive_avg_pool2d(x, 1), 1)
        return self.fc(x)


class SegmentationOut(nn.Module):
    """A torchvision segmentation model's "out" map (it returns a dict)."""

    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, x):
        return self.m(x)["out"]


def randomize_bn(model):
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.uniform_(-0.1, 0.1)
            m.running_var.uniform_(0.5, 1.5)
            m.weight.data.uniform_(0.5, 1.5)
            m.bias.data.uniform_(-0.1, 0.1)


def export(model, shape, path, keep_bn=False):
    wanted = sys.argv[2:]
    if wanted and path.rsplit("/", 1)[-1].removesuffix(".onnx") not in wanted:
        return
    model.eval()
    x = torch.zeros(*shape)
    kw = {}
    if keep_bn:
        # Keep BatchNormalization nodes (the exporter fuses them into Conv in
        # eval mode otherwise), as many real exports have them.
        kw = dict(training=torch.onnx.TrainingMode.PRESERVE, do_constant_folding=False)
    # The batch dimension is dynamic ("N"); pimc pins it with -shape (default 1).
    torch.onnx.export(model, x, path, opset_version=13, input_names=["input"], output_names=["logits"],
                      dynamic_axes={"input": {0: "N"}, "logits": {0: "N"}}, **kw)
    print("wrote", path)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "."
    torch.manual_seed(0)
    export(LeNet5(), (1, 1, 28, 28), f"{out}/lenet5.onnx")
    torch.manual_seed(0)
    m = ResNet18Cifar()
    randomize_bn(m)
    export(m, (1, 3, 32, 32), f"{out}/resnet18_cifar.onnx")
    export(m, (1, 3, 32, 32), f"{out}/resnet18_cifar_bn.onnx", keep_bn=True)
    torch.manual_seed(0)
    m = torchvision.models.resnet18(num_classes=10)
    randomize_bn(m)
    export(m, (1, 3, 32, 32), f"{out}/resnet18_tv32.onnx")
    # The parallel-engine figures (docs/PARALLEL.md, issue 11). At 32x32 the
    # features of torchvision's VGG end at 1x1x512; its adaptive 7x7 pool and
    # 25088-4096-4096 classifier (120 M weights, more than the chip's 67 M
    # cells) are ImageNet parts, replaced by the CIFAR form's Linear(512, 10).
    torch.manual_seed(0)
    m = torchvision.models.vgg11_bn(num_classes=10)
    m.avgpool = nn.Identity()
    m.classifier = nn.Linear(512, 10)
    randomize_bn(m)
    export(m, (1, 3, 32, 32), f"{out}/vgg11_bn_32.onnx")
    torch.manual_seed(0)
    m = torchvision.models.mobilenet_v2(num_classes=10)
    randomize_bn(m)
    export(m, (1, 3, 32, 32), f"{out}/mobilenetv2_32.onnx")
    torch.manual_seed(0)
    m = torchvision.models.resnet18()
    randomize_bn(m)
    export(m, (1, 3, 224, 224), f"{out}/resnet18_224.onnx")
    torch.manual_seed(0)
    m = torchvision.models.resnet50()
    randomize_bn(m)
    export(m, (1, 3, 224, 224), f"{out}/resnet50_224.onnx")
    torch.manual_seed(0)
    export(torchvision.models.alexnet(), (1, 3, 224, 224), f"{out}/alexnet_224.onnx")
    for name, make in [("mobilenet_v3_small_64", torchvision.models.mobilenet_v3_small),
                       ("efficientnet_b0_64", torchvision.models.efficientnet_b0),
                       ("shufflenet_v2_64", torchvision.models.shufflenet_v2_x1_0)]:
        torch.manual_seed(0)
        m = make(num_classes=10)
        randomize_bn(m)
        export(m, (1, 3, 64, 64), f"{out}/{name}.onnx")
    torch.manual_seed(0)
    m = SegmentationOut(torchvision.models.segmentation.lraspp_mobilenet_v3_large(
        weights=None, weights_backbone=None, num_classes=4))
    randomize_bn(m)
    export(m, (1, 3, 96, 96), f"{out}/lraspp_96.onnx")


if __name__ == "__main__":
    main()
