#!/bin/sh
# Retrains the embedded demo model (about 2 minutes on 2 cores). The defaults
# of pimc train are: 12 epochs, batch 64, SGD momentum 0.9, lr 0.05 cosine,
# weight decay 5e-4, seed 1.
set -e
cd "$(dirname "$0")/../../.."
go run ./cmd/pimc train lenet5 -dataset mnist -o testdata/models/lenet5/lenet5.onnx
