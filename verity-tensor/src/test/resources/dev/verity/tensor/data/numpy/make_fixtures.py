#!/usr/bin/python3
"""Writes the NumPy fixtures of NumpyFilesTest into this folder.

Run from anywhere with /usr/bin/python3 (NumPy 1.24 or later); the test itself needs no Python.
expected.txt lists, per .npy fixture, its dtype, its shape and its elements as little-endian hex,
as NumPy holds them, so the test checks every bit the reader returns against NumPy's view.
"""
import io
import os
import zipfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def path(name):
    return os.path.join(HERE, name)


def f32_bits(*bits):
    return np.array(bits, dtype="<u4").view("<f4")


# Values chosen to catch byte-order, sign and rounding mistakes: negative zero, the smallest
# subnormal, the largest finite value, a NaN with a payload, infinities.
ARRAYS = {
    "f4_le": f32_bits(0x00000000, 0x80000000, 0x3FC00000, 0x00000001, 0x7F7FFFFF, 0x7FC12345).reshape(2, 3),
    "f8_le": np.array([0.1, -2.5e-310, 1e308, -np.inf], dtype="<f8"),
    "u1": np.arange(0, 256, 32, dtype=np.uint8).reshape(2, 2, 2),
    "i1": np.array([-128, -1, 0, 127], dtype=np.int8),
    "i2_le": np.array([-32768, -2, 1, 32767], dtype="<i2"),
    "u2_le": np.array([0, 1, 40000, 65535], dtype="<u2"),
    "i4_le": np.array([[-2147483648, -1], [7, 2147483647]], dtype="<i4"),
    "i8_le": np.array([-(2 ** 63), -3, 5, 2 ** 63 - 1], dtype="<i8"),
    "b1": np.array([True, False, False, True, True]),
    "scalar": np.float32(2.75).reshape(()),
    "empty": np.zeros((0, 3), dtype="<f4"),
    "rank4": np.arange(6, dtype="<i2").reshape(1, 2, 1, 3),
}
for k in ["f4", "f8", "i2", "u2", "i4", "i8"]:
    a = ARRAYS[k + "_le"]
    ARRAYS[k + "_be"] = a.astype(a.dtype.newbyteorder(">"))


def save_all():
    lines = []
    for name, a in ARRAYS.items():
        np.save(path(name + ".npy"), a)
        le = np.ascontiguousarray(a).astype(a.dtype.newbyteorder("<"))
        lines.append("%s %s %s %s" % (name, le.dtype.name, ",".join(map(str, a.shape)) or "-",
                                      le.tobytes().hex() or "-"))
    a = np.arange(6, dtype="<f4").reshape(2, 3)
    with open(path("v2.npy"), "wb") as f:
        np.lib.format.write_array(f, a, version=(2, 0))
    with open(path("v3.npy"), "wb") as f:
        np.lib.format.write_array(f, a, version=(3, 0))
    with open(os.path.join(HERE, "expected.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")


def save_refused():
    np.save(path("fortran.npy"), np.asfortranarray(np.arange(6, dtype="<f4").reshape(2, 3)))
    np.save(path("object.npy"), np.array([{"a": 1}, None], dtype=object), allow_pickle=True)
    np.save(path("structured.npy"), np.zeros(2, dtype=[("a", "<i4"), ("b", "<f4")]))
    np.save(path("complex.npy"), np.zeros(2, dtype="<c8"))
    np.save(path("uint32.npy"), np.zeros(2, dtype="<u4"))


def save_writer_references():
    # NpyArrayTest builds the same arrays in Java and expects these exact bytes from its writer.
    np.save(path("writer_f4.npy"), (np.arange(6, dtype="<f4") * 0.5 - 1).reshape(2, 3))
    np.save(path("writer_i8.npy"), np.array([-(2 ** 40), 0, 7], dtype="<i8"))
    np.save(path("writer_scalar.npy"), np.float32(-1.25).reshape(()))


def save_datasets():
    x = (np.arange(5 * 2 * 2, dtype="<f4") / 8 - 1).reshape(5, 1, 2, 2)
    y = np.array([0, 2, 1, 2, 0], dtype="<i8")
    np.savez(path("xy.npz"), x=x, y=y)
    np.savez_compressed(path("xy_test.npz"), x=x, y=y, x_test=x[:2] * 2, y_test=np.array([3, 1], dtype=np.uint8))
    imgs = np.array([[[0, 255], [1, 128]], [[254, 3], [2, 127]], [[9, 10], [11, 12]]], dtype=np.uint8)
    np.savez(path("images_u1.npz"), x=imgs, y=np.array([[1], [0], [1]], dtype=">i2"))
    x64 = np.array([[0.1, 1 / 3], [1e-50, 3.0000001192092896], [-2.5, 16777217.0]], dtype="<f8")
    np.savez(path("xy_f8.npz"), x=x64, y=np.array([0, 1, 0], dtype="<i4"), x_as_f4=x64.astype(np.float32))
    bad = x.copy()
    bad[2, 0, 1, 0] = np.nan
    np.savez(path("bad_nan.npz"), x=bad, y=y)
    np.savez(path("bad_label.npz"), x=x, y=np.array([0, 1, -1, 2, 0], dtype="<i8"))
    np.savez(path("bad_count.npz"), x=x, y=y[:4])
    np.savez(path("only_x.npz"), x=x)
    with zipfile.ZipFile(path("not_npy_member.npz"), "w") as z:
        z.writestr("readme.txt", "hello")
    os.makedirs(path("pair"), exist_ok=True)
    np.save(path("pair/x.npy"), x)
    np.save(path("pair/y.npy"), y.astype(np.int32))
    np.save(path("pair/x_test.npy"), x[:3])
    np.save(path("pair/y_test.npy"), np.array([1, 1, 0], dtype=np.int16))
    np.save(path("tokens.npy"), np.array([3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5], dtype="<i4"))
    np.savez_compressed(path("tokens.npz"), tokens=np.array([0, 1, 2, 1, 0, 7], dtype="<i8"))


if __name__ == "__main__":
    save_all()
    save_refused()
    save_writer_references()
    save_datasets()
