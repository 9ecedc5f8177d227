"""ConvLab's exported ONNX files on a CUDA GPU through PyTorch alone (no ONNX Runtime needed): a small
interpreter for the opset-13 subset `convlab export onnx` writes. Checks the main job's model on the
10,000 Fashion-MNIST test images against ConvLab's own outputs (computed on the CPU with DL4J) and
measures images/s in fp32 and bf16 autocast, eager, one run of 3 s per figure.

Usage: python3 scripts/onnx_gpu_check.py DIR, where DIR holds fashion-cnn.onnx (the main job's model,
exported), fruits-cnn.onnx (any stored fruits-cnn, exported; for speed only), Debian's
t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz, and fashion-cnn.probs: ConvLab's
probabilities for those images in file order, float32 little-endian, one row of 10 per image."""
import gzip, json, os, sys, time

if len(sys.argv) != 2 or not all(os.path.isfile(os.path.join(sys.argv[1], f)) for f in (
        "fashion-cnn.onnx", "fruits-cnn.onnx", "fashion-cnn.probs", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")):
    print("onnx_gpu_check.py: give one DIR holding fashion-cnn.onnx, fruits-cnn.onnx, fashion-cnn.probs and the two "
          "t10k files (see the header)", file=sys.stderr)
    sys.exit(2)
import numpy as np
import onnx
from onnx import numpy_helper
import torch
import torch.nn.functional as F

here = sys.argv[1]
dev = torch.device("cuda")


def attrs(node):
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def pool_pad(x, pads, value):
    t, l, b, r = pads
    return F.pad(x, (l, r, t, b), value=value) if any(pads) else x


_weights = {}


def run(model, x):
    if id(model) not in _weights:  # uploaded once per model
        _weights[id(model)] = {i.name: torch.from_numpy(numpy_helper.to_array(i).copy()).to(dev) for i in model.graph.initializer}
    env = dict(_weights[id(model)])
    env[model.graph.input[0].name] = x
    for n in model.graph.node:
        a, i = attrs(n), [env[k] for k in n.input]
        op = n.op_type
        if op == "Conv":
            p = list(a.get("pads", [0, 0, 0, 0]))
            y = F.conv2d(pool_pad(i[0], p, 0.0), i[1], i[2] if len(i) > 2 else None, stride=a["strides"],
                         dilation=a.get("dilations", [1, 1]))
        elif op == "MaxPool":
            y = F.max_pool2d(pool_pad(i[0], list(a.get("pads", [0, 0, 0, 0])), float("-inf")), a["kernel_shape"], a["strides"])
        elif op == "AveragePool":
            p = list(a.get("pads", [0, 0, 0, 0]))
            assert not any(p) or a.get("count_include_pad", 0) == 1, "asymmetric exclude-pad average pool"
            y = F.avg_pool2d(pool_pad(i[0], p, 0.0), a["kernel_shape"], a["strides"])
        elif op == "BatchNormalization":
            y = F.batch_norm(i[0], i[3], i[4], i[1], i[2], False, 0.0, a.get("epsilon", 1e-5))
        elif op == "Gemm":
            y = F.linear(i[0], i[1].t(), i[2] if len(i) > 2 else None)
        elif op == "Relu":
            y = F.relu(i[0])
        elif op == "Softmax":
            y = torch.softmax(i[0], dim=a.get("axis", -1))
        elif op == "Flatten":
            y = torch.flatten(i[0], a.get("axis", 1))
        elif op == "Transpose":
            y = i[0].permute(*a["perm"])
        elif op == "Gather":
            y = torch.index_select(i[0], a.get("axis", 0), i[1].long())
        elif op in ("Div", "Mul", "Add", "Sub"):
            y = {"Div": torch.div, "Mul": torch.mul, "Add": torch.add, "Sub": torch.sub}[op](i[0], i[1])
        elif op in ("Tanh", "Sigmoid", "Erf", "Identity"):
            y = {"Tanh": torch.tanh, "Sigmoid": torch.sigmoid, "Erf": torch.erf, "Identity": lambda v: v}[op](i[0])
        else:
            raise SystemExit(f"op {op} is not in this checker")
        env[n.output[0]] = y
    return env[model.graph.output[0].name]


def images():
    with gzip.open(os.path.join(here, "t10k-images-idx3-ubyte.gz")) as f:
        x = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 1, 28, 28).astype(np.float32)
    with gzip.open(os.path.join(here, "t10k-labels-idx1-ubyte.gz")) as f:
        y = np.frombuffer(f.read(), np.uint8, offset=8)
    return x, y


def speed(model, shape, batch, bf16, seconds=3.0):
    x = torch.rand((batch,) + shape, device=dev) * 255
    with torch.inference_mode(), torch.autocast("cuda", torch.bfloat16, enabled=bf16):
        for _ in range(5):
            run(model, x)
        torch.cuda.synchronize()
        n, t0 = 0, time.perf_counter()
        while time.perf_counter() - t0 < seconds:
            run(model, x)
            n += 1
        torch.cuda.synchronize()
        return n * batch / (time.perf_counter() - t0)


def main():
    print(torch.__version__, torch.cuda.get_device_name(0))
    torch.backends.cudnn.allow_tf32 = False  # plain fp32 for the comparison with ConvLab
    torch.backends.cuda.matmul.allow_tf32 = False
    out = {}
    fashion = onnx.load(os.path.join(here, "fashion-cnn.onnx"))
    onnx.checker.check_model(fashion, full_check=True)
    x, y = images()
    convlab = np.fromfile(os.path.join(here, "fashion-cnn.probs"), dtype="<f4").reshape(len(y), -1)
    for name, bf16 in (("fp32", False), ("bf16", True)):
        with torch.inference_mode(), torch.autocast("cuda", torch.bfloat16, enabled=bf16):
            p = torch.cat([run(fashion, torch.from_numpy(x[k:k + 1000]).to(dev)).float() for k in range(0, len(y), 1000)]).cpu().numpy()
        out[f"fashion_{name}"] = {
            "max_abs_diff_vs_convlab": float(np.abs(p - convlab).max()),
            "top1_agreement_vs_convlab": float((p.argmax(1) == convlab.argmax(1)).mean()),
            "test_accuracy": float((p.argmax(1) == y).mean()),
            "convlab_test_accuracy": float((convlab.argmax(1) == y).mean())}
    torch.backends.cudnn.allow_tf32 = True  # PyTorch's default for speed
    torch.backends.cuda.matmul.allow_tf32 = True
    for model_name, shape in (("fashion-cnn", (1, 28, 28)), ("fruits-cnn", (3, 100, 100))):
        m = onnx.load(os.path.join(here, model_name + ".onnx"))
        for batch in (1, 32, 256, 1024):
            for name, bf16 in (("fp32", False), ("bf16", True)):
                out[f"{model_name}_b{batch}_{name}_img_per_s"] = round(speed(m, shape, batch, bf16), 1)
    print(json.dumps(out, indent=1))


main()
