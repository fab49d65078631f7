# SPDX-License-Identifier: Apache-2.0
"""Exports a 10M-parameter GPT-style character model and its data, for proving and disputing at scale.

The model is reference_trajectories.Gpt (token + learned position embeddings, pre-norm causal blocks with
GELU MLPs, final LayerNorm, linear head) at d=384, 6 heads, MLP 1536, 6 layers, context 64, over the
character vocabulary of the first --chars characters of the shipped King James text: about 10.7M
parameters, a 43 MB model.onnx. It is exported exactly as the small fixtures are (training mode, no
constant folding, opset 17, initializers = initial weights), and the text as data.npz (`tokens`, int64),
which `verity train --model` reads as a token corpus in windows of the model's context.

Nothing it writes belongs in git (the files are large and a second run rewrites the same bytes):
it writes into --out (default: work/large-gpt under the repository, which .gitignore excludes).

Run from the repository root (Debian's python3-torch 1.13, python3-onnx, python3-numpy)::

    LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp /usr/bin/python3 \\
        tools/pytorch/make_large_model.py [--out DIR] [--layers 6] [--d 384] [--heads 6] [--context 64]

then, e.g. (docs/onnx.md, "A 10M-parameter model, proven and disputed on chain")::

    ./verity train --model DIR/model.onnx --data DIR/data.npz --batch 8 --lr 0.05 --steps 24 \\
        --checkpoint-interval 8 --threads 2 --prove proof-large
"""

import argparse
import os
import sys

import numpy as np
import onnx
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reference_trajectories as ref  # noqa: E402  (the model classes and the export the fixtures use)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=os.path.join(ref.ROOT, "work", "large-gpt"), help="output folder")
    ap.add_argument("--chars", type=int, default=1_000_000, help="characters of the King James text to export")
    ap.add_argument("--layers", type=int, default=6)
    ap.add_argument("--d", type=int, default=384, help="model width")
    ap.add_argument("--heads", type=int, default=6)
    ap.add_argument("--context", type=int, default=64, help="window length T of the exported input [B, T]")
    ap.add_argument("--export-batch", type=int, default=2,
                    help="batch of the example input; Verity folds the exporter's shape arithmetic, so any works")
    args = ap.parse_args()
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)

    ids, vocab = ref.char_ids(ref.kjv_text(args.chars))
    torch.manual_seed(ref.TORCH_SEED)
    model = ref.Gpt(len(vocab), args.context, d=args.d, heads=args.heads, hidden=4 * args.d, layers=args.layers)
    params = sum(p.numel() for p in model.parameters())
    example = torch.from_numpy(np.ascontiguousarray(ids[:args.export_batch * args.context].reshape(args.export_batch, args.context)))
    onnx_bytes, proto = ref.export_onnx(model, example)
    ops = sorted({n.op_type for n in proto.graph.node})

    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "model.onnx"), "wb") as f:
        f.write(onnx_bytes)
    np.savez_compressed(os.path.join(args.out, "data.npz"), tokens=ids)
    with open(os.path.join(args.out, "vocab.txt"), "w", encoding="utf-8") as f:
        f.write(vocab)
    sizes = {fn: os.path.getsize(os.path.join(args.out, fn)) for fn in sorted(os.listdir(args.out))}
    print("gpt %d layers, d=%d, %d heads, context %d, vocabulary %d: %d parameters (%.1fM)"
          % (args.layers, args.d, args.heads, args.context, len(vocab), params, params / 1e6))
    print("onnx ops: %s" % ", ".join(ops))
    print("wrote %s: %s" % (args.out, sizes))


if __name__ == "__main__":
    main()
