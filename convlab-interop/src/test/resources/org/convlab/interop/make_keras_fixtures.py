#!/usr/bin/python3
"""Writes small Keras 2.x .h5 files with h5py (no Keras or TensorFlow needed) and the outputs an
independent numpy forward pass computes for them, for KerasImportTest.

Run with Debian's python3-h5py:  /usr/bin/python3 make_keras_fixtures.py OUT_DIR
With --check OUT_DIR it recomputes the numpy outputs from the .h5 files there and compares them with
keras-expected.json (the test does this where h5py is installed).

The layout is Keras 2.2.4's: root attributes keras_version, backend, model_config (the model's JSON)
and training_config; a model_weights group with layer_names, and per layer a group whose weight_names
attribute lists datasets such as conv2d_1/kernel:0. Kernels are [kh, kw, in, out], dense [in, out].
"""
import json
import sys

import h5py
import numpy as np

KERAS = "2.2.4"


def conv_config(name, filters, kernel, strides, padding, activation, input_shape=None):
    c = {"name": name, "trainable": True, "dtype": "float32", "filters": filters, "kernel_size": list(kernel),
         "strides": list(strides), "padding": padding, "data_format": "channels_last", "dilation_rate": [1, 1],
         "activation": activation, "use_bias": True,
         "kernel_initializer": {"class_name": "VarianceScaling", "config": {"scale": 1.0, "mode": "fan_avg",
                                                                              "distribution": "uniform", "seed": None}},
         "bias_initializer": {"class_name": "Zeros", "config": {}}, "kernel_regularizer": None,
         "bias_regularizer": None, "activity_regularizer": None, "kernel_constraint": None, "bias_constraint": None}
    if input_shape:
        c["batch_input_shape"] = [None] + list(input_shape)
    return {"class_name": "Conv2D", "config": c}


def pool_config(kind, name, size):
    return {"class_name": kind, "config": {"name": name, "trainable": True, "pool_size": [size, size], "padding": "valid",
                                            "strides": [size, size], "data_format": "channels_last"}}


def dense_config(name, units, activation):
    return {"class_name": "Dense", "config": {
        "name": name, "trainable": True, "units": units, "activation": activation, "use_bias": True,
        "kernel_initializer": {"class_name": "VarianceScaling", "config": {"scale": 1.0, "mode": "fan_avg",
                                                                             "distribution": "uniform", "seed": None}},
        "bias_initializer": {"class_name": "Zeros", "config": {}}, "kernel_regularizer": None, "bias_regularizer": None,
        "activity_regularizer": None, "kernel_constraint": None, "bias_constraint": None}}


def bn_config(name):
    init = lambda cls: {"class_name": cls, "config": {}}
    return {"class_name": "BatchNormalization", "config": {
        "name": name, "trainable": True, "axis": -1, "momentum": 0.99, "epsilon": 0.001, "center": True, "scale": True,
        "beta_initializer": init("Zeros"), "gamma_initializer": init("Ones"), "moving_mean_initializer": init("Zeros"),
        "moving_variance_initializer": init("Ones"), "beta_regularizer": None, "gamma_regularizer": None,
        "beta_constraint": None, "gamma_constraint": None}}


def simple(kind, name, **extra):
    c = {"name": name, "trainable": True}
    c.update(extra)
    return {"class_name": kind, "config": c}


# --- the independent forward pass (TensorFlow's semantics, channels_last) ---

def same_pads(n, k, s):
    out = -(-n // s)
    total = max((out - 1) * s + k - n, 0)
    return total // 2, total - total // 2  # the odd extra row or column goes at the bottom or right


def conv2d(x, w, b, strides, padding):
    kh, kw, _, f = w.shape
    sh, sw = strides
    if padding == "same":
        t, btm = same_pads(x.shape[0], kh, sh)
        l, r = same_pads(x.shape[1], kw, sw)
        x = np.pad(x, ((t, btm), (l, r), (0, 0)))
    oh = (x.shape[0] - kh) // sh + 1
    ow = (x.shape[1] - kw) // sw + 1
    y = np.zeros((oh, ow, f))
    for i in range(oh):
        for j in range(ow):
            patch = x[i * sh:i * sh + kh, j * sw:j * sw + kw, :]
            y[i, j, :] = np.tensordot(patch, w, axes=([0, 1, 2], [0, 1, 2])) + b
    return y


def pool(x, size, op):
    oh, ow = x.shape[0] // size, x.shape[1] // size
    y = np.zeros((oh, ow, x.shape[2]))
    for i in range(oh):
        for j in range(ow):
            y[i, j] = op(x[i * size:(i + 1) * size, j * size:(j + 1) * size, :], axis=(0, 1))
    return y


ACT = {"relu": lambda v: np.maximum(v, 0), "tanh": np.tanh, "linear": lambda v: v,
       "sigmoid": lambda v: 1 / (1 + np.exp(-v)),
       "softmax": lambda v: np.exp(v - v.max()) / np.exp(v - v.max()).sum()}


def apply(kind, c, w, xs):
    """One layer on its inputs (a list: one tensor, or several for a merge)."""
    x = xs[0]
    if kind == "Conv2D":
        return ACT[c["activation"]](conv2d(x, w[0], w[1], c["strides"], c["padding"]))
    if kind == "MaxPooling2D":
        return pool(x, c["pool_size"][0], np.max)
    if kind == "AveragePooling2D":
        return pool(x, c["pool_size"][0], np.mean)
    if kind == "BatchNormalization":
        gamma, beta, mean, var = w
        return gamma * (x - mean) / np.sqrt(var + c["epsilon"]) + beta
    if kind == "Flatten":
        return x.reshape(-1)  # row-major over (height, width, channels): channels_last order
    if kind == "Dense":
        return ACT[c["activation"]](x @ w[0] + w[1])
    if kind == "Activation":
        return ACT[c["activation"]](x)
    if kind == "Add":
        return sum(xs)
    if kind == "GlobalAveragePooling2D":
        return x.mean(axis=(0, 1))
    if kind in ("Dropout", "InputLayer"):
        return x  # identity at inference
    raise ValueError(kind)


def forward(layers, weights, x):
    """A Sequential model's layers in order, or a functional model's by their inbound nodes."""
    tensors = {}
    for layer in layers:
        kind, c = layer["class_name"], layer["config"]
        nodes = layer.get("inbound_nodes")
        xs = [tensors[n[0]] for n in nodes[0]] if nodes else [x]
        x = apply(kind, c, weights.get(c["name"]), xs)
        tensors[c["name"]] = x
    return x


# --- the files ---

def weights_for(layers, input_shape, rng):
    """Random weights of the right shapes, walking the layers' shapes."""
    shape = list(input_shape)
    out = {}
    shapes = {}
    for layer in layers:
        kind, c = layer["class_name"], layer["config"]
        nodes = layer.get("inbound_nodes")
        if nodes:
            shape = shapes[nodes[0][0][0]]
        if kind == "Conv2D":
            kh, kw = c["kernel_size"]
            out[c["name"]] = [rng.normal(0, 0.4, (kh, kw, shape[2], c["filters"])), rng.normal(0, 0.1, c["filters"])]
            if c["padding"] == "same":
                shape = [-(-shape[0] // c["strides"][0]), -(-shape[1] // c["strides"][1]), c["filters"]]
            else:
                shape = [(shape[0] - kh) // c["strides"][0] + 1, (shape[1] - kw) // c["strides"][1] + 1, c["filters"]]
        elif kind in ("MaxPooling2D", "AveragePooling2D"):
            s = c["pool_size"][0]
            shape = [shape[0] // s, shape[1] // s, shape[2]]
        elif kind == "BatchNormalization":
            n = shape[-1]
            out[c["name"]] = [rng.uniform(0.5, 1.5, n), rng.normal(0, 0.2, n), rng.normal(0, 0.3, n), rng.uniform(0.5, 2.0, n)]
        elif kind == "Flatten":
            shape = [int(np.prod(shape))]
        elif kind == "Dense":
            out[c["name"]] = [rng.normal(0, 0.3, (shape[0], c["units"])), rng.normal(0, 0.1, c["units"])]
            shape = [c["units"]]
        elif kind == "GlobalAveragePooling2D":
            shape = [shape[2]]
        shapes[c["name"]] = shape
    return out


WEIGHT_NAMES = {"Conv2D": ["kernel", "bias"], "Dense": ["kernel", "bias"],
                "BatchNormalization": ["gamma", "beta", "moving_mean", "moving_variance"]}


def write_h5(path, model_config, layers, weights, with_config=True):
    with h5py.File(path, "w") as f:
        if with_config:
            f.attrs["keras_version"] = KERAS.encode()
            f.attrs["backend"] = b"tensorflow"
            f.attrs["model_config"] = json.dumps(model_config).encode()
            f.attrs["training_config"] = json.dumps({"optimizer_config": {"class_name": "Adam", "config": {"lr": 0.001}},
                                                     "loss": "categorical_crossentropy", "metrics": ["accuracy"],
                                                     "sample_weight_mode": None, "loss_weights": None}).encode()
            g = f.create_group("model_weights")
        else:
            g = f  # save_weights(): the layer groups at the root
        g.attrs["keras_version"] = KERAS.encode()
        g.attrs["backend"] = b"tensorflow"
        g.attrs["layer_names"] = [l["config"]["name"].encode() for l in layers]
        for layer in layers:
            name = layer["config"]["name"]
            lg = g.create_group(name)
            names = [f"{name}/{w}:0" for w in WEIGHT_NAMES.get(layer["class_name"], [])]
            lg.attrs["weight_names"] = [n.encode() for n in names]
            for n, value in zip(names, weights.get(name, [])):
                lg.create_dataset(n, data=np.asarray(value, dtype=np.float32))


def text(value):
    return value.decode() if isinstance(value, bytes) else str(value)


def read_h5(path):
    with h5py.File(path, "r") as f:
        config = json.loads(f.attrs["model_config"])
        g = f["model_weights"]
        weights = {}
        for name in [text(n) for n in g.attrs["layer_names"]]:
            names = [text(n) for n in g[name].attrs["weight_names"]]
            if names:
                weights[name] = [np.asarray(g[name][n], dtype=np.float64) for n in names]
    layers = config["config"]["layers"] if isinstance(config["config"], dict) else config["config"]
    return layers, weights


def models():
    seq_layers = [conv_config("conv2d_1", 6, (3, 3), (2, 2), "same", "relu", input_shape=(9, 11, 3)),
                  conv_config("conv2d_2", 4, (2, 2), (1, 1), "valid", "linear"),
                  pool_config("MaxPooling2D", "max_pooling2d_1", 2),
                  bn_config("batch_normalization_1"),
                  simple("Flatten", "flatten_1", data_format="channels_last"),
                  simple("Dropout", "dropout_1", rate=0.3, noise_shape=None, seed=None),
                  dense_config("dense_1", 5, "softmax")]
    seq = {"class_name": "Sequential", "config": {"name": "sequential_1", "layers": seq_layers}, "keras_version": KERAS,
           "backend": "tensorflow"}
    fn_body = [conv_config("conv2d_1", 5, (3, 3), (1, 1), "same", "tanh"),
               pool_config("AveragePooling2D", "average_pooling2d_1", 2),
               conv_config("conv2d_2", 4, (3, 3), (2, 2), "same", "relu"),
               simple("Flatten", "flatten_1", data_format="channels_last"),
               dense_config("dense_1", 7, "relu"),
               simple("Dropout", "dropout_1", rate=0.5, noise_shape=None, seed=None),
               dense_config("dense_2", 3, "softmax")]
    fn_layers = [{"name": "input_1", "class_name": "InputLayer",
                  "config": {"batch_input_shape": [None, 12, 12, 1], "dtype": "float32", "sparse": False, "name": "input_1"},
                  "inbound_nodes": []}]
    previous = "input_1"
    for layer in fn_body:
        fn_layers.append(dict(layer, name=layer["config"]["name"], inbound_nodes=[[[previous, 0, 0, {}]]]))
        previous = layer["config"]["name"]
    fn = {"class_name": "Model", "config": {"name": "model_1", "layers": fn_layers, "input_layers": [["input_1", 0, 0]],
                                            "output_layers": [[previous, 0, 0]]}, "keras_version": KERAS, "backend": "tensorflow"}
    return {"keras-sequential.h5": (seq, seq_layers, (9, 11, 3)), "keras-functional.h5": (fn, fn_layers, (12, 12, 1))}


def residual():
    """A residual block (Keras ResNet v1: conv, conv, batch norm, add the shortcut, ReLU) on 8x8x3."""
    body = [(conv_config("conv2d_1", 4, (3, 3), (1, 1), "same", "relu"), ["input_1"]),
            (conv_config("conv2d_2", 4, (3, 3), (1, 1), "same", "linear"), ["conv2d_1"]),
            (bn_config("batch_normalization_1"), ["conv2d_2"]),
            (simple("Add", "add_1"), ["batch_normalization_1", "conv2d_1"]),
            (simple("Activation", "activation_1", activation="relu"), ["add_1"]),
            (simple("GlobalAveragePooling2D", "global_average_pooling2d_1", data_format="channels_last"), ["activation_1"]),
            (dense_config("dense_1", 3, "softmax"), ["global_average_pooling2d_1"])]
    layers = [{"name": "input_1", "class_name": "InputLayer",
               "config": {"batch_input_shape": [None, 8, 8, 3], "dtype": "float32", "sparse": False, "name": "input_1"},
               "inbound_nodes": []}]
    for layer, inputs in body:
        layers.append(dict(layer, name=layer["config"]["name"], inbound_nodes=[[[i, 0, 0, {}] for i in inputs]]))
    config = {"class_name": "Model", "config": {"name": "model_1", "layers": layers, "input_layers": [["input_1", 0, 0]],
                                                "output_layers": [["dense_1", 0, 0]]}, "keras_version": KERAS,
              "backend": "tensorflow"}
    return config, layers, (8, 8, 3)


def expected(directory, files):
    rng = np.random.default_rng(2)
    out = {}
    for name in files:
        layers, weights = read_h5(f"{directory}/{name}")
        shape = files[name]
        inputs = rng.integers(0, 256, size=(3,) + shape).astype(np.float64)  # raw pixels 0..255
        out[name] = {"input_nhwc": inputs.reshape(3, -1).tolist(),
                     "divide_by": 255.0,
                     "output": [forward(layers, weights, x / 255.0).tolist() for x in inputs]}
    return out


def main():
    check = sys.argv[1] == "--check"
    directory = sys.argv[2] if check else sys.argv[1]
    specs = models()
    if not check:
        rng = np.random.default_rng(1)
        for name, (config, layers, shape) in specs.items():
            write_h5(f"{directory}/{name}", config, layers, weights_for(layers, shape, rng))
        config, layers, shape = specs["keras-sequential.h5"]
        write_h5(f"{directory}/keras-weights-only.h5", config, layers, weights_for(layers, shape, rng), with_config=False)
        # A layer DL4J cannot import (a Python lambda), second in the model.
        odd = [layers[0], simple("Lambda", "lambda_1", function=["4wEAAAAAAAAA", None, None], function_type="lambda",
                                 output_shape=None, output_shape_type="raw", arguments={}), layers[4], layers[6]]
        odd_config = {"class_name": "Sequential", "config": {"name": "sequential_2", "layers": odd}}
        write_h5(f"{directory}/keras-unsupported.h5", odd_config, odd, {})
        # Its own random numbers, so the files above stay as they were.
        config, layers, shape = residual()
        write_h5(f"{directory}/keras-residual.h5", config, layers, weights_for(layers, shape, np.random.default_rng(3)))
    shapes = {name: shape for name, (_, _, shape) in specs.items()}
    shapes["keras-residual.h5"] = residual()[2]
    result = expected(directory, shapes)
    if check:
        with open(f"{directory}/keras-expected.json") as f:
            committed = json.load(f)
        worst = max(float(np.abs(np.array(result[n]["output"]) - np.array(committed[n]["output"])).max()) for n in result)
        print(f"largest difference from the committed outputs: {worst:.3g}")
        sys.exit(0 if worst < 1e-9 else 1)
    with open(f"{directory}/keras-expected.json", "w") as f:
        json.dump(result, f)


if __name__ == "__main__":
    main()
