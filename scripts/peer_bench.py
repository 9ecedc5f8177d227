#!/usr/bin/python3
"""The seed model (fruits-cnn) in PyTorch at its best, measured the way `convlab bench` measures ConvLab.

Same layers, shapes, batch, optimizer (Adam 1e-3) and loss (cross-entropy over a softmax); random
data; warm-up iterations first (and --settle seconds more of calls in each phase, as
ConvLab runs on until its JIT is quiet); train and inference images/s from the median iteration time;
single-image latency p50/p95; peak RSS after the inference phases (which run first) and over the whole run.
Prints one JSON object with --json.

PyTorch's fastest settings on a CPU, all on: in-place ReLU, channels_last tensors,
torch.inference_mode() for inference, and for inference and latency whichever is fastest of eager
mode, a TorchScript graph frozen with torch.jit.freeze + optimize_for_inference, traced on the
shape it runs, and the model with its weights prepacked for oneDNN by torch.utils.mkldnn.to_mkldnn (fp32
or bf16) (the "infer_mode" and "latency_mode" fields say which won); Adam with foreach=True. --precision bf16 runs under torch.autocast("cpu", torch.bfloat16) with
float32 master weights, PyTorch's own mixed precision. --precision int8 measures inference only: PyTorch's
static post-training quantization (FX graph mode: convolutions fused with their ReLUs, every layer int8,
min-max/histogram observers calibrated on the benchmark batch, as ConvLab calibrates on it), on each
quantized engine this build has for x86 (onednn, fbgemm), eager and frozen TorchScript, the fastest kept.
Run through scripts/bench-peer, which installs PyTorch and picks its fastest BLAS.
"""
import argparse
import contextlib
import copy
import functools
import json
import math
import os
import resource
import statistics
import time

import torch
import torch.nn as nn
import torch.utils.mkldnn  # noqa: F401  (a submodule import makes torch.utils.mkldnn reachable)


def fruits_cnn(channels, height, width, classes):
    layers, c = [], channels
    for filters, convs in ((32, 3), (64, 3), (128, 3), (256, 2)):
        for _ in range(convs):
            layers += [nn.Conv2d(c, filters, 3, padding=1), nn.ReLU(inplace=True)]
            c = filters
        layers.append(nn.MaxPool2d(2))  # floor: 25 -> 12, as Keras' 'valid' pooling
        height, width = height // 2, width // 2
    layers += [nn.Flatten(), nn.Linear(c * height * width, 1024), nn.ReLU(inplace=True), nn.Linear(1024, classes)]
    return nn.Sequential(*layers)


def blas_loaded():
    """The BLAS library this process really mapped (from /proc/self/maps), or None."""
    with open("/proc/self/maps") as maps:
        for line in maps:
            path = line.split()[-1] if line.strip() else ""
            if "libblas.so" in path or "libopenblas" in path:
                return path
    return None


def percentile(values, p):
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[min(len(ordered), rank) - 1]


def timed(fn, warmup, iterations, settle=0.0):
    for _ in range(warmup):
        fn()
    # As ConvLab's bench runs on until its JIT is quiet, the peer gets seconds of calls to settle too.
    end = time.perf_counter() + settle
    while time.perf_counter() < end:
        fn()
    times = []
    for _ in range(iterations):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return times


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--input", default="100x100x3")
    ap.add_argument("--classes", type=int, default=60)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--warmup", type=int, default=10)
    ap.add_argument("--settle", type=float, default=5.0, help="seconds of untimed calls after warm-up, in each phase")
    ap.add_argument("--iterations", type=int, default=20)
    ap.add_argument("--latency-samples", type=int, default=50)
    ap.add_argument("--precision", choices=("fp32", "bf16", "int8"), default="fp32")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    h, w, c = (int(v) for v in a.input.split("x"))
    torch.manual_seed(1)
    torch.set_num_threads(os.cpu_count())
    fmt = torch.channels_last
    bf16 = a.precision == "bf16"
    int8 = a.precision == "int8"

    def autocast():
        return torch.autocast("cpu", dtype=torch.bfloat16) if bf16 else contextlib.nullcontext()

    model = fruits_cnn(c, h, w, a.classes).to(memory_format=fmt)
    # foreach: the multi-tensor Adam, one kernel call per step for all parameters.
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7, foreach=True)
    loss_fn = nn.CrossEntropyLoss()
    x = torch.rand(a.batch, c, h, w).contiguous(memory_format=fmt)
    y = torch.arange(a.batch) % a.classes
    one = x[:1].contiguous(memory_format=fmt)

    def step():
        opt.zero_grad(set_to_none=True)
        with autocast():
            loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()

    # Inference first, on the initial weights (speed does not depend on them), as `convlab bench` orders it, so
    # that the peak resident set after it is inference's alone; training after.
    model.eval()

    def frozen_graph(example):
        with torch.no_grad(), autocast():
            # Tracing under autocast records the bf16 casts into the graph; freezing folds the weights.
            traced = torch.jit.trace(model, example, check_trace=False)
            return torch.jit.optimize_for_inference(torch.jit.freeze(traced))

    @functools.lru_cache(maxsize=None)  # one quantized model per engine, for batch and latency alike
    def quantized(engine):
        from torch.ao.quantization import get_default_qconfig_mapping
        from torch.ao.quantization.quantize_fx import convert_fx, prepare_fx
        torch.backends.quantized.engine = engine
        prepared = prepare_fx(copy.deepcopy(model), get_default_qconfig_mapping(engine), example_inputs=(x,))
        with torch.no_grad():
            prepared(x)
        return convert_fx(prepared)

    def mkldnn_prepacked():
        # Weights reordered for oneDNN once (torch.utils.mkldnn), input and output converted per call.
        packed = torch.utils.mkldnn.to_mkldnn(copy.deepcopy(model).float(), torch.bfloat16 if bf16 else torch.float)

        def run(t):
            return packed(t.contiguous().to_mkldnn(torch.bfloat16 if bf16 else torch.float)).to_dense()
        return run

    def candidates(example):
        if not int8:
            found = [("eager", model, None), ("torchscript-frozen", frozen_graph(example), None)]
            try:
                found.append(("mkldnn-prepacked", mkldnn_prepacked(), None))
            except (RuntimeError, TypeError):  # a layer or dtype torch.utils.mkldnn does not take: the others stand
                pass
            return found
        found = []
        for engine in (e for e in ("onednn", "fbgemm") if e in torch.backends.quantized.supported_engines):
            q = quantized(engine)
            with torch.no_grad():
                frozen = torch.jit.freeze(torch.jit.trace(q, example, check_trace=False))
            found += [(engine + "-eager", q, engine), (engine + "-torchscript-frozen", frozen, engine)]
        return found

    # Inference and latency each take the fastest of eager mode and a frozen graph, the latter traced
    # on the shape it runs (a batch, or one image); in int8, of each quantized engine's two.
    def fastest(example, calls):
        best = None
        for name, m, engine in candidates(example):
            if engine:
                torch.backends.quantized.engine = engine
            with torch.inference_mode(), autocast():
                times = timed(lambda: m(example), a.warmup, calls, a.settle)
            if best is None or statistics.median(times) < statistics.median(best[1]):
                best = (name, times)
        return best

    name, infer = fastest(x, a.iterations)
    latency_name, latency = fastest(one, a.latency_samples)
    latency = [t * 1000 for t in latency]
    inference_peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    train = None
    if not int8:
        model.train()
        train = timed(step, a.warmup, a.iterations, a.settle)
    # The BLAS bench-peer chose must be the one that runs: else the figures belong to another configuration.
    loaded = blas_loaded()
    wanted = os.environ.get("CONVLAB_PEER_BLAS_DIR")
    if wanted and not (loaded and os.path.realpath(loaded).startswith(os.path.dirname(os.path.realpath(wanted)))):
        raise SystemExit("peer_bench.py: meant to run on the OpenBLAS in %s, but %s loaded" % (wanted, loaded))
    result = {
        "arch": "fruits-cnn (PyTorch)",
        "input": a.input,
        "batch": a.batch,
        "precision": a.precision,
        "train_images_per_sec": a.batch / statistics.median(train) if train else None,
        "infer_images_per_sec": a.batch / statistics.median(infer),
        "latency_ms_p50": percentile(latency, 50),
        "latency_ms_p95": percentile(latency, 95),
        "inference_peak_rss_mb": inference_peak_rss_mb,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
        "infer_mode": name,
        "latency_mode": latency_name,
        "blas": os.environ.get("CONVLAB_PEER_BLAS", "default"),
        "blas_loaded": loaded,
        "backend": "pytorch %s %s, %d threads, channels_last, in-place ReLU, inference_mode, %s (latency: %s), BLAS %s" % (
            torch.__version__, a.precision, torch.get_num_threads(), name, latency_name,
            os.environ.get("CONVLAB_PEER_BLAS", "default")),
    }
    if a.json:
        print(json.dumps(result))
    else:
        for k, v in result.items():
            print("%-22s %s" % (k, round(v, 2) if isinstance(v, float) else "not measured (inference only)" if v is None else v))


if __name__ == "__main__":
    main()
