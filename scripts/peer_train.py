#!/usr/bin/python3
"""The main job's recipe in PyTorch, on the same Fashion-MNIST files, for time to accuracy.

`scripts/convlab train` with no options trains fruits-cnn-bn (the seed family with batch norm after
every convolution and dropout 0.5 before the classifier) on Fashion-MNIST: 54,000 training images
(a tenth held out for validation), pixels / 255, batch 64, 4 epochs, Adam 1e-3 (epsilon 1e-7, as
Keras) with a cosine rate per minibatch down to 0, He-uniform weights, zero biases, batch norm with
Keras' momentum 0.99 and epsilon 1e-3, validation accuracy after every epoch, then the 10,000 test
images. This does the same in PyTorch at its best on this CPU (channels_last, in-place ReLU,
inference_mode for evaluation, and --precision bf16 for torch.autocast), and prints one JSON object:
wall seconds from start (reading the files included, as ConvLab's wall includes its start-up) and
test accuracy. Run through `scripts/bench-peer --task time-to-accuracy`.
"""
import argparse
import contextlib
import gzip
import json
import math
import os
import struct
import time

import numpy as np
import torch
import torch.nn as nn

START = time.perf_counter()
DATA = "/usr/share/datasets/fashion-mnist"


def idx(name):
    with gzip.open(os.path.join(DATA, name), "rb") as f:
        magic = struct.unpack(">I", f.read(4))[0]
        dims = struct.unpack(">" + "I" * (magic & 0xFF), f.read(4 * (magic & 0xFF)))
        return np.frombuffer(f.read(), dtype=np.uint8).reshape(dims)


def model(classes):
    layers, c, size = [], 1, 28
    for filters, convs in ((32, 3), (64, 3), (128, 3), (256, 2)):
        for _ in range(convs):
            layers += [nn.Conv2d(c, filters, 3, padding=1), nn.ReLU(inplace=True),
                       nn.BatchNorm2d(filters, eps=1e-3, momentum=0.01)]
            c = filters
        layers.append(nn.MaxPool2d(2))
        size //= 2
    layers += [nn.Flatten(), nn.Linear(c * size * size, 1024), nn.ReLU(inplace=True), nn.Dropout(0.5),
               nn.Linear(1024, classes)]
    net = nn.Sequential(*layers)
    for m in net.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            nn.init.kaiming_uniform_(m.weight, nonlinearity="relu")
            nn.init.zeros_(m.bias)
    return net


def accuracy(net, x, y, autocast):
    net.eval()
    right = 0
    with torch.inference_mode(), autocast():
        for i in range(0, len(x), 1000):
            right += (net(x[i:i + 1000]).argmax(1) == y[i:i + 1000]).sum().item()
    net.train()
    return right / len(x)


def convlab_split(labels, seed, fraction=0.1):
    """The validation indices ConvLab holds out (its Stratified.split): each class's indices shuffled in
    turn by one java.util.Random(seed) through Collections.shuffle, the first round(size * fraction)
    of each class held out. Java's generator and shuffle are replayed here exactly."""
    mask = (1 << 48) - 1
    state = [(seed ^ 0x5DEECE66D) & mask]

    def next31():
        state[0] = (state[0] * 0x5DEECE66D + 0xB) & mask
        return state[0] >> 17

    def next_int(bound):
        r = next31()
        if bound & (bound - 1) == 0:
            return (bound * r) >> 31
        u = r
        r = u % bound
        while u - r + bound - 1 >= 2 ** 31:  # Java's int overflow: draw again
            u = next31()
            r = u % bound
        return r

    held = []
    for c in range(int(labels.max()) + 1):
        group = [i for i in range(len(labels)) if labels[i] == c]
        for i in range(len(group), 1, -1):
            j = next_int(i)
            group[i - 1], group[j] = group[j], group[i - 1]
        held += group[:int(math.floor(len(group) * fraction + 0.5))]
    return sorted(held)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=4)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--precision", choices=["fp32", "bf16"], default="fp32")
    ap.add_argument("--split", choices=["random", "convlab"], default="random",
                    help="which tenth to hold out: a random one, or exactly the images ConvLab holds out")
    args = ap.parse_args()
    torch.set_num_threads(os.cpu_count())
    torch.manual_seed(args.seed)
    autocast = (lambda: torch.autocast("cpu", dtype=torch.bfloat16)) if args.precision == "bf16" \
        else contextlib.nullcontext

    def tensors(images, labels):
        x = torch.from_numpy(images.astype(np.float32) / 255.0).unsqueeze(1).contiguous(memory_format=torch.channels_last)
        return x, torch.from_numpy(labels.astype(np.int64))

    x, y = tensors(idx("train-images-idx3-ubyte.gz"), idx("train-labels-idx1-ubyte.gz"))
    x_test, y_test = tensors(idx("t10k-images-idx3-ubyte.gz"), idx("t10k-labels-idx1-ubyte.gz"))
    if args.split == "convlab":
        held = torch.tensor(convlab_split(y.numpy(), args.seed))
        keep = torch.ones(len(x), dtype=torch.bool)
        keep[held] = False
        order = torch.cat([held, torch.nonzero(keep).flatten()])
    else:
        order = torch.randperm(len(x), generator=torch.Generator().manual_seed(args.seed))
    held = len(x) // 10
    x_val, y_val = x[order[:held]], y[order[:held]]
    x_train, y_train = x[order[held:]], y[order[held:]]

    net = model(10).to(memory_format=torch.channels_last)
    opt = torch.optim.Adam(net.parameters(), lr=args.lr, eps=1e-7)
    steps = args.epochs * math.ceil(len(x_train) / args.batch)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: 0.5 * (1 + math.cos(math.pi * min(s, steps) / steps)))
    loss_fn = nn.CrossEntropyLoss()
    history = []
    for epoch in range(args.epochs):
        perm = torch.randperm(len(x_train))
        for i in range(0, len(x_train), args.batch):
            idx_ = perm[i:i + args.batch]
            with autocast():
                loss = loss_fn(net(x_train[idx_]), y_train[idx_])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
        history.append(round(accuracy(net, x_val, y_val, autocast), 4))
    test = accuracy(net, x_test, y_test, autocast)
    print(json.dumps({"precision": args.precision, "epochs": args.epochs, "batch": args.batch,
                      "val_accuracy": history, "test_accuracy": round(test, 4),
                      "wall_s": round(time.perf_counter() - START, 1),
                      "backend": "pytorch %s %s, %d threads, channels_last" % (torch.__version__, args.precision,
                                                                              torch.get_num_threads())}))


if __name__ == "__main__":
    main()
