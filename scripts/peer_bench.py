#!/usr/bin/python3
"""The seed model (fruits-cnn) in PyTorch, measured the way `convlab bench` measures ConvLab.

Same layers, shapes, batch, optimizer (Adam 1e-3) and loss (cross-entropy over a softmax); random
data; warm-up iterations first; train and inference images/s from the median iteration time;
single-image latency p50/p95; peak RSS. Prints one JSON object with --json.
Run through scripts/bench-peer, which installs PyTorch and picks its fastest BLAS.
"""
import argparse
import json
import math
import os
import resource
import statistics
import time

import torch
import torch.nn as nn


def fruits_cnn(channels, height, width, classes):
    layers, c = [], channels
    for filters, convs in ((32, 3), (64, 3), (128, 3), (256, 2)):
        for _ in range(convs):
            layers += [nn.Conv2d(c, filters, 3, padding=1), nn.ReLU()]
            c = filters
        layers.append(nn.MaxPool2d(2))  # floor: 25 -> 12, as Keras' 'valid' pooling
        height, width = height // 2, width // 2
    layers += [nn.Flatten(), nn.Linear(c * height * width, 1024), nn.ReLU(), nn.Linear(1024, classes)]
    return nn.Sequential(*layers)


def percentile(values, p):
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[min(len(ordered), rank) - 1]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--input", default="100x100x3")
    ap.add_argument("--classes", type=int, default=60)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--warmup", type=int, default=10)
    ap.add_argument("--iterations", type=int, default=20)
    ap.add_argument("--latency-samples", type=int, default=50)
    ap.add_argument("--channels-last", action="store_true")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    h, w, c = (int(v) for v in a.input.split("x"))
    torch.manual_seed(1)
    torch.set_num_threads(os.cpu_count())
    fmt = torch.channels_last if a.channels_last else torch.contiguous_format
    model = fruits_cnn(c, h, w, a.classes).to(memory_format=fmt)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
    loss_fn = nn.CrossEntropyLoss()
    x = torch.rand(a.batch, c, h, w).to(memory_format=fmt)
    y = torch.arange(a.batch) % a.classes

    def step():
        opt.zero_grad(set_to_none=True)
        loss_fn(model(x), y).backward()
        opt.step()

    model.train()
    for _ in range(a.warmup):
        step()
    train = []
    for _ in range(a.iterations):
        t = time.perf_counter()
        step()
        train.append(time.perf_counter() - t)
    model.eval()
    infer, latency = [], []
    with torch.no_grad():
        for _ in range(a.warmup):
            model(x)
        for _ in range(a.iterations):
            t = time.perf_counter()
            model(x)
            infer.append(time.perf_counter() - t)
        one = x[:1].contiguous(memory_format=fmt)
        for _ in range(a.warmup):
            model(one)
        for _ in range(a.latency_samples):
            t = time.perf_counter()
            model(one)
            latency.append((time.perf_counter() - t) * 1000)
    result = {
        "arch": "fruits-cnn (PyTorch)",
        "input": a.input,
        "batch": a.batch,
        "train_images_per_sec": a.batch / statistics.median(train),
        "infer_images_per_sec": a.batch / statistics.median(infer),
        "latency_ms_p50": percentile(latency, 50),
        "latency_ms_p95": percentile(latency, 95),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
        "backend": "pytorch %s, %d threads, %s, BLAS %s" % (torch.__version__, torch.get_num_threads(),
                                                           "channels_last" if a.channels_last else "NCHW",
                                                           os.environ.get("CONVLAB_PEER_BLAS", "default")),
    }
    if a.json:
        print(json.dumps(result))
    else:
        for k, v in result.items():
            print("%-22s %s" % (k, round(v, 2) if isinstance(v, float) else v))


if __name__ == "__main__":
    main()
