#!/usr/bin/python3
"""torchaudio peer of bench/LossBench: same shapes, same length distribution, forward+backward time and peak RSS.
Usage: rnnt_loss_torchaudio.py MODE B T U V [repeats]   MODE = loss (logits given) | joint (joint Linear(tanh(enc+pred)) + loss)
"""
import random, resource, sys, time
import torch, torchaudio.functional as F

mode = sys.argv[1]
B, T, U, V = (int(x) for x in sys.argv[2:6])
repeats = int(sys.argv[6]) if len(sys.argv) > 6 else 3
D = 256
torch.manual_seed(1)
rng = random.Random(1)
frames = torch.tensor([T if b == 0 else rng.randint(T // 2, T) for b in range(B)], dtype=torch.int32)
tokens = torch.tensor([U if b == 0 else rng.randint(U // 2, U) for b in range(B)], dtype=torch.int32)
targets = torch.randint(1, V, (B, U), dtype=torch.int32)
weight = (torch.randn(V, D) * 0.1).requires_grad_()
# RSS before any loss work (after one small product, as LossBench): peak minus this is the loss's own memory
torch.nn.functional.linear(torch.randn(64, D), weight).sum().item()
base_kb = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmRSS:"))
times = []
for rep in range(repeats + 1):
    weight.grad = None
    if mode == "loss":
        logits = torch.randn(B, T, U + 1, V).requires_grad_()
        t0 = time.perf_counter()
    else:
        enc = torch.randn(B, T, D).requires_grad_()
        pred = torch.randn(B, U + 1, D).requires_grad_()
        t0 = time.perf_counter()
        logits = torch.nn.functional.linear(torch.tanh(enc.unsqueeze(2) + pred.unsqueeze(1)), weight)
    loss = F.rnnt_loss(logits, targets, frames, tokens, blank=0, reduction="mean")
    loss.backward()
    value = loss.item()
    if rep > 0:
        times.append((time.perf_counter() - t0) * 1000)
    del logits, loss
times.sort()
peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
print(f'{{"impl": "torchaudio", "mode": "{mode}", "B": {B}, "T": {T}, "U": {U}, "V": {V}, "ms": {times[len(times) // 2]:.1f}, "peak_mb": {peak_mb}, "work_mb": {peak_mb - base_kb // 1024}, "loss": {value:.4f}}}')
