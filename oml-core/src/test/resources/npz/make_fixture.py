"""Writes the .npz fixtures for NpzImporterTest and, as an independent oracle, the logits NumPy
computes for them. Run from this directory: python3 make_fixture.py"""
import numpy as np

rng = np.random.default_rng(7)

def conv2d(x, w, b, stride, pad):
    c, h, wd = x.shape
    o, _, k, _ = w.shape
    xp = np.pad(x, ((0, 0), (pad, pad), (pad, pad)))
    oh = (h + 2 * pad - k) // stride + 1
    ow = (wd + 2 * pad - k) // stride + 1
    y = np.zeros((o, oh, ow))
    for oc in range(o):
        for i in range(oh):
            for j in range(ow):
                y[oc, i, j] = np.sum(xp[:, i*stride:i*stride+k, j*stride:j*stride+k] * w[oc]) + b[oc]
    return y

def avgpool(x, k, s):
    c, h, w = x.shape
    oh, ow = (h - k) // s + 1, (w - k) // s + 1
    y = np.zeros((c, oh, ow))
    for i in range(oh):
        for j in range(ow):
            y[:, i, j] = x[:, i*s:i*s+k, j*s:j*s+k].mean(axis=(1, 2))
    return y

cw = rng.normal(0, 0.3, (3, 1, 3, 3))
cb = rng.normal(0, 0.1, 3)
dw = rng.normal(0, 0.3, (4, 3 * 2 * 2))
db = rng.normal(0, 0.1, 4)
poly = np.array([0.1, 0.5, 0.25])
arrays = {
    "input_shape": np.array([1, 8, 8], dtype=np.int64),
    "fixed_point": np.array([40, 12], dtype=np.int32),
    "activation_bits": np.array([6], dtype=np.int32),
    "layer0.conv2d.weight": cw.astype(np.float32),
    "layer0.conv2d.bias": cb,
    "layer0.conv2d.stride": np.array([1]),
    "layer0.conv2d.padding": np.array([1]),
    "layer1.square": np.zeros(0),
    "layer2.avgpool2d.kernel": np.array([3]),
    "layer2.avgpool2d.stride": np.array([3]),
    "layer3.flatten": np.zeros(0),
    "layer4.dense.weight": dw,
    "layer4.dense.bias": db,
    "layer5.polynomial.coefficients": poly,
    "layer6.argmax": np.zeros(0),
}
np.savez("conv-model.npz", **arrays)
np.savez_compressed("conv-model-compressed.npz", **arrays)

x = rng.uniform(0, 1, (1, 8, 8))
h = conv2d(x, cw.astype(np.float32).astype(np.float64), cb, 1, 1)
h = h * h
h = avgpool(h, 3, 3)
h = h.reshape(-1)
h = dw @ h + db
h = poly[0] + poly[1] * h + poly[2] * h * h
np.savetxt("conv-model-input.txt", x.reshape(-1), fmt="%.17g")
np.savetxt("conv-model-logits.txt", h, fmt="%.17g")
