"""Writes numpy_interop.safetensors by hand with numpy (no safetensors package), as an independent
producer for SafeTensorsTest. The JSON is written by Python's json module with its default spacing
and with keys in a different order from the data, to check that the Java reader does not rely on
its own writer's formatting. Run: python3 make_numpy_interop.py"""
import json
import struct

import numpy as np

# Data order in the buffer.
tensors = [
    ("weight", (np.arange(6, dtype=np.float32) / np.float32(7)).reshape(2, 3)),
    ("empty", np.zeros((0, 3), dtype=np.float32)),
    ("nan_payloads", np.array([0x7FC00123, 0xFFC00000, 0x7F800001, 0x80000000, 0x7F800000],
                              dtype=np.uint32).view(np.float32)),
    ("scalar", np.array(3.25, dtype=np.float32)),
    ("bias", np.array([-1.5, 2.0 ** -149], dtype=np.float32)),
]
entries = {}
buf = b""
for name, a in tensors:
    data = a.astype("<f4").tobytes()
    entries[name] = {"shape": list(a.shape), "dtype": "F32", "data_offsets": [len(buf), len(buf) + len(data)]}
    buf += data
header = {}
for name in ["bias", "scalar", "nan_payloads", "weight", "empty"]:
    header[name] = entries[name]
header["__metadata__"] = {"producer": "numpy", "format": "np"}
h = json.dumps(header).encode("utf-8")
h += b" " * ((8 - len(h) % 8) % 8)
with open("numpy_interop.safetensors", "wb") as f:
    f.write(struct.pack("<Q", len(h)) + h + buf)
