#!/usr/bin/python3
"""PyTorch's memory for single-image inference of the main job's network: fruits-cnn at 28x28x1, 10 classes (batch
norm folded into the convolutions, as a frozen graph does), in eval mode, frozen with torch.jit.freeze +
optimize_for_inference, run on one image N times under torch.inference_mode(). Prints the peak resident set size.

    /usr/bin/python3 scripts/peer_rss.py --calls 500
"""
import argparse
import json
import os
import resource
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from peer_bench import fruits_cnn  # noqa: E402  the same layers the speed peer runs

p = argparse.ArgumentParser()
p.add_argument("--calls", type=int, default=500)
p.add_argument("--threads", type=int, default=2)
a = p.parse_args()
torch.set_num_threads(a.threads)
model = fruits_cnn(1, 28, 28, 10).eval()
one = torch.rand(1, 1, 28, 28) * 255
with torch.inference_mode():
    frozen = torch.jit.optimize_for_inference(torch.jit.freeze(torch.jit.script(model)))
    for _ in range(a.calls):
        frozen(one)
print(json.dumps({"torch": torch.__version__, "calls": a.calls, "threads": torch.get_num_threads(),
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024}))
