#!/usr/bin/python3
"""Writes conformer_reference.safetensors: weights (NeMo state-dict names, prefix "<case>.encoder."),
inputs and outputs of a small PyTorch re-implementation of NeMo's ConformerEncoder, written here from
NeMo's code (ConvSubsampling, RelPositionalEncoding, RelPositionMultiHeadAttention with rel_shift,
ConformerLayer, ConformerConvolution, calc_length) — independent of the C# code under test.

Cases (eval mode, batch of one utterance each, so NeMo's unmasked subsampling is exact too):
  striding: striding x4, channels = d_model; dw: dw_striding x8, channels 8, kernel 5; tied: untie_biases false.
Run: /usr/bin/python3 make_reference.py conformer_reference.safetensors
"""
import math
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "torch"))
from safetensors_format import serialize  # noqa: E402


def calc_length(lengths, all_paddings, kernel_size, stride, ceil_mode, repeat_num):
    add_pad = all_paddings - kernel_size
    one = 1.0
    for _ in range(repeat_num):
        lengths = torch.div(lengths.to(dtype=torch.float) + add_pad, stride) + one
        lengths = torch.ceil(lengths) if ceil_mode else torch.floor(lengths)
    return lengths.to(dtype=torch.int)


class ConvSubsampling(nn.Module):
    def __init__(self, mode, factor, feat_in, feat_out, channels):
        super().__init__()
        n = int(math.log(factor, 2))
        self.n = n
        layers = []
        if mode == "striding":
            cin = 1
            for _ in range(n):
                layers += [nn.Conv2d(cin, channels, 3, 2, 1), nn.ReLU()]
                cin = channels
        else:  # dw_striding
            layers += [nn.Conv2d(1, channels, 3, 2, 1), nn.ReLU()]
            for _ in range(n - 1):
                layers += [nn.Conv2d(channels, channels, 3, 2, 1, groups=channels),
                           nn.Conv2d(channels, channels, 1, 1, 0), nn.ReLU()]
        self.conv = nn.Sequential(*layers)
        out_len = calc_length(torch.tensor(feat_in, dtype=torch.float), 2, 3, 2, False, n)
        self.out = nn.Linear(channels * int(out_len), feat_out)

    def forward(self, x, lengths):
        lengths = calc_length(lengths, 2, 3, 2, False, self.n)
        x = self.conv(x.unsqueeze(1))
        b, c, t, f = x.size()
        return self.out(x.transpose(1, 2).reshape(b, t, -1)), lengths


def rel_pe(length, d):
    positions = torch.arange(length - 1, -length, -1, dtype=torch.float32).unsqueeze(1)
    pe = torch.zeros(positions.size(0), d)
    div_term = torch.exp(torch.arange(0, d, 2, dtype=torch.float32) * -(math.log(10000.0) / d))
    pe[:, 0::2] = torch.sin(positions * div_term)
    pe[:, 1::2] = torch.cos(positions * div_term)
    return pe.unsqueeze(0)


class RelMHA(nn.Module):
    def __init__(self, h, d, bias_u=None, bias_v=None):
        super().__init__()
        self.h, self.d_k = h, d // h
        self.linear_q, self.linear_k, self.linear_v, self.linear_out = (nn.Linear(d, d) for _ in range(4))
        self.linear_pos = nn.Linear(d, d, bias=False)
        if bias_u is None:
            self.pos_bias_u = nn.Parameter(torch.randn(h, self.d_k) * 0.1)
            self.pos_bias_v = nn.Parameter(torch.randn(h, self.d_k) * 0.1)
        else:
            self.pos_bias_u, self.pos_bias_v = bias_u, bias_v

    @staticmethod
    def rel_shift(x):
        b, h, qlen, pos_len = x.size()
        x = F.pad(x, pad=(1, 0))
        x = x.view(b, h, -1, qlen)
        return x[:, :, 1:].view(b, h, qlen, pos_len)

    def forward(self, x, mask, pos_emb):
        n = x.size(0)
        q = self.linear_q(x).view(n, -1, self.h, self.d_k)
        k = self.linear_k(x).view(n, -1, self.h, self.d_k).transpose(1, 2)
        v = self.linear_v(x).view(n, -1, self.h, self.d_k).transpose(1, 2)
        p = self.linear_pos(pos_emb).view(pos_emb.size(0), -1, self.h, self.d_k).transpose(1, 2)
        q_u = (q + self.pos_bias_u).transpose(1, 2)
        q_v = (q + self.pos_bias_v).transpose(1, 2)
        bd = self.rel_shift(torch.matmul(q_v, p.transpose(-2, -1)))
        ac = torch.matmul(q_u, k.transpose(-2, -1))
        bd = bd[:, :, :, :ac.size(-1)]
        scores = (ac + bd) / math.sqrt(self.d_k)
        m = mask.unsqueeze(1)
        attn = torch.softmax(scores.masked_fill(m, -10000.0), dim=-1).masked_fill(m, 0.0)
        out = torch.matmul(attn, v).transpose(1, 2).reshape(n, -1, self.h * self.d_k)
        return self.linear_out(out)


class FF(nn.Module):
    def __init__(self, d, dff):
        super().__init__()
        self.linear1, self.linear2 = nn.Linear(d, dff), nn.Linear(dff, d)

    def forward(self, x):
        return self.linear2(F.silu(self.linear1(x)))


class ConvModule(nn.Module):
    def __init__(self, d, k):
        super().__init__()
        self.pointwise_conv1 = nn.Conv1d(d, 2 * d, 1)
        self.depthwise_conv = nn.Conv1d(d, d, k, padding=(k - 1) // 2, groups=d)
        self.batch_norm = nn.BatchNorm1d(d)
        self.pointwise_conv2 = nn.Conv1d(d, d, 1)

    def forward(self, x, pad_mask):
        x = F.glu(self.pointwise_conv1(x.transpose(1, 2)), dim=1)
        x = x.masked_fill(pad_mask.unsqueeze(1), 0.0)
        x = F.silu(self.batch_norm(self.depthwise_conv(x)))
        return self.pointwise_conv2(x).transpose(1, 2)


class Layer(nn.Module):
    def __init__(self, d, h, k, bias_u=None, bias_v=None):
        super().__init__()
        self.norm_feed_forward1 = nn.LayerNorm(d)
        self.feed_forward1 = FF(d, 4 * d)
        self.norm_conv = nn.LayerNorm(d)
        self.conv = ConvModule(d, k)
        self.norm_self_att = nn.LayerNorm(d)
        self.self_attn = RelMHA(h, d, bias_u, bias_v)
        self.norm_feed_forward2 = nn.LayerNorm(d)
        self.feed_forward2 = FF(d, 4 * d)
        self.norm_out = nn.LayerNorm(d)

    def forward(self, x, att_mask, pos_emb, pad_mask):
        r = x + 0.5 * self.feed_forward1(self.norm_feed_forward1(x))
        r = r + self.self_attn(self.norm_self_att(r), att_mask, pos_emb)
        r = r + self.conv(self.norm_conv(r), pad_mask)
        r = r + 0.5 * self.feed_forward2(self.norm_feed_forward2(r))
        return self.norm_out(r)


class Encoder(nn.Module):
    def __init__(self, feat_in, d, h, layers, k, mode, factor, channels, untie=True):
        super().__init__()
        self.d = d
        self.pre_encode = ConvSubsampling(mode, factor, feat_in, d, channels)
        if untie:
            self.layers = nn.ModuleList(Layer(d, h, k) for _ in range(layers))
        else:
            self.pos_bias_u = nn.Parameter(torch.randn(h, d // h) * 0.1)
            self.pos_bias_v = nn.Parameter(torch.randn(h, d // h) * 0.1)
            self.layers = nn.ModuleList(Layer(d, h, k, self.pos_bias_u, self.pos_bias_v) for _ in range(layers))

    def forward(self, x, lengths):  # x [B, T, F]
        x, lengths = self.pre_encode(x, lengths)
        x = x * math.sqrt(self.d)
        t = x.size(1)
        pos_emb = rel_pe(t, self.d)
        pad = torch.arange(t).expand(x.size(0), -1) < lengths.unsqueeze(-1)
        pm = pad.unsqueeze(1).repeat(1, t, 1)
        att_mask = ~torch.logical_and(pm, pm.transpose(1, 2))
        for layer in self.layers:
            x = layer(x, att_mask, pos_emb, ~pad)
        return x, lengths


def randomize(model):
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("pos_bias_u") or name.endswith("pos_bias_v"):
                continue
            p.copy_(torch.randn_like(p) * (0.3 / math.sqrt(max(1, p[0].numel()))) + (1.0 if "norm" in name and name.endswith("weight") else 0.0))
        for name, b in model.named_buffers():
            if name.endswith("running_mean"):
                b.copy_(torch.randn_like(b) * 0.1)
            elif name.endswith("running_var"):
                b.copy_(torch.rand_like(b) + 0.5)


def main():
    torch.manual_seed(1234)
    cases = {
        "striding": dict(feat_in=16, d=32, h=4, layers=2, k=5, mode="striding", factor=4, channels=32, frames=37),
        "dw": dict(feat_in=16, d=32, h=4, layers=2, k=5, mode="dw_striding", factor=8, channels=8, frames=45),
        "tied": dict(feat_in=12, d=24, h=2, layers=2, k=3, mode="striding", factor=4, channels=6, frames=23, untie=False),
    }
    out = {}
    for case, c in cases.items():
        frames = c.pop("frames")
        enc = Encoder(**c)
        randomize(enc)
        enc.eval()
        for name, t in enc.state_dict().items():
            out[f"{case}.encoder.{name}"] = t.contiguous()
        x = torch.randn(1, frames, c["feat_in"])
        lengths = torch.tensor([frames])
        with torch.no_grad():
            y, ylen = enc(x, lengths)
        out[f"{case}.features"] = x
        out[f"{case}.lengths"] = lengths.to(torch.int64)
        out[f"{case}.output"] = y.contiguous()
        out[f"{case}.output_lengths"] = ylen.to(torch.int64)
        # NeMo calc_length on odd and even lengths for the case's subsampling
        probe = torch.arange(0, 40, dtype=torch.int64)
        out[f"{case}.probe_lengths"] = probe
        out[f"{case}.probe_out_lengths"] = calc_length(probe, 2, 3, 2, False, int(math.log(c["factor"], 2))).to(torch.int64)
    with open(sys.argv[1], "wb") as f:
        f.write(serialize(out))


if __name__ == "__main__":
    main()
