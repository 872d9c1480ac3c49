"""Writes the inputs of the pretrained-model cases (cases.txt): a line of
text rendered with DejaVu Sans (Debian fonts-dejavu-core) for the PaddleOCR
models, normalised as PaddleOCR's own preprocessing does, and seeded
uniform noise for the openWakeWord embedding model (whose input, mel
frames, comes from another model). Debian python3 with NumPy and PIL:

    /usr/bin/python3 testdata/pretrained/gen_inputs.py testdata/pretrained
"""
import sys

import numpy as np
from PIL import Image, ImageDraw, ImageFont

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


def text_image(w, h, text, size):
    """Black text on white, RGB, as float32 [3, h, w] in [0, 1]."""
    img = Image.new("RGB", (w, h), "white")
    d = ImageDraw.Draw(img)
    font = ImageFont.truetype(FONT, size)
    d.text((4, (h - size) // 2 - 2), text, fill="black", font=font)
    return (np.asarray(img, dtype=np.float32) / 255).transpose(2, 0, 1)


def main(out):
    # Detection (PP-OCRv4 det): ImageNet mean and std, sides multiples of 32.
    mean = np.array([0.485, 0.456, 0.406], np.float32).reshape(3, 1, 1)
    std = np.array([0.229, 0.224, 0.225], np.float32).reshape(3, 1, 1)
    det = (text_image(128, 64, "PIM 2026", 26) - mean) / std
    # Recognition (height 48) and direction classification (48x192): (x-0.5)/0.5.
    rec = (text_image(64, 48, "PIM", 28) - 0.5) / 0.5
    cls = (text_image(192, 48, "pimc 2026", 28) - 0.5) / 0.5
    emb = np.random.default_rng(20261205).random((1, 76, 32, 1), dtype=np.float32) * 2 - 1
    for name, x in [("ppocr-det", det[None]), ("ppocr-rec", rec[None]), ("ppocr-cls", cls[None]), ("oww-embedding", emb)]:
        np.save(f"{out}/{name}.in.npy", np.ascontiguousarray(x, dtype=np.float32))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else ".")
