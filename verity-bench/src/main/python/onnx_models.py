#!/usr/bin/env python3
"""The imported models of `./verity bench train`: PyTorch modules, exported to ONNX for Verity.

One definition serves both sides: reference_train.py trains these modules in PyTorch, and
`--out DIR` exports each (training mode, initial weights as initializers) to
DIR/<name>/model.onnx with a random data set DIR/<name>/data.npz of the same shapes, which Verity
imports and trains (`ModelConfig.Onnx`, `DataFiles`).

  onnx-cnn          the examples/pytorch-roundtrip CNN: (Conv 3x3 pad 1 + BatchNorm2d + ReLU + MaxPool 2) x2
                    (16 then 32 channels) on 1x28x28, Linear 1568-10; batch 64
  onnx-resnet       a small ResNet on 1x28x28: stem Conv 1-16 + BN + ReLU, basic blocks 16-16 (identity
                    shortcut), 16-32 and 32-64 (stride 2, 1x1-conv + BN shortcut), global average pool,
                    Linear 64-10; batch 64
  onnx-transformer  an encoder classifier: token + learned position embeddings (vocab 64, T 64), two pre-norm
                    blocks (d 128, 4 heads, GELU MLP 512), final LayerNorm, mean over positions, Linear to
                    10 classes; batch 32

Both sides train with SGD, momentum 0.9, mean cross-entropy (Verity's defaults for an imported model).

  LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp python3 onnx_models.py --out DIR [--models onnx-cnn]
"""
import argparse
import io
import math
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

OPSET = 17
# Samples in each exported data set: the batches are gathered from it, so its size only costs disk.
SAMPLES = 4096


class Cnn(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2))
        self.head = nn.Linear(32 * 7 * 7, 10)

    def forward(self, x):
        return self.head(self.features(x).flatten(1))


class BasicBlock(nn.Module):
    """conv3x3-bn-relu-conv3x3-bn, plus the identity or a 1x1-conv-bn shortcut, then relu."""

    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.shortcut = None
        if stride != 1 or cin != cout:
            self.shortcut = nn.Sequential(nn.Conv2d(cin, cout, 1, stride=stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        return F.relu(y + (x if self.shortcut is None else self.shortcut(x)))


class ResNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(1, 16, 3, padding=1, bias=False), nn.BatchNorm2d(16), nn.ReLU())
        self.blocks = nn.Sequential(BasicBlock(16, 16, 1), BasicBlock(16, 32, 2), BasicBlock(32, 64, 2))
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(64, 10)

    def forward(self, x):
        return self.fc(torch.flatten(self.pool(self.blocks(self.stem(x))), 1))


class SelfAttention(nn.Module):
    """Multi-head self-attention written out (qkv Linear, MatMul, Softmax, MatMul, proj), with the sequence
    length fixed at construction so that the export has constant Reshape shapes."""

    def __init__(self, d, heads, t):
        super().__init__()
        self.d, self.heads, self.t, self.hd = d, heads, t, d // heads
        self.scale = 1.0 / math.sqrt(self.hd)
        self.qkv = nn.Linear(d, 3 * d)
        self.proj = nn.Linear(d, d)

    def forward(self, x):
        q, k, v = self.qkv(x).split(self.d, dim=2)
        q = q.reshape(-1, self.t, self.heads, self.hd).transpose(1, 2)
        k = k.reshape(-1, self.t, self.heads, self.hd).transpose(1, 2)
        v = v.reshape(-1, self.t, self.heads, self.hd).transpose(1, 2)
        att = torch.softmax(torch.matmul(q, k.transpose(2, 3)) * self.scale, dim=-1)
        return self.proj(torch.matmul(att, v).transpose(1, 2).reshape(-1, self.t, self.d))


class Block(nn.Module):
    def __init__(self, d, heads, hidden, t):
        super().__init__()
        self.ln1 = nn.LayerNorm(d)
        self.attn = SelfAttention(d, heads, t)
        self.ln2 = nn.LayerNorm(d)
        self.mlp = nn.Sequential(nn.Linear(d, hidden), nn.GELU(), nn.Linear(hidden, d))

    def forward(self, x):
        x = x + self.attn(self.ln1(x))
        return x + self.mlp(self.ln2(x))


class Transformer(nn.Module):
    def __init__(self, vocab=64, classes=10, t=64, d=128, heads=4, hidden=512, layers=2):
        super().__init__()
        self.tok = nn.Embedding(vocab, d)
        self.pos = nn.Parameter(torch.randn(t, d) * 0.02)
        self.blocks = nn.Sequential(*[Block(d, heads, hidden, t) for _ in range(layers)])
        self.ln = nn.LayerNorm(d)
        self.head = nn.Linear(d, classes)

    def forward(self, x):
        return self.head(self.ln(self.blocks(self.tok(x) + self.pos)).mean(dim=1))


class Spec:
    """A bench model: its module, batch, one sample's shape and what the samples hold."""

    def __init__(self, make, batch, shape, vocab=0, classes=10):
        self.make, self.batch, self.shape, self.vocab, self.classes = make, batch, shape, vocab, classes

    def inputs(self, n, gen):
        """n random samples: images in [0, 1), or token ids below the vocabulary."""
        if self.vocab:
            return torch.randint(0, self.vocab, (n,) + self.shape, generator=gen)
        return torch.rand((n,) + self.shape, generator=gen)

    def labels(self, n, gen):
        return torch.randint(0, self.classes, (n,), generator=gen)


MODELS = {
    "onnx-cnn": Spec(Cnn, 64, (1, 28, 28)),
    "onnx-resnet": Spec(ResNet, 64, (1, 28, 28)),
    "onnx-transformer": Spec(Transformer, 32, (64,), vocab=64),
}


def export(name, out, seed=1):
    """Writes out/name/model.onnx (initial weights, training mode) and out/name/data.npz (x, y)."""
    spec = MODELS[name]
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    model = spec.make().train()
    initial = {k: v.detach().clone() for k, v in model.state_dict().items()}
    x, y = spec.inputs(SAMPLES, gen), spec.labels(SAMPLES, gen)
    f = io.BytesIO()
    torch.onnx.export(model, x[:spec.batch], f, training=torch.onnx.TrainingMode.TRAINING, do_constant_folding=False,
                      opset_version=OPSET, input_names=["x"], output_names=["logits"])
    # tracing ran one training-mode pass, which moved BatchNorm's running statistics: the file gets the initial ones
    import onnx
    import onnx.numpy_helper
    proto = onnx.load_from_string(f.getvalue())
    for init in proto.graph.initializer:
        if init.name in initial:
            init.CopyFrom(onnx.numpy_helper.from_array(initial[init.name].numpy(), init.name))
    d = os.path.join(out, name)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "model.onnx"), "wb") as fo:
        fo.write(proto.SerializeToString())
    np.savez(os.path.join(d, "data.npz"), x=x.numpy(), y=y.numpy())
    return sum(p.numel() for p in model.parameters())


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True, help="directory to write <model>/model.onnx and data.npz into")
    ap.add_argument("--models", default=",".join(MODELS), help="comma-separated (default: all)")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    for name in a.models.split(","):
        if name not in MODELS:
            raise SystemExit("unknown model '%s' (known: %s)" % (name, ", ".join(MODELS)))
        print("%s: %d parameters -> %s" % (name, export(name, a.out, a.seed), os.path.join(a.out, name)))


if __name__ == "__main__":
    main()
