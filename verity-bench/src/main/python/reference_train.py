#!/usr/bin/env python3
"""PyTorch CPU reference for `./verity bench train`.

Builds the same models as Verity's defaults (dev.verity.tensor.model.ModelConfig, nn.Layers,
train.TrainConfig / StepGraphs), with the same batch sizes and optimizers, and prints one JSON
object with the training throughput in samples/s after a warm-up.

  mlp    784-512-512-10 ReLU, cross-entropy, SGD momentum 0.9, batch 128
  lenet5 conv 6@5x5 pad 2, relu, maxpool 2, conv 16@5x5, relu, maxpool 2, fc 120, relu, fc 84,
         relu, fc 10; SGD momentum 0.9, batch 128
  gpt    2 pre-norm blocks, d 128, 4 heads, context 64, vocab 65 (--vocab: the harness
         passes the size of Verity's shipped corpus); separate q/k/v/proj Linear with
         bias, GELU (erf) MLP of 4d, final LayerNorm, untied head without bias; AdamW (0.9, 0.95,
         eps 1e-8, weight decay 0.01 on weights of rank >= 2 only, as Verity), batch 32, grad
         clip 1.0

  onnx-cnn, onnx-resnet, onnx-transformer
         the modules of onnx_models.py, the very definitions whose ONNX export Verity trains; SGD
         momentum 0.9 (Verity's default for an imported model), batch of the export (64, 64, 32)

Data is random (same shapes as Fashion-MNIST / the character corpus); every step gathers its batch
from a 60,000-sample (or 1M-token) pool, as Verity's GATHER ops do. Verity's cosine learning-rate
schedule costs one scalar per step and is left out (constant lr).

Run with the OpenMP OpenBLAS (Debian libopenblas0-openmp), or torch's OpenMP threads and the
pthread OpenBLAS fight over the cores:
  LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp python3 reference_train.py --model mlp --threads 1
"""
import argparse
import json
import math
import os
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

import onnx_models  # next to this file: the imported models' definitions, shared with their ONNX export


class Mlp(nn.Module):
    def __init__(self, sizes=(784, 512, 512, 10)):
        super().__init__()
        layers = []
        for i in range(len(sizes) - 1):
            layers.append(nn.Linear(sizes[i], sizes[i + 1]))
            if i + 2 < len(sizes):
                layers.append(nn.ReLU())
        self.net = nn.Sequential(*layers)

    def forward(self, x):
        return self.net(x.view(x.shape[0], -1))


class LeNet5(nn.Module):
    def __init__(self, classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5, padding=2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, classes)

    def forward(self, x):
        x = x.view(x.shape[0], 1, 28, 28)
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = x.flatten(1)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)


class Attention(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.h = heads
        self.q = nn.Linear(d, d)
        self.k = nn.Linear(d, d)
        self.v = nn.Linear(d, d)
        self.proj = nn.Linear(d, d)

    def forward(self, x):
        b, t, d = x.shape
        hd = d // self.h
        q = self.q(x).view(b, t, self.h, hd).transpose(1, 2)
        k = self.k(x).view(b, t, self.h, hd).transpose(1, 2)
        v = self.v(x).view(b, t, self.h, hd).transpose(1, 2)
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(hd))
        mask = torch.ones(t, t, dtype=torch.bool, device=x.device).triu(1)
        att = F.softmax(att.masked_fill(mask, float("-inf")), dim=-1)
        y = (att @ v).transpose(1, 2).reshape(b, t, d)
        return self.proj(y)


class Block(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.ln1 = nn.LayerNorm(d, eps=1e-5)
        self.attn = Attention(d, heads)
        self.ln2 = nn.LayerNorm(d, eps=1e-5)
        self.fc = nn.Linear(d, 4 * d)
        self.proj = nn.Linear(4 * d, d)

    def forward(self, x):
        x = x + self.attn(self.ln1(x))
        return x + self.proj(F.gelu(self.fc(self.ln2(x))))


class Gpt(nn.Module):
    def __init__(self, layers=2, d=128, heads=4, ctx=64, vocab=65):
        super().__init__()
        self.wte = nn.Embedding(vocab, d)
        self.wpe = nn.Parameter(torch.zeros(ctx, d).uniform_(-0.0346, 0.0346))
        self.blocks = nn.ModuleList([Block(d, heads) for _ in range(layers)])
        self.ln_f = nn.LayerNorm(d, eps=1e-5)
        self.head = nn.Linear(d, vocab, bias=False)

    def forward(self, idx):
        b, t = idx.shape
        h = self.wte(idx) + self.wpe[:t]
        for blk in self.blocks:
            h = blk(h)
        return self.head(self.ln_f(h)).view(b * t, -1)


def setup(model, gen, vocab):
    """Returns (module, optimizer, batch, next_batch(step) -> (x, y), clip)."""
    if model in ("mlp", "lenet5"):
        batch = 128
        pool_x = torch.rand(60000, 784, generator=gen)
        pool_y = torch.randint(0, 10, (60000,), generator=gen)
        net = Mlp() if model == "mlp" else LeNet5()
        opt = torch.optim.SGD(net.parameters(), lr=0.05, momentum=0.9)

        def next_batch(step):
            idx = torch.randint(0, pool_x.shape[0], (batch,), generator=gen)
            return pool_x.index_select(0, idx), pool_y.index_select(0, idx)

        return net, opt, batch, next_batch, 0.0
    if model == "gpt":
        batch, ctx = 32, 64
        tokens = torch.randint(0, vocab, (1_000_000,), generator=gen)
        net = Gpt(2, 128, 4, ctx, vocab)
        decay = [p for p in net.parameters() if p.dim() >= 2]
        no_decay = [p for p in net.parameters() if p.dim() < 2]
        opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.01},
                                 {"params": no_decay, "weight_decay": 0.0}],
                                lr=3e-3, betas=(0.9, 0.95), eps=1e-8)
        offsets = torch.arange(ctx)

        def next_batch(step):
            start = torch.randint(0, tokens.shape[0] - ctx - 1, (batch, 1), generator=gen)
            pos = start + offsets
            return tokens[pos], tokens[pos + 1].view(-1)

        return net, opt, batch, next_batch, 1.0
    if model in onnx_models.MODELS:
        spec = onnx_models.MODELS[model]
        net = spec.make()
        pool_x, pool_y = spec.inputs(onnx_models.SAMPLES, gen), spec.labels(onnx_models.SAMPLES, gen)
        opt = torch.optim.SGD(net.parameters(), lr=0.05, momentum=0.9)

        def next_batch(step):
            idx = torch.randint(0, pool_x.shape[0], (spec.batch,), generator=gen)
            return pool_x.index_select(0, idx), pool_y.index_select(0, idx)

        return net, opt, spec.batch, next_batch, 0.0
    raise SystemExit("unknown model '%s' (known: mlp, lenet5, gpt, %s)" % (model, ", ".join(onnx_models.MODELS)))


def loaded_blas():
    """The BLAS library this process loaded: Debian's torch calls whatever libblas.so.3 resolves to, and the
    reference (netlib) BLAS there is 20-30x slower than OpenBLAS, which would make every matmul-heavy row a sham."""
    try:
        with open("/proc/self/maps") as f:
            libs = {line.split()[-1] for line in f if "blas" in line.split()[-1]}
        return ",".join(sorted(libs))
    except OSError:
        return "unknown"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", required=True, choices=["mlp", "lenet5", "gpt"] + list(onnx_models.MODELS))
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--warmup", type=int, default=20, help="untimed steps first")
    ap.add_argument("--steps", type=int, default=100, help="timed steps")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--vocab", type=int, default=65,
                    help="gpt vocabulary (the harness passes the size of Verity's corpus)")
    a = ap.parse_args()
    if a.threads < 1 or a.steps < 1 or a.warmup < 0 or a.vocab < 2:
        raise SystemExit("threads and steps must be >= 1, warmup >= 0")
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    gen = torch.Generator().manual_seed(a.seed)
    net, opt, batch, next_batch, clip = setup(a.model, gen, a.vocab)
    net.train()

    def step(i):
        x, y = next_batch(i)
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(net(x), y)
        loss.backward()
        if clip > 0:
            torch.nn.utils.clip_grad_norm_(net.parameters(), clip)
        opt.step()
        return loss

    for i in range(a.warmup):
        step(i)
    t0 = time.perf_counter()
    for i in range(a.steps):
        loss = step(a.warmup + i)
    loss = float(loss)
    secs = time.perf_counter() - t0
    print(json.dumps({
        "model": a.model, "threads": a.threads, "batch": batch, "warmup": a.warmup, "steps": a.steps,
        "seconds": secs, "samples_per_s": a.steps * batch / secs, "loss": loss,
        "params": sum(p.numel() for p in net.parameters()),
        "torch": torch.__version__, "torch_threads": torch.get_num_threads(),
        "blas": os.environ.get("LD_LIBRARY_PATH", ""), "blas_lib": loaded_blas(),
    }))


if __name__ == "__main__":
    main()
