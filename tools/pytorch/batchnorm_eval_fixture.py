#!/usr/bin/env python3
"""PyTorch's eval-mode answer for an imported model with BatchNorm, for Verity's evaluation test.

Loads the cnn_bn fixture's initial weights (the initializers of its model.onnx, under their names) into the same
nn.Module, gives every BatchNorm layer running statistics and an affine transform far from the defaults (drawn from
a fixed seed), and writes, to the fixture's directory, eval_case.npz: every model tensor under its name, eight input
images (data.npz's first eight), and the logits PyTorch computes in eval mode in float32 and in float64.

    LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp /usr/bin/python3 tools/pytorch/batchnorm_eval_fixture.py
"""
import os

import numpy as np
import onnx
import onnx.numpy_helper
import torch

from reference_trajectories import CnnBn

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURE = os.path.join(HERE, "..", "..", "verity-tensor", "src", "test", "resources", "dev", "verity", "tensor", "onnx",
                       "cnn_bn")


def main():
    model = CnnBn()
    init = {i.name: torch.from_numpy(onnx.numpy_helper.to_array(i).copy())
            for i in onnx.load(os.path.join(FIXTURE, "model.onnx")).graph.initializer}
    state = model.state_dict()
    for name in state:
        if name in init:
            state[name] = init[name]
    rng = np.random.default_rng(20261207)
    for name, value in list(state.items()):
        if name.endswith("running_mean"):
            state[name] = torch.from_numpy(rng.normal(0.0, 0.5, value.shape).astype(np.float32))
        elif name.endswith("running_var"):
            state[name] = torch.from_numpy(rng.uniform(0.2, 3.0, value.shape).astype(np.float32))
        elif name.split(".")[-2] in ("1", "5") and name.endswith(("weight", "bias")):  # the BatchNorm layers' gamma, beta
            state[name] = torch.from_numpy(rng.normal(1.0 if name.endswith("weight") else 0.0, 0.3, value.shape)
                                           .astype(np.float32))
    model.load_state_dict(state)
    model.eval()
    x = np.load(os.path.join(FIXTURE, "data.npz"))["x"][:8]
    with torch.no_grad():
        f32 = model(torch.from_numpy(x)).numpy()
        f64 = model.double()(torch.from_numpy(x).double()).numpy()
    arrays = {"x": x, "logits_f32": f32, "logits_f64": f64}
    for name, value in state.items():
        if value.dtype == torch.float32:
            arrays["model/" + name] = value.numpy()
    np.savez(os.path.join(FIXTURE, "eval_case.npz"), **arrays)
    print("wrote eval_case.npz: %d model tensors, logits of %d images (max |f32 - f64| %.3g)"
          % (len(arrays) - 3, len(x), np.abs(f32 - f64).max()))


if __name__ == "__main__":
    main()
