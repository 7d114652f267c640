#!/usr/bin/python3
"""Reference RNN-T losses and logits gradients from torchaudio.functional.rnnt_loss (Debian python3-torchaudio).

Randomised padded batches: logits hold random values in the padded cells too (the loss must ignore them), the
target padding holds random tokens. torchaudio needs int32 targets/lengths and logits.size(1) == max frames.
Run: /usr/bin/python3 tests/SharpAsr.Tests/data/loss/make_torchaudio_reference.py
Writes torchaudio_reference.json next to this script (loss per utterance, gradient of the summed loss).
"""
import json, os
import torch, torchaudio, torchaudio.functional as F

torch.manual_seed(20240606)
cases = []
for batch, max_t, max_u, vocab, blank in [(3, 7, 4, 6, 0), (4, 9, 5, 5, 4), (2, 5, 3, 8, 7), (5, 6, 6, 7, 0)]:
    frames = torch.randint(1, max_t + 1, (batch,))
    tokens = torch.randint(0, max_u + 1, (batch,))
    frames[0], tokens[1 % batch] = max_t, max_u  # the padded box is exactly [max T, max U + 1]
    logits = (torch.randn(batch, max_t, max_u + 1, vocab) * 2).requires_grad_()
    non_blank = [k for k in range(vocab) if k != blank]
    targets = torch.tensor(non_blank)[torch.randint(0, len(non_blank), (batch, max_u))]
    loss = F.rnnt_loss(logits, targets.int(), frames.int(), tokens.int(), blank=blank, reduction="none")
    grad, = torch.autograd.grad(loss.sum(), logits)
    cases.append({
        "shape": [batch, max_t, max_u + 1, vocab], "blank": blank,
        "frames": frames.tolist(), "tokens": tokens.tolist(), "targets": targets.flatten().tolist(),
        "logits": logits.detach().flatten().tolist(), "loss": loss.tolist(), "grad": grad.flatten().tolist(),
    })

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "torchaudio_reference.json")
with open(out, "w") as f:
    json.dump({"torch": torch.__version__, "torchaudio": torchaudio.__version__, "cases": cases}, f)
print(out, [c["loss"] for c in cases])
