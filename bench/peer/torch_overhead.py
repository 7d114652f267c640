#!/usr/bin/python3
"""The PyTorch peer of bench/TorchOverhead: the same tiny op (chained add of 1-element tensors) timed
from Python eager mode and inside libtorch (a TorchScript loop: the interpreter calls the op through
the same boxed dispatcher path as SharpTorch, with no Python per op), and sgemm 1024^3 GFLOP/s.
Prints "key<TAB>value" lines. Run by bench/run-torch.sh with Debian's /usr/bin/python3."""
import sys
import time

import torch

threads = int(sys.argv[2]) if len(sys.argv) > 2 and sys.argv[1] == "--threads" else 1
torch.set_num_threads(threads)


def best_us(repeats, ops, run):
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        run(ops)
        best = min(best, (time.perf_counter() - t0) * 1e6 / ops)
    return best


@torch.jit.script
def script_loop(a: torch.Tensor, b: torch.Tensor, n: int) -> torch.Tensor:
    c = a
    for _ in range(n):
        c = torch.add(c, b)
    return c


def eager_loop(n, a=torch.ones(1), b=torch.ones(1)):
    c = a
    for _ in range(n):
        c = torch.add(c, b)
    return c


if threads == 1:
    with torch.no_grad():
        a, b = torch.ones(1), torch.ones(1)
        ops = 200_000
        eager_loop(ops)
        script_loop(a, b, ops)
        print(f"add_us\t{best_us(5, ops, eager_loop):.3f}")
        print(f"add_script_us\t{best_us(5, ops, lambda n: script_loop(a, b, n)):.3f}")

g = torch.Generator().manual_seed(1)
x, y = torch.randn(1024, 1024, generator=g), torch.randn(1024, 1024, generator=g)
for _ in range(3):
    x @ y
us = best_us(10, 1, lambda _: x @ y)
print(f"sgemm{threads}_gflops\t{2 * 1024 ** 3 / (us * 1e3):.3f}")

# dropout forward + backward over [16, 256, 64] float32, p = 0.1 (bench/TorchOverhead's last case)
x = torch.randn(16, 256, 64, generator=g).requires_grad_()
grad = torch.randn(16, 256, 64, generator=g)


def dropout_steps(n):
    for _ in range(n):
        torch.nn.functional.dropout(x, 0.1, True).backward(grad)


dropout_steps(3)
print(f"dropout{threads}_ms\t{best_us(5, 20, dropout_steps) / 1e3:.3f}")
