# SPDX-License-Identifier: Apache-2.0
"""Step 1 of the round trip: a PyTorch model and its data, handed to Verity.

Writes model.onnx (a small CNN with BatchNorm, exported in training mode with its initial weights) and
data.npz (x: 2,000 Fashion-MNIST images 1x28x28 as float32 in [0, 1], y: their labels as int64; x_test, y_test: 500
more). Run with Debian's PyTorch:
    LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp /usr/bin/python3 make_model.py
"""
import gzip
import numpy as np
import torch
import torch.nn as nn

IDX = "../../verity-tensor/src/main/resources/dev/verity/tensor/data/fashion-mnist/"


def idx(name):
    with gzip.open(IDX + name) as f:
        raw = f.read()
    dims = raw[3]
    shape = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(raw, np.uint8, offset=4 + 4 * dims).reshape(shape)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2))
        self.head = nn.Linear(32 * 7 * 7, 10)

    def forward(self, x):
        return self.head(self.features(x).flatten(1))


if __name__ == "__main__":
    torch.manual_seed(0)
    images = (idx("train-images-idx3-ubyte.gz")[:2500].astype(np.float32) / 255)[:, None]
    labels = idx("train-labels-idx1-ubyte.gz")[:2500].astype(np.int64)
    np.savez("data.npz", x=images[:2000], y=labels[:2000], x_test=images[2000:], y_test=labels[2000:])
    model = Net().train()
    state = {k: v.clone() for k, v in model.state_dict().items()}
    torch.onnx.export(model, torch.from_numpy(images[:64]), "model.onnx", input_names=["x"], output_names=["logits"],
                      training=torch.onnx.TrainingMode.TRAINING, do_constant_folding=False, opset_version=17)
    model.load_state_dict(state)  # tracing ran one training-mode pass, which moved the running statistics
    torch.save(state, "initial.pt")
    print("wrote model.onnx, data.npz")
