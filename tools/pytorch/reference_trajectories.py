# SPDX-License-Identifier: Apache-2.0
"""Reference loss trajectories from PyTorch, for Verity's ONNX importer tests.

For each small model (mlp, cnn_bn, resnet, depthwise, transformer, gpt) this script

1. builds the model in PyTorch with a fixed torch seed and a small real data set (the first
   images of the Fashion-MNIST training set shipped with Verity, 2x2-average-pooled to 14x14, or
   character ids of the first few thousand characters of the shipped King James text);
2. exports it to ONNX as Verity's importer expects it::

       torch.onnx.export(model, x, f, training=torch.onnx.TrainingMode.TRAINING,
                         do_constant_folding=False, opset_version=17,
                         input_names=["x"], output_names=["logits"])

   (initial weights as initializers, fixed batch dimension, no dynamic axes), and checks it with
   onnx.checker.check_model;
3. trains it with torch.optim.SGD(params, lr, momentum=0.9) (momentum passed as float32(0.9),
   the value Verity and PyTorch's float32 kernels use; lr a float32 value too) and mean
   F.cross_entropy, in model.train() mode, twice from the same initial weights: once in float32
   and once with the weights cast to float64, reading the batches in Verity's order
   (KeyedShuffle.sampleAt over the 64-bit task seed, reimplemented here bit for bit: see
   philox_block / sample_at);
4. writes verity-tensor/src/test/resources/dev/verity/tensor/onnx/<name>/ with
   model.onnx, data.npz (x float32 [n, ...] and y int64 [n] for the image classifiers; x int64
   [n, T] token ids and y int64 [n] for the transformer classifier; tokens int64 [L] for gpt)
   and trajectory.json (hyperparameters, per-step losses in float32 and float64 as float64
   reprs, the sample indices of the first 3 steps, the trainable parameters, the ONNX ops).

Run from the repository root (Debian's python3-torch 1.13, python3-onnx, python3-numpy)::

    LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp /usr/bin/python3 \\
        tools/pytorch/reference_trajectories.py [--only mlp,gpt] [--check-java]

--check-java compiles nothing: after `mvn -B -o -q compile -pl verity-tensor` it runs
tools/pytorch/SampleAt.java on a few hundred (seed, n, batch, step, row) cases and fails unless
Java's KeyedShuffle.sampleAt equals this file's sample_at on every one. The fixtures themselves
never need Java.
"""

import argparse
import gzip
import io
import json
import math
import os
import random
import subprocess
import sys

import numpy as np
import onnx
import onnx.numpy_helper
import torch
import torch.nn as nn
import torch.nn.functional as F

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DATA = os.path.join(ROOT, "verity-tensor/src/main/resources/dev/verity/tensor/data")
OUT = os.path.join(ROOT, "verity-tensor/src/test/resources/dev/verity/tensor/onnx")

# Verity's 64-bit task seed for the batch order: below 2^53 so that any JSON reader keeps it
# exactly, with a nonzero high word and a low word whose top bit is set (a negative Java int).
TASK_SEED = 0x00001234_9ABCDEF0
TORCH_SEED = 0
MOMENTUM = 0.9
# The momentum both float32 trainers really use: Verity keeps it as a float attribute (0.9f) and
# PyTorch's float32 kernels cast the Python scalar to float. The float64 run uses the same value,
# so that it is the exact answer to the float32 task rather than to a task with momentum 0.9
# (the two float64 trajectories differ by up to ~1e-7, a third of PyTorch's own f32 error).
MOMENTUM_EXACT = float(np.float32(MOMENTUM))
OPSET = 17

# ---------------------------------------------------------------------------------------------
# Verity's batch order: Philox4x32-10 and the keyed Feistel shuffle (rng/Philox.java,
# rng/KeyedShuffle.java), in uint32 arithmetic.
# ---------------------------------------------------------------------------------------------
M32 = 0xFFFFFFFF
PHILOX_M0, PHILOX_M1 = 0xD2511F53, 0xCD9E8D57
PHILOX_W0, PHILOX_W1 = 0x9E3779B9, 0xBB67AE85
SHUFFLE_PURPOSE = 0x53485546  # "SHUF"
SHUFFLE_ROUNDS = 4


def philox_block(k0, k1, c0, c1, c2, c3):
    """Philox4x32-10: the four output words for key (k0, k1) and counter (c0..c3)."""
    k0, k1, c0, c1, c2, c3 = (v & M32 for v in (k0, k1, c0, c1, c2, c3))
    for _ in range(10):
        p0 = PHILOX_M0 * c0
        p1 = PHILOX_M1 * c2
        hi0, lo0 = (p0 >> 32) & M32, p0 & M32
        hi1, lo1 = (p1 >> 32) & M32, p1 & M32
        c0, c1, c2, c3 = hi1 ^ c1 ^ k0, lo1, hi0 ^ c3 ^ k1, lo0
        k0 = (k0 + PHILOX_W0) & M32
        k1 = (k1 + PHILOX_W1) & M32
    return c0, c1, c2, c3


def index_at(k0, k1, n, position):
    """KeyedShuffle.indexAt: position -> element of the keyed permutation of [0, n)."""
    assert 0 <= position < n
    if n == 1:
        return 0
    bits = (n - 1).bit_length()
    half = (bits + 1) // 2
    mask = (1 << half) - 1
    x = position
    while True:
        left, right = x >> half, x & mask
        for r in range(SHUFFLE_ROUNDS):
            f = philox_block(k0, k1, r, right, n, 0)[0] & mask
            left, right = right, left ^ f
        x = (left << half) | right
        if x < n:
            return x


def seed_words(seed):
    """DataOps.lo / hi of the 64-bit task seed (as unsigned 32-bit words)."""
    return seed & M32, (seed >> 32) & M32


def sample_at(seed, n, batch, step, row):
    """KeyedShuffle.sampleAt(lo(seed), hi(seed), n, batch, step, row)."""
    assert n > 0 and batch > 0 and step >= 0 and 0 <= row < batch
    lo, hi = seed_words(seed)
    p = step * batch + row
    epoch, pos = divmod(p, n)
    key = philox_block(lo, hi, SHUFFLE_PURPOSE, epoch & M32, (epoch >> 32) & M32, 0)
    return index_at(key[0], key[1], n, pos)


def batch_indices(seed, n, batch, step):
    return [sample_at(seed, n, batch, step, r) for r in range(batch)]


def check_java():
    """Compares sample_at with Java's KeyedShuffle.sampleAt (tools/pytorch/SampleAt.java)."""
    rnd = random.Random(1)
    cases = [(0, 1, 1, 0, 0), (0, 10, 3, 0, 0), (-1, 1000, 7, 5, 6), (TASK_SEED, 256, 32, 19, 31)]
    for _ in range(400):
        seed = rnd.choice([rnd.getrandbits(64) - (1 << 63), rnd.getrandbits(32), TASK_SEED])
        n = rnd.choice([1, 2, 3, 5, 17, 255, 256, 257, 1000, 4096, rnd.randrange(1, 1 << 20)])
        batch = rnd.randrange(1, 65)
        cases.append((seed, n, batch, rnd.randrange(0, 200), rnd.randrange(0, batch)))
    stdin = "".join("%d %d %d %d %d\n" % c for c in cases)
    java = os.path.join(os.environ.get("JAVA_HOME", ""), "bin", "java") if os.environ.get("JAVA_HOME") else "java"
    out = subprocess.run([java, "-cp", os.path.join(ROOT, "verity-tensor/target/classes"),
                          os.path.join(ROOT, "tools/pytorch/SampleAt.java")],
                         input=stdin, capture_output=True, text=True, check=True).stdout.split()
    got = [int(v) for v in out]
    want = [sample_at(s & ((1 << 64) - 1), n, b, st, r) for s, n, b, st, r in cases]
    bad = [(c, g, w) for c, g, w in zip(cases, got, want) if g != w]
    if len(got) != len(cases) or bad:
        sys.exit("Python sample_at differs from Java KeyedShuffle.sampleAt: %s" % bad[:5])
    print("sample_at agrees with Java KeyedShuffle.sampleAt on %d cases" % len(cases))


# ---------------------------------------------------------------------------------------------
# Data
# ---------------------------------------------------------------------------------------------
def read_idx(path):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def fashion_mnist(n, size=14):
    """The first n training images as float32 [n, 1, size, size] (byte / 255, then 2x2 (or
    28/size) average pooling in float32) and their int64 labels."""
    images = read_idx(os.path.join(DATA, "fashion-mnist/train-images-idx3-ubyte.gz"))[:n]
    labels = read_idx(os.path.join(DATA, "fashion-mnist/train-labels-idx1-ubyte.gz"))[:n]
    x = images.astype(np.float32) / np.float32(255)
    k = 28 // size
    x = x.reshape(n, size, k, size, k).mean(axis=(2, 4), dtype=np.float32)
    return np.ascontiguousarray(x.reshape(n, 1, size, size), dtype=np.float32), labels.astype(np.int64)


def kjv_text(chars):
    with gzip.open(os.path.join(DATA, "kjv/kjv.txt.gz"), "rb") as f:
        return f.read(chars * 2).decode("utf-8")[:chars]


def char_ids(text):
    vocab = "".join(sorted(set(text)))
    ids = np.array([vocab.index(c) for c in text], dtype=np.int64)
    return ids, vocab


# ---------------------------------------------------------------------------------------------
# Models (dropout nowhere: Verity's dropout masks come from its own RNG)
# ---------------------------------------------------------------------------------------------
class Mlp(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Flatten(), nn.Linear(196, 64), nn.ReLU(), nn.Linear(64, 32), nn.ReLU(),
                                 nn.Linear(32, 10))

    def forward(self, x):
        return self.net(x)


class CnnBn(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(1, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2),   # 8x7x7
            nn.Conv2d(8, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),  # 16x3x3
            nn.Flatten(), nn.Linear(16 * 3 * 3, 10))

    def forward(self, x):
        return self.net(x)


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
        self.stem = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1, bias=False), nn.BatchNorm2d(8), nn.ReLU())
        self.block1 = BasicBlock(8, 8, 1)     # identity shortcut, 14x14
        self.block2 = BasicBlock(8, 16, 2)    # 1x1-conv shortcut, 7x7
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(16, 10)

    def forward(self, x):
        y = self.block2(self.block1(self.stem(x)))
        return self.fc(torch.flatten(self.pool(y), 1))


class Depthwise(nn.Module):
    """A stem conv, then two depthwise-separable blocks: 3x3 depthwise (groups = channels) -
    BN - ReLU6 - 1x1 pointwise - BN - ReLU6; global average pool; linear."""

    def __init__(self):
        super().__init__()

        def separable(cin, cout, stride):
            return [nn.Conv2d(cin, cin, 3, stride=stride, padding=1, groups=cin, bias=False), nn.BatchNorm2d(cin),
                    nn.ReLU6(), nn.Conv2d(cin, cout, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU6()]

        self.net = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1, bias=False), nn.BatchNorm2d(8), nn.ReLU6(),
                                 *separable(8, 16, 1), *separable(16, 32, 2),
                                 nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(32, 10))

    def forward(self, x):
        return self.net(x)


class SelfAttention(nn.Module):
    """Multi-head self-attention written out: one qkv Linear, MatMul, Softmax, MatMul, proj.
    Shapes are Python ints fixed at construction (sequence length t), so that the export has
    constant Reshape shapes and a constant scale rather than traced shape arithmetic."""

    def __init__(self, d, heads, t, causal=False):
        super().__init__()
        self.d, self.heads, self.t, self.hd = d, heads, t, d // heads
        self.scale = 1.0 / math.sqrt(self.hd)
        self.qkv = nn.Linear(d, 3 * d)
        self.proj = nn.Linear(d, d)
        if causal:
            # True above the diagonal: the future positions a query must not see.
            self.register_buffer("future", torch.triu(torch.ones(t, t, dtype=torch.bool), diagonal=1))
        else:
            self.future = None

    def forward(self, x):
        q, k, v = self.qkv(x).split(self.d, dim=2)
        q = q.reshape(-1, self.t, self.heads, self.hd).transpose(1, 2)
        k = k.reshape(-1, self.t, self.heads, self.hd).transpose(1, 2)
        v = v.reshape(-1, self.t, self.heads, self.hd).transpose(1, 2)
        att = torch.matmul(q, k.transpose(2, 3)) * self.scale
        if self.future is not None:
            att = att.masked_fill(self.future, float("-inf"))
        att = torch.softmax(att, dim=-1)
        y = torch.matmul(att, v).transpose(1, 2).reshape(-1, self.t, self.d)
        return self.proj(y)


class Block(nn.Module):
    """Pre-norm transformer block: x + attn(ln1(x)), then x + mlp(ln2(x)) with a GELU MLP."""

    def __init__(self, d, heads, hidden, t, causal=False):
        super().__init__()
        self.ln1 = nn.LayerNorm(d)
        self.attn = SelfAttention(d, heads, t, causal)
        self.ln2 = nn.LayerNorm(d)
        self.mlp = nn.Sequential(nn.Linear(d, hidden), nn.GELU(), nn.Linear(hidden, d))

    def forward(self, x):
        x = x + self.attn(self.ln1(x))
        return x + self.mlp(self.ln2(x))


class TransformerClassifier(nn.Module):
    """Token + learned position embeddings, one pre-norm encoder block (no mask), final
    LayerNorm, mean over positions, linear to classes."""

    def __init__(self, vocab, classes, t, d=32, heads=2, hidden=64, layers=1):
        super().__init__()
        self.tok = nn.Embedding(vocab, d)
        self.pos = nn.Parameter(torch.randn(t, d) * 0.02)
        self.blocks = nn.Sequential(*[Block(d, heads, hidden, t) for _ in range(layers)])
        self.ln = nn.LayerNorm(d)
        self.head = nn.Linear(d, classes)

    def forward(self, x):
        h = self.blocks(self.tok(x) + self.pos)
        return self.head(self.ln(h).mean(dim=1))


class Gpt(nn.Module):
    """GPT-style decoder: token + position embeddings, pre-norm causal blocks, final LayerNorm,
    linear head; logits [B, T, V]."""

    def __init__(self, vocab, t, d=32, heads=2, hidden=64, layers=2):
        super().__init__()
        self.tok = nn.Embedding(vocab, d)
        self.pos = nn.Parameter(torch.randn(t, d) * 0.02)
        self.blocks = nn.Sequential(*[Block(d, heads, hidden, t, causal=True) for _ in range(layers)])
        self.ln = nn.LayerNorm(d)
        self.head = nn.Linear(d, vocab)

    def forward(self, x):
        return self.head(self.ln(self.blocks(self.tok(x) + self.pos)))


# ---------------------------------------------------------------------------------------------
# Fixtures
# ---------------------------------------------------------------------------------------------
def image_task(name, model_cls, description, n=256, batch=32, steps=20, lr=0.0625):
    def make():
        x, y = fashion_mnist(n)
        torch.manual_seed(TORCH_SEED)
        return dict(model=model_cls(), arrays={"x": x, "y": y}, kind="rows", n=n)
    return dict(name=name, make=make, description=description, batch=batch, steps=steps, lr=lr)


def transformer_task():
    t, n = 16, 256

    def make():
        text = kjv_text(n * (t + 1))
        ids, vocab = char_ids(text)
        windows = ids.reshape(n, t + 1)
        torch.manual_seed(TORCH_SEED)
        model = TransformerClassifier(len(vocab), len(vocab), t)
        return dict(model=model, arrays={"x": np.ascontiguousarray(windows[:, :t]),
                                         "y": np.ascontiguousarray(windows[:, t])},
                    kind="rows", n=n, vocab=vocab, window=t)
    return dict(name="transformer", make=make, batch=32, steps=20, lr=0.125,
                description="Next-character classifier on the King James text: sample i is the 16 character "
                            "ids text[17i : 17i+16] (x, int64) and its class is the character id text[17i+16] "
                            "(y); classes = vocabulary. Token + learned position embeddings, one pre-norm "
                            "encoder block (LayerNorm, 2-head self-attention as MatMul/Softmax, LayerNorm, "
                            "GELU MLP 32-64-32), final LayerNorm, mean over positions, Linear to classes.")


def gpt_task():
    # Verity trains a corpus's first size - size // 10 tokens (the rest is its validation split): 4552 characters
    # give exactly the 4097 training tokens PyTorch reads here (256 windows of 16 and the last target).
    t, length, total = 16, 16 * 256 + 1, 4552

    def make():
        ids, vocab = char_ids(kjv_text(total))
        torch.manual_seed(TORCH_SEED)
        model = Gpt(len(vocab), t)
        return dict(model=model, arrays={"tokens": ids}, kind="windows", n=(length - 1) // t, vocab=vocab,
                    window=t)
    return dict(name="gpt", make=make, batch=16, steps=20, lr=0.125,
                description="GPT-style character model on the first 4097 characters of the King James text "
                            "(data.npz holds 4552: Verity's training split is the first 90%) "
                            "(tokens, int64): Verity's GATHER_WINDOWS reads window w of 16: inputs "
                            "tokens[16w + t], targets tokens[16w + t + 1]. Token + learned position embeddings, "
                            "two pre-norm causal blocks (2 heads, mask from a lower-triangular bool buffer "
                            "via Where, GELU MLP 32-64-32), final LayerNorm, Linear head; logits [B, T, V]; "
                            "loss = mean cross-entropy over all B*T positions.")


TASKS = [
    image_task("mlp", Mlp, "Fashion-MNIST (first 256 training images, 2x2-average-pooled to 1x14x14), "
                           "Flatten + Linear 196-64 + ReLU + Linear 64-32 + ReLU + Linear 32-10.", steps=50),
    image_task("cnn_bn", CnnBn, "Fashion-MNIST 1x14x14: (Conv 3x3 pad 1 + BatchNorm2d + ReLU + MaxPool 2) x2 "
                                "(8 then 16 channels), Flatten, Linear 144-10. BatchNorm in training mode."),
    image_task("resnet", ResNet, "Fashion-MNIST 1x14x14: stem Conv 1-8 + BN + ReLU, a basic residual block "
                                 "8-8 with identity shortcut, a basic block 8-16 stride 2 with a 1x1-conv + BN "
                                 "shortcut, AdaptiveAvgPool2d(1), Linear 16-10."),
    image_task("depthwise", Depthwise, "Fashion-MNIST 1x14x14: stem Conv 1-8 + BN + ReLU6, then two "
                                       "depthwise-separable blocks (3x3 depthwise conv groups=channels + BN + "
                                       "ReLU6 + 1x1 pointwise conv + BN + ReLU6; 8-16, then 16-32 stride 2), "
                                       "AdaptiveAvgPool2d(1), Linear 32-10.", lr=0.125),
    transformer_task(),
    gpt_task(),
]


def batch_rows(spec, step, batch):
    return batch_indices(TASK_SEED, spec["n"], batch, step)


def get_batch(spec, rows, dtype):
    if spec["kind"] == "rows":
        x = torch.from_numpy(spec["arrays"]["x"][rows])
        y = torch.from_numpy(spec["arrays"]["y"][rows])
        if x.is_floating_point():
            x = x.to(dtype)
        return x, y
    t = spec["window"]
    tokens = spec["arrays"]["tokens"]
    starts = np.array(rows, dtype=np.int64)[:, None] * t + np.arange(t)[None, :]
    return torch.from_numpy(tokens[starts]), torch.from_numpy(tokens[starts + 1])


def train(model, spec, task, dtype):
    model = model.to(dtype)
    model.train()
    assert float(np.float32(task["lr"])) == task["lr"], "lr must be a float32 value"
    opt = torch.optim.SGD(model.parameters(), lr=task["lr"], momentum=MOMENTUM_EXACT)
    losses = []
    for step in range(task["steps"]):
        x, y = get_batch(spec, batch_rows(spec, step, task["batch"]), dtype)
        logits = model(x)
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses


def export_onnx(model, example):
    """Exports in training mode. Tracing runs the model once, which moves BatchNorm's running
    statistics; their initializers are then set back to the values before the export, so that
    every initializer is the initial state the training below starts from."""
    initial = {k: v.detach().clone() for k, v in model.state_dict().items()}
    f = io.BytesIO()
    model.train()
    torch.onnx.export(model, example, f, training=torch.onnx.TrainingMode.TRAINING, do_constant_folding=False,
                      opset_version=OPSET, input_names=["x"], output_names=["logits"])
    model.load_state_dict(initial)
    proto = onnx.load_from_string(f.getvalue())
    for init in proto.graph.initializer:
        if init.name in initial:
            init.CopyFrom(onnx.numpy_helper.from_array(initial[init.name].numpy(), init.name))
    onnx.checker.check_model(proto)
    return proto.SerializeToString(), proto


# Float64 runs from initial weights each scaled by (1 + PERTURBATION * N(0, 1)): the envelope of how far noise of that
# relative size, once in the weights, carries these (ReLU- and max-pool-kinked, hence sensitive) trajectories.
PERTURBATION = 1e-5
PERTURBED_RUNS = 4


def run(task):
    name = task["name"]
    spec = task["make"]()
    model = spec["model"]
    initial = {k: v.clone() for k, v in model.state_dict().items()}
    x0, _ = get_batch(spec, batch_rows(spec, 0, task["batch"]), torch.float32)
    onnx_bytes, proto = export_onnx(model, x0)
    # The export must not have touched the weights (BatchNorm running stats included).
    for k, v in model.state_dict().items():
        assert torch.equal(v, initial[k]), "export changed " + k
    inits = {i.name for i in proto.graph.initializer}
    params = [(k, list(p.shape)) for k, p in model.named_parameters()]
    missing = [k for k, _ in params if k not in inits]
    assert not missing, "parameters not exported as initializers: %s" % missing
    for i in proto.graph.initializer:  # the initializers are exactly the initial weights
        if i.name in initial:
            assert np.array_equal(onnx.numpy_helper.to_array(i), initial[i.name].numpy()), i.name

    m32 = task["make"]()["model"]
    m32.load_state_dict(initial)
    loss_f32 = train(m32, spec, task, torch.float32)
    m64 = task["make"]()["model"]
    m64.load_state_dict(initial)
    loss_f64 = train(m64, spec, task, torch.float64)

    perturbed = []
    for k in range(PERTURBED_RUNS):  # what rounding-sized noise does to this trajectory (see PERTURBATION)
        mp = task["make"]()["model"]
        mp.load_state_dict(initial)
        gen = torch.Generator().manual_seed(1000 + k)
        with torch.no_grad():
            for q in mp.parameters():
                q.mul_(1 + PERTURBATION * torch.randn(q.shape, generator=gen))
        perturbed.append(train(mp, spec, task, torch.float64))

    d = [abs(a - b) for a, b in zip(loss_f32, loss_f64)]
    rel = [abs(a - b) / abs(b) for a, b in zip(loss_f32, loss_f64)]
    folder = os.path.join(OUT, name)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "model.onnx"), "wb") as f:
        f.write(onnx_bytes)
    np.savez_compressed(os.path.join(folder, "data.npz"), **spec["arrays"])
    traj = {
        "model": name,
        "description": task["description"],
        "steps": task["steps"],
        "batch": task["batch"],
        "seed": TASK_SEED,
        "torch_seed": TORCH_SEED,
        "lr": task["lr"],
        "momentum": MOMENTUM,
        "momentum_exact": MOMENTUM_EXACT,
        "params": sum(p.numel() for p in model.parameters()),
        "torch": torch.__version__,
        "onnx": onnx.__version__,
        "onnx_opset": OPSET,
        "input_shape": list(x0.shape),
        "input_dtype": str(x0.dtype).replace("torch.", ""),
        "data": {"kind": "rows" if spec["kind"] == "rows" else "windows", "samples": spec["n"]},
        "loss_f32": loss_f32,
        "loss_f64": loss_f64,
        "perturbation": PERTURBATION,
        "loss_f64_perturbed": perturbed,
        "max_abs_diff_f32_f64": max(d),
        "max_rel_diff_f32_f64": max(rel),
        "batch_indices": [batch_rows(spec, s, task["batch"]) for s in range(3)],
        "trainable": [{"name": k, "shape": s} for k, s in params],
        "onnx_ops": sorted({n.op_type for n in proto.graph.node}),
    }
    if spec["kind"] == "windows":
        traj["data"]["window"] = spec["window"]
        traj["data"]["tokens"] = int(spec["arrays"]["tokens"].shape[0])
    if "vocab" in spec:
        traj["vocab"] = spec["vocab"]
    with open(os.path.join(folder, "trajectory.json"), "w") as f:
        json.dump(traj, f, indent=1)  # Python's json writes floats as repr: full float64 precision
        f.write("\n")
    sizes = {fn: os.path.getsize(os.path.join(folder, fn)) for fn in sorted(os.listdir(folder))}
    print("%-12s params %6d  loss %.4f -> %.4f (f64 %.4f)  max|f32-f64| %.3e  max rel %.3e  %s" % (
        name, traj["params"], loss_f32[0], loss_f32[-1], loss_f64[-1], max(d), max(rel), sizes))
    return traj


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--only", help="comma-separated model names (default: all)")
    ap.add_argument("--check-java", action="store_true", help="compare sample_at with Java's KeyedShuffle")
    args = ap.parse_args()
    if args.check_java:
        check_java()
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    wanted = args.only.split(",") if args.only else [t["name"] for t in TASKS]
    for task in TASKS:
        if task["name"] in wanted:
            run(task)


if __name__ == "__main__":
    main()
