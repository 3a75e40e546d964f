#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# The Python side of bench_eval_throughput: the demo model on the Fashion-MNIST test set, run by
# Debian's python3-torch (the same LibTorch 1.13 underneath) the way a user would: torch.jit.load,
# eval mode, no_grad, batches of 250, two threads. Median of 5 timed passes after a warm-up.
import gzip
import json
import os
import statistics
import sys
import time
import zipfile

import numpy as np
import torch

here = os.path.dirname(os.path.abspath(__file__))
model_path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "..", "resources", "demo",
                                                                 "fashion_resnet8.pt")
data = "/usr/share/datasets/fashion-mnist"
torch.set_num_threads(os.cpu_count())

with gzip.open(os.path.join(data, "t10k-images-idx3-ubyte.gz")) as f:
    images = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 1, 28, 28)
with gzip.open(os.path.join(data, "t10k-labels-idx1-ubyte.gz")) as f:
    labels = torch.from_numpy(np.frombuffer(f.read(), np.uint8, offset=8).astype(np.int64))
with zipfile.ZipFile(model_path) as z:
    meta = json.loads(next(z.read(n) for n in z.namelist() if n.endswith("extra/quantscope.json")))
mean, std = meta["mean"][0], meta["std"][0]
model = torch.jit.load(model_path).eval()
images = torch.from_numpy(images.copy())


def run(model, limit=None):
    correct = 0
    n = images.shape[0] if limit is None else limit
    with torch.no_grad():
        for i in range(0, n, 250):
            x = (images[i:i + 250].float() / 255 - mean) / std
            correct += (model(x).argmax(1) == labels[i:i + 250]).sum().item()
    return correct / n


# As loaded, and frozen (BatchNorm folded, as QuantScope's importer does) for a like-for-like
# comparison.
for name, m in [("as loaded", model), ("torch.jit.freeze", torch.jit.freeze(model))]:
    run(m, 1000)
    rates = []
    for _ in range(5):
        start = time.perf_counter()
        top1 = run(m)
        rates.append(images.shape[0] / (time.perf_counter() - start))
    print("python3-torch eval (%s): %d images, batch 250, %d threads: median %.0f images/s "
          "(min %.0f, max %.0f), top-1 %.2f %%"
          % (name, images.shape[0], torch.get_num_threads(), statistics.median(rates),
             min(rates), max(rates), top1 * 100))
