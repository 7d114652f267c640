#!/usr/bin/python3
"""Writes reference.safetensors: inputs and outputs of the ops SharpTorch binds, computed with
Debian's python3-torch through PyTorch's own Python API (nn.LSTM over packed sequences,
F.conv1d/conv2d, F.layer_norm, F.batch_norm, torch.stft, torch.optim.AdamW …). The C# test
TorchReferenceTests feeds the same inputs through SharpTorch and compares.

Names are "<case>.<tensor>". Run: /usr/bin/python3 make_reference.py reference.safetensors
"""
import sys

import torch
import torch.nn.functional as F
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from safetensors_format import serialize

torch.manual_seed(2024)
out = {}


def put(case, **tensors):
    for k, v in tensors.items():
        out[f"{case}.{k}"] = v.detach().contiguous()


x, w, b = torch.randn(2, 3, 5), torch.randn(4, 5), torch.randn(4)
put("linear", x=x, weight=w, bias=b, y=F.linear(x, w, b))

a, m = torch.randn(3, 2, 4), torch.randn(4, 6)
put("matmul", a=a, b=m, y=a @ m)

x = torch.randn(3, 7) * 3
put("softmax", x=x, softmax=F.softmax(x, 1), log_softmax=F.log_softmax(x, 1), logsumexp=torch.logsumexp(x, 1))

x = torch.randn(4, 6)
put("glu_silu", x=x, glu=F.glu(x, -1), silu=F.silu(x), sigmoid=torch.sigmoid(x), tanh=torch.tanh(x), relu=F.relu(x))

weight, idx = torch.randn(10, 3), torch.tensor([[1, 0, 9], [0, 4, 4]])
put("embedding", weight=weight, indices=idx, y=F.embedding(idx, weight, padding_idx=0))

# LSTM: 2 layers, batch of padded utterances with lengths (unsorted), initial state in, final state out.
lstm = torch.nn.LSTM(3, 5, num_layers=2, batch_first=True)
x, lengths = torch.randn(3, 6, 3), torch.tensor([4, 6, 2])
h0, c0 = torch.randn(2, 3, 5), torch.randn(2, 3, 5)
packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
y, (h, c) = lstm(packed, (h0, c0))
y, _ = pad_packed_sequence(y, batch_first=True, total_length=6)
put("lstm", x=x, lengths=lengths, h0=h0, c0=c0, y=y, h=h, c=c, **dict(lstm.named_parameters()))

x = torch.randn(2, 4, 11)
w, b, wd = torch.randn(6, 4, 3), torch.randn(6), torch.randn(4, 1, 5)
put("conv1d", x=x, weight=w, bias=b, y=F.conv1d(x, w, b, stride=2, padding=1, dilation=2),
    depthwise_weight=wd, depthwise=F.conv1d(x, wd, None, padding=2, groups=4))

x = torch.randn(2, 3, 7, 6)
w, b, wd = torch.randn(4, 3, 3, 3), torch.randn(4), torch.randn(3, 1, 3, 3)
put("conv2d", x=x, weight=w, bias=b, y=F.conv2d(x, w, b, stride=(2, 1), padding=(1, 1)),
    depthwise_weight=wd, depthwise=F.conv2d(x, wd, None, stride=(1, 2), padding=(1, 0), groups=3))

x, w, b = torch.randn(2, 5, 8) * 2 + 1, torch.randn(8), torch.randn(8)
put("layer_norm", x=x, weight=w, bias=b, y=F.layer_norm(x, [8], w, b, eps=1e-5))

x, w, b = torch.randn(4, 3, 5) * 2 + 0.5, torch.rand(3) + 0.5, torch.randn(3)
rm, rv = torch.randn(3), torch.rand(3) + 0.5
put("batch_norm", x=x, weight=w, bias=b, running_mean=rm, running_var=rv,
    eval=F.batch_norm(x, rm, rv, w, b, training=False, eps=1e-5))
rm2, rv2 = rm.clone(), rv.clone()
put("batch_norm", train=F.batch_norm(x, rm2, rv2, w, b, training=True, momentum=0.1, eps=1e-5),
    running_mean_after=rm2, running_var_after=rv2)

x = torch.randn(2, 400)
window = torch.hann_window(64, periodic=True)
spec = torch.stft(x, 64, hop_length=16, win_length=64, window=window, center=False, onesided=True, return_complex=True)
put("stft", x=x, window=window, y=torch.view_as_real(spec))

logits, target = torch.randn(5, 7), torch.tensor([0, 6, 3, 3, 1])
put("losses", logits=logits, target=target, cross_entropy=F.cross_entropy(logits, target),
    pred=logits[:, :3], goal=logits[:, 3:6].flip(0), mse=F.mse_loss(logits[:, :3], logits[:, 3:6].flip(0)))

# AdamW: three steps with given gradients; "bias" is excluded from weight decay (a second group).
p_w, p_b = torch.randn(3, 4), torch.randn(4)
grads = [(torch.randn(3, 4), torch.randn(4)) for _ in range(3)]
pw, pb = p_w.clone().requires_grad_(), p_b.clone().requires_grad_()
opt = torch.optim.AdamW([{"params": [pw], "weight_decay": 0.1}, {"params": [pb], "weight_decay": 0.0}],
                        lr=0.01, betas=(0.9, 0.99), eps=1e-8)
for gw, gb in grads:
    pw.grad, pb.grad = gw.clone(), gb.clone()
    opt.step()
put("adamw", weight=p_w, bias=p_b, weight_after=pw, bias_after=pb,
    **{f"grad_weight{i}": g[0] for i, g in enumerate(grads)}, **{f"grad_bias{i}": g[1] for i, g in enumerate(grads)})

open(sys.argv[1], "wb").write(serialize(out, {"generator": "make_reference.py", "torch": torch.__version__}))
