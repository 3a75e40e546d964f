#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# The Python baseline for bench_dsq's seconds per epoch: the same DSQ QAT step on the demo
# ResNet-8 (BatchNorm folded, as QuantScope does), written directly in python3-torch: DSQ
# weight quantizers with one range per output channel, DSQ activation quantizers on every layer
# input (first layer input and first/last weights at 8 bits), LSQ's gradient scale on l and u,
# SGD with Nesterov momentum, batch 128, every core.
# Times STEPS steps after a warm-up and scales to one 60 000-image epoch.
#   /usr/bin/python3 bench/dsq_epoch.py [WBITS=4] [ABITS=4] [STEPS=100]
import gzip
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

here = os.path.dirname(os.path.abspath(__file__))
wbits = int(sys.argv[1]) if len(sys.argv) > 1 else 4
abits = int(sys.argv[2]) if len(sys.argv) > 2 else 4
steps = int(sys.argv[3]) if len(sys.argv) > 3 else 100
torch.set_num_threads(os.cpu_count())
torch.manual_seed(0)

model = torch.jit.load(os.path.join(here, "..", "resources", "demo", "fashion_resnet8.pt"))


def folded(m):
    scale = m.bn_weight / torch.sqrt(m.running_var + 1e-5)
    return ((m.weight * scale.view(-1, 1, 1, 1)).detach().clone(),
            (m.bn_bias - m.running_mean * scale).detach().clone(), m.stride, m.padding)


convs = [folded(model.stem)]
for name in ["layer1", "layer2", "layer3"]:
    block = getattr(model, name)
    convs += [folded(block.conv1), folded(block.conv2)]
    if hasattr(block, "shortcut"):
        convs.append(folded(block.shortcut))
fc_w, fc_b = model.fc.weight.detach().clone(), model.fc.bias.detach().clone()


def grad_scaled(t, g):
    return (t - t * g).detach() + t * g


class Dsq:
    # lo, hi: per-tensor floats, or [C, 1, 1, 1] tensors for one range per output channel.
    # elements: how many values share one range (LSQ's N).
    def __init__(self, bits, lo, hi, elements, fixed_lower=False):
        self.n = 2 ** bits - 1
        self.l = torch.as_tensor(lo, dtype=torch.float32).clone().requires_grad_(not fixed_lower)
        self.u = torch.as_tensor(hi, dtype=torch.float32).clone().requires_grad_(True)
        self.a = torch.tensor(0.2, requires_grad=True)
        self.g = 1 / math.sqrt(elements * self.n)

    def params(self):
        return [p for p in (self.l, self.u, self.a) if p.requires_grad]

    def __call__(self, x):
        l, u, a = grad_scaled(self.l, self.g), grad_scaled(self.u, self.g), self.a
        delta = (u - l) / self.n
        c = torch.minimum(torch.maximum(x, l), u)
        i = ((c - l) / delta).floor().clamp(0, self.n - 1).detach()
        k = torch.log(2 / a - 1) / delta
        phi = torch.tanh(k * (c - (l + (i + 0.5) * delta))) / (1 - a)
        soft = l + delta * (i + (phi + 1) / 2)
        hard = l + delta * (i + (phi.detach() >= 0).float())
        return soft + (hard - soft).detach()


layers = len(convs) + 1
wb = [8] + [wbits] * (layers - 2) + [8]
ab = [8] + [abits] * (layers - 1)
latent = [w.clone().requires_grad_(True) for w, _, _, _ in convs] + [fc_w.requires_grad_(True)]
# Weight ranges per output channel (min/max: the range search QuantScope runs is not timed).
wq = []
for b, w in zip(wb, latent):
    rows = w.detach().reshape(w.shape[0], -1)
    shape = [-1] + [1] * (w.dim() - 1)
    wq.append(Dsq(b, rows.min(1).values.view(shape), rows.max(1).values.view(shape), rows.shape[1]))
# Activation ranges: the first input's own range, then 0…max seen on one calibration batch.
act_shapes = [(1, 28, 28), (16, 28, 28), (16, 28, 28), (16, 28, 28), (32, 14, 14), (16, 28, 28),
              (32, 14, 14), (64, 7, 7), (32, 14, 14), (64,)]
aq = [Dsq(ab[0], -0.81, 2.02, math.prod(act_shapes[0]))]
aq += [Dsq(b, 0.0, 3.0, math.prod(shape), True) for b, shape in zip(ab[1:], act_shapes[1:])]


def forward(x):
    ws = [q(w) for q, w in zip(wq, latent)]

    def conv(j, t):
        _, b, stride, pad = convs[j]
        return F.conv2d(aq[j](t), ws[j], b, stride, pad)

    x = F.relu(conv(0, x))
    j = 1
    for projection in [False, True, True]:
        y = conv(j + 1, F.relu(conv(j, x)))
        x = F.relu(y + (conv(j + 2, x) if projection else x))
        j += 3 if projection else 2
    return F.linear(aq[-1](x.mean([2, 3])), ws[-1], fc_b)


with gzip.open("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz") as f:
    images = torch.from_numpy(np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 1, 28, 28)
                              .copy())
with gzip.open("/usr/share/datasets/fashion-mnist/train-labels-idx1-ubyte.gz") as f:
    labels = torch.from_numpy(np.frombuffer(f.read(), np.uint8, offset=8).astype(np.int64))
opt = torch.optim.SGD([{"params": latent, "lr": 0.002, "weight_decay": 1e-4},
                       {"params": [p for q in wq + aq for p in q.params()], "lr": 0.005}],
                      momentum=0.9, nesterov=True)
perm = torch.randperm(images.shape[0])
batch = 128


def step(s):
    idx = perm[(s * batch) % 59904:(s * batch) % 59904 + batch]
    x = (images[idx].float() / 255 - 0.286) / 0.353
    opt.zero_grad()
    loss = F.cross_entropy(forward(x), labels[idx])
    loss.backward()
    opt.step()
    with torch.no_grad():
        for q in wq + aq:
            q.a.clamp_(1e-3, 0.5)
    return loss.item()


for s in range(5):
    step(s)
start = time.perf_counter()
for s in range(steps):
    loss = step(5 + s)
seconds = time.perf_counter() - start
per_epoch = seconds / steps * math.ceil(60000 / batch)
print("python3-torch DSQ W%dA%d: %d steps in %.1f s -> %.1f s per 60 000-image epoch "
      "(%d threads, last loss %.3f)" % (wbits, abits, steps, seconds, per_epoch,
                                        torch.get_num_threads(), loss))
