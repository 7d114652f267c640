"""Writes contextnet_reference.safetensors: weights (NeMo state-dict names, prefix "<case>.encoder."), a
padded batch, and the outputs of a small PyTorch re-implementation of NeMo's ConvASREncoder with ContextNet
blocks, written here from NeMo's code (JasperBlock with separable convs, stride_last + residual_mode
stride_add, MaskedConv1d masking before every convolution, SqueezeExcite with global masked average,
BatchNorm eps 1e-3, swish). Random weights and running statistics; eval mode (running statistics, no
dropout). The whole padded output is stored (padded frames included), so the C# encoder must match NeMo's
values even there.

Run: /usr/bin/python3 make_contextnet_reference.py contextnet_reference.safetensors
"""
import math
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "torch"))
from safetensors_format import serialize  # noqa: E402


def pad_mask(lengths, t):  # True at valid frames
    return torch.arange(t).unsqueeze(0) < lengths.unsqueeze(1)


class MaskedConv1d(nn.Module):
    def __init__(self, cin, cout, k, stride=1, groups=1):
        super().__init__()
        self.conv = nn.Conv1d(cin, cout, k, stride=stride, padding=(k - 1) // 2, groups=groups, bias=False)

    def forward(self, x, lens):
        x = x.masked_fill(~pad_mask(lens, x.size(2)).unsqueeze(1), 0.0)
        c = self.conv
        same = c.stride[0] == 1 and 2 * c.padding[0] == c.dilation[0] * (c.kernel_size[0] - 1)
        if not same:
            lens = torch.div(lens + 2 * c.padding[0] - c.dilation[0] * (c.kernel_size[0] - 1) - 1, c.stride[0], rounding_mode="trunc") + 1
        return c(x), lens


class SqueezeExcite(nn.Module):
    def __init__(self, channels, ratio):
        super().__init__()
        self.fc = nn.Sequential(nn.Linear(channels, channels // ratio, bias=False), nn.SiLU(), nn.Linear(channels // ratio, channels, bias=False))

    def forward(self, x, lens):
        valid = pad_mask(lens, x.size(2)).unsqueeze(1)
        x = x.masked_fill(~valid, 0.0)
        y = x.sum(dim=-1, keepdim=True) / valid.sum(dim=-1, keepdim=True).to(x.dtype)
        y = self.fc(y.transpose(1, -1)).transpose(1, -1)
        return x * torch.sigmoid(y), lens


class JasperBlock(nn.Module):
    def __init__(self, cin, filters, repeat, k, stride, residual, separable, se, ratio):
        super().__init__()

        def conv_bn(i, o, kk, s):
            if separable:
                layers = [MaskedConv1d(i, i, kk, s, groups=i), MaskedConv1d(i, o, 1)]
            else:
                layers = [MaskedConv1d(i, o, kk, s)]
            return layers + [nn.BatchNorm1d(o, eps=1e-3, momentum=0.1)]

        conv = nn.ModuleList()
        loop = cin
        for _ in range(repeat - 1):
            conv.extend(conv_bn(loop, filters, k, 1))          # stride_last: only the last repeat strides
            conv.extend([nn.SiLU(), nn.Dropout(0.1)])
            loop = filters
        conv.extend(conv_bn(loop, filters, k, stride))
        if se:
            conv.append(SqueezeExcite(filters, ratio))
        self.mconv = conv
        if residual:  # residual_mode stride_add: the projection takes the block's stride
            self.res = nn.ModuleList([nn.ModuleList([MaskedConv1d(cin, filters, 1, stride), nn.BatchNorm1d(filters, eps=1e-3, momentum=0.1)])])
        else:
            self.res = None
        self.mout = nn.Sequential(nn.SiLU(), nn.Dropout(0.1))

    def forward(self, x, lens):
        out, l = x, lens
        for layer in self.mconv:
            if isinstance(layer, (MaskedConv1d, SqueezeExcite)):
                out, l = layer(out, l)
            else:
                out = layer(out)
        if self.res is not None:
            r = x
            for layer in self.res[0]:
                r = layer(r, lens)[0] if isinstance(layer, MaskedConv1d) else layer(r)
            out = out + r
        return self.mout(out), l


class Encoder(nn.Module):
    def __init__(self, feat_in, blocks, ratio):
        super().__init__()
        layers, cin = [], feat_in
        for b in blocks:
            layers.append(JasperBlock(cin, b["filters"], b["repeat"], b["kernel"], b["stride"], b["residual"], b.get("separable", True), b.get("se", True), ratio))
            cin = b["filters"]
        self.encoder = nn.Sequential(*layers)

    def forward(self, x, lens):  # x [B, F, T] as NeMo
        for block in self.encoder:
            x, lens = block(x, lens)
        return x, lens


# the same blocks are written in ContextNetReferenceTests.cs
BLOCKS = [
    dict(filters=24, repeat=1, kernel=5, stride=1, residual=False),
    dict(filters=24, repeat=3, kernel=5, stride=2, residual=True),
    dict(filters=16, repeat=2, kernel=3, stride=2, residual=True),
    dict(filters=16, repeat=1, kernel=5, stride=2, residual=False, separable=False, se=False),
]


def randomize(model):
    with torch.no_grad():
        for name, p in model.named_parameters():
            bn = p.dim() == 1
            p.copy_(torch.randn_like(p) * (0.2 if bn else 1.0 / math.sqrt(p[0].numel())) + (1.0 if bn and name.endswith("weight") else 0.0))
        for name, b in model.named_buffers():
            if name.endswith("running_mean"):
                b.copy_(torch.randn_like(b) * 0.1)
            elif name.endswith("running_var"):
                b.copy_(torch.rand_like(b) + 0.5)


def main():
    torch.manual_seed(4321)
    enc = Encoder(16, BLOCKS, 8)
    randomize(enc)
    enc.eval()
    out = {f"contextnet.encoder.{n}": t.contiguous() for n, t in enc.state_dict().items()}
    lengths = torch.tensor([45, 44, 17, 1], dtype=torch.int64)
    x = torch.randn(4, 45, 16)
    x = x.masked_fill(~pad_mask(lengths, 45).unsqueeze(-1), 3.0)   # padding that is not zero
    with torch.no_grad():
        y, ylen = enc(x.transpose(1, 2), lengths)
    out["contextnet.features"] = x              # [B, T, F], batch-first as SharpASR takes it
    out["contextnet.lengths"] = lengths
    out["contextnet.output"] = y.transpose(1, 2).contiguous()
    out["contextnet.output_lengths"] = ylen.to(torch.int64)
    with open(sys.argv[1], "wb") as f:
        f.write(serialize(out))


if __name__ == "__main__":
    main()
