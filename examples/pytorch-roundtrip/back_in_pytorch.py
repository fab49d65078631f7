# SPDX-License-Identifier: Apache-2.0
"""Step 3 of the round trip: the weights Verity trained, back in PyTorch.

Loads trained/model.onnx (written by `verity export`) into the same nn.Module under the ONNX initializer names,
checks every tensor arrived bit for bit, and evaluates the model in PyTorch on the test images.
"""
import numpy as np
import onnx
import onnx.numpy_helper
import torch
from make_model import Net

if __name__ == "__main__":
    model = Net()
    trained = {i.name: torch.from_numpy(onnx.numpy_helper.to_array(i).copy())
               for i in onnx.load("trained/model.onnx").graph.initializer}
    missing, unexpected = model.load_state_dict(trained, strict=False)
    assert not unexpected, unexpected
    assert all(k.endswith("num_batches_tracked") for k in missing), missing
    for name, value in model.state_dict().items():
        if name in trained:
            assert torch.equal(value, trained[name]), name
    before = torch.load("initial.pt")
    changed = sum(not torch.equal(before[k], trained[k]) for k in trained)
    data = np.load("data.npz")
    model.eval()
    with torch.no_grad():
        logits = model(torch.from_numpy(data["x_test"]))
    accuracy = (logits.argmax(1).numpy() == data["y_test"]).mean()
    print("loaded %d trained tensors (%d changed by training); PyTorch test accuracy %.1f%% on %d images"
          % (len(trained), changed, 100 * accuracy, len(data["y_test"])))
