#!/usr/bin/env python3
"""PyTorch + torchaudio peer of bench/TrainStepBench: the same transducer (an LSTM or a contextnet encoder, an LSTM or
a stateless predictor; same layer names, sizes and initial weights, read from the safetensors file SharpASR wrote), the
same batch, one training step (forward, torchaudio rnnt_loss, backward, AdamW) timed the same way. With "bf16" in
model.json the convolutions and the joint run in bf16 with fp32 weights, cast per call as SharpASR's train.precision bf16
does.
Usage: train_step.py DIR [--steps N] [--threads T]"""
import argparse, json, resource, struct, time
import torch, torch.nn as nn, torchaudio

def load_safetensors(path):
    # the format: 8-byte little-endian header length, JSON header, raw little-endian data
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    dtypes = {"F32": torch.float32, "I64": torch.int64, "F64": torch.float64, "I32": torch.int32}
    out = {}
    for k, v in header.items():
        if k == "__metadata__":
            continue
        a, b = v["data_offsets"]
        t = torch.frombuffer(bytearray(data[a:b]), dtype=dtypes[v["dtype"]]) if b > a else torch.empty(0, dtype=dtypes[v["dtype"]])
        out[k] = t.reshape(v["shape"]).clone()
    return out

class Encoder(nn.Module):
    def __init__(s, m):
        super().__init__()
        s.stack = m["stack"]
        s.pre_rnn = nn.LSTM(m["feature_dim"], m["enc_hidden"], m["pre_layers"], batch_first=True)
        s.post_rnn = nn.LSTM(m["enc_hidden"] * s.stack, m["enc_hidden"], m["post_layers"], batch_first=True)
    def run(s, lstm, x, lengths):
        # padded, as SharpASR's training forward (and NeMo's predictor) run it: a causal LSTM's valid outputs do not
        # depend on the padding after them; zeroed past each length like SharpASR's
        y, _ = lstm(x)
        return y.masked_fill(torch.arange(x.size(1)).unsqueeze(0).ge(lengths.unsqueeze(1)).unsqueeze(2), 0)
    def forward(s, x, lengths):
        h = s.run(s.pre_rnn, x, lengths)
        b, t, d = h.shape
        t2 = (t + s.stack - 1) // s.stack
        h = nn.functional.pad(h, (0, 0, 0, t2 * s.stack - t)).reshape(b, t2, d * s.stack)
        l2 = (lengths + s.stack - 1) // s.stack
        return s.run(s.post_rnn, h, l2), l2

def zero_padding(x, lengths):
    # x [B, C, T]: frames past each length zeroed, as SharpASR's (and NeMo's) MaskedConv1d and SqueezeExcite do
    return x.masked_fill(torch.arange(x.size(-1)).unsqueeze(0).ge(lengths.unsqueeze(1)).unsqueeze(1), 0)

class MaskedConv1d(nn.Module):
    def __init__(s, cin, cout, k, stride, bf16):
        super().__init__()
        s.conv = nn.Conv1d(cin, cout, k, stride, (k - 1) // 2, bias=False)
        s.bf16 = bf16
    def forward(s, x, lengths):
        x = zero_padding(x, lengths)
        c = s.conv
        y = (nn.functional.conv1d(x.bfloat16(), c.weight.bfloat16(), None, c.stride, c.padding).float() if s.bf16 else c(x))
        k, st, p = c.kernel_size[0], c.stride[0], c.padding[0]
        return y, torch.div(lengths + 2 * p - (k - 1) - 1, st, rounding_mode="floor") + 1

class SqueezeExcite(nn.Module):
    def __init__(s, channels, ratio):
        super().__init__()
        s.fc = nn.Sequential(nn.Linear(channels, channels // ratio, bias=False), nn.SiLU(), nn.Linear(channels // ratio, channels, bias=False))
    def forward(s, x, lengths):
        x = zero_padding(x, lengths)
        context = x.sum(-1, keepdim=True) / lengths.to(x.dtype).view(-1, 1, 1)
        return x * torch.sigmoid(s.fc(context.transpose(1, 2))).transpose(1, 2)

class ContextNetBlock(nn.Module):
    # the module indices of SharpASR's ContextNetBlock (NeMo's JasperBlock): conv, BN, (swish, dropout) per repeat, SE
    def __init__(s, cin, j, ratio, bf16):
        super().__init__()
        assert not j["Separable"], "the peer builds full convolutions only (the demo recipes')"
        s.mconv, s.steps, c = nn.Module(), [], cin
        i = 0
        for r in range(j["Repeat"]):
            last = r == j["Repeat"] - 1
            conv = MaskedConv1d(c, j["Filters"], j["Kernel"], j["Stride"] if last else 1, bf16)
            bn = nn.BatchNorm1d(j["Filters"], eps=1e-3)
            s.mconv.add_module(str(i), conv); s.mconv.add_module(str(i + 1), bn)
            s.steps.append((conv, bn, not last))
            i += 2 if last else 4
            c = j["Filters"]
        s.se_index = str(i) if j["Se"] else None
        if j["Se"]:
            s.mconv.add_module(s.se_index, SqueezeExcite(c, ratio))
        s.res = None
        if j["Residual"]:
            s.res = nn.ModuleList([nn.Sequential(MaskedConv1d(cin, j["Filters"], 1, j["Stride"], bf16), nn.BatchNorm1d(j["Filters"], eps=1e-3))])
    def forward(s, x, lengths):
        h, l = x, lengths
        for conv, bn, act in s.steps:
            h, l = conv(h, l)
            h = bn(h)
            if act:
                h = nn.functional.silu(h)
        if s.se_index is not None:
            h = getattr(s.mconv, s.se_index)(h, l)
        if s.res is not None:
            conv, bn = s.res[0]
            h = h + bn(conv(x, lengths)[0])
        return nn.functional.silu(h), l

class ContextNetEncoder(nn.Module):
    def __init__(s, m):
        super().__init__()
        assert m["activation"] in ("swish", "silu"), "the peer builds swish only"
        blocks, c = [], m["feature_dim"]
        for j in m["jasper"]:
            blocks.append(ContextNetBlock(c, j, m["se_reduction_ratio"], m["bf16"]))
            c = j["Filters"]
        s.encoder = nn.ModuleList(blocks)
    def forward(s, x, lengths):
        x = x.transpose(1, 2)
        for b in s.encoder:
            x, lengths = b(x, lengths)
        return x.transpose(1, 2), lengths

class Prediction(nn.Module):
    def __init__(s, m):
        super().__init__()
        s.embed = nn.Embedding(m["vocab"] + 1, m["embed"], padding_idx=m["vocab"])
        s.dec_rnn = nn.Module()
        s.dec_rnn.lstm = nn.LSTM(m["embed"], m["pred_hidden"], m["pred_layers"], batch_first=True)

class Decoder(nn.Module):
    def __init__(s, m):
        super().__init__()
        s.blank = m["vocab"]
        s.prediction = Prediction(m)
    def forward(s, targets, lengths):
        start = torch.full((targets.size(0), 1), s.blank, dtype=torch.long)
        x = s.prediction.embed(torch.cat([start, targets.clamp(0, s.blank)], 1))
        y, _ = s.prediction.dec_rnn.lstm(x)
        return y.masked_fill(torch.arange(x.size(1)).unsqueeze(0).ge((lengths + 1).unsqueeze(1)).unsqueeze(2), 0)

class StatelessDecoder(nn.Module):
    """icefall's stateless predictor, as SharpASR's StatelessPredictor: an embedding (blank's row zero), a depthwise
    convolution over the last context_size tokens (left-padded with zeros: causal), ReLU."""
    def __init__(s, m):
        super().__init__()
        s.blank, s.context = m["vocab"], m["context_size"]
        s.embedding = nn.Embedding(m["vocab"] + 1, m["embed"], padding_idx=m["vocab"])
        s.conv = nn.Conv1d(m["embed"], m["embed"], s.context, groups=m["embed"], bias=False)
    def forward(s, targets, lengths):
        start = torch.full((targets.size(0), 1), s.blank, dtype=torch.long)
        e = s.embedding(torch.cat([start, targets.clamp(0, s.blank)], 1)).transpose(1, 2)
        return nn.functional.relu(s.conv(nn.functional.pad(e, (s.context - 1, 0)))).transpose(1, 2)

class Joint(nn.Module):
    def __init__(s, m):
        super().__init__()
        # an LSTM encoder's output is enc_hidden wide (decode_peer's model.json names no encoder_out)
        s.enc = nn.Linear(m.get("encoder_out", m["enc_hidden"]), m["joint_hidden"])
        s.pred = nn.Linear(m.get("pred_out", m["pred_hidden"]), m["joint_hidden"])
        s.joint_net = nn.Sequential(nn.ReLU(), nn.Dropout(0.0), nn.Linear(m["joint_hidden"], m["vocab"] + 1))
        s.bf16 = m.get("bf16", False)
    def forward(s, e, p):
        e, p = s.enc(e).unsqueeze(2), s.pred(p).unsqueeze(1)
        if not s.bf16:
            return s.joint_net(e + p)
        out = s.joint_net[2]
        return nn.functional.linear((e.bfloat16() + p.bfloat16()).relu_(), out.weight.bfloat16(), out.bias.bfloat16()).float()

class Transducer(nn.Module):
    def __init__(s, m):
        super().__init__()
        s.encoder = ContextNetEncoder(m) if m.get("encoder_type") == "contextnet" else Encoder(m)
        s.decoder = StatelessDecoder(m) if m.get("predictor_type") == "stateless" else Decoder(m)
        s.joint = Joint(m)

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir"); ap.add_argument("--steps", type=int, default=10); ap.add_argument("--threads", type=int, default=1)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.set_flush_denormal(True)  # SharpASR's trainer flushes denormals (train.flush_denormal)
    m = json.load(open(f"{a.dir}/model.json"))
    model = Transducer(m)
    state = load_safetensors(f"{a.dir}/weights.safetensors")
    model.load_state_dict(state, strict=True)
    b = load_safetensors(f"{a.dir}/batch.safetensors")
    opt = torch.optim.AdamW(model.parameters(), lr=m["lr"], weight_decay=m["weight_decay"])
    times, first = [], None
    for s in range(a.steps + 2):
        t0 = time.perf_counter()
        enc, enc_len = model.encoder(b["features"], b["feature_lengths"])
        pred = model.decoder(b["targets"], b["target_lengths"])
        logits = model.joint(enc, pred)
        loss = torchaudio.functional.rnnt_loss(logits, b["targets"].int(), enc_len.int(), b["target_lengths"].int(),
                                               blank=m["vocab"], reduction="sum") / b["target_lengths"].sum()
        if s == 0:
            first = loss.item()
        loss.backward(); opt.step(); opt.zero_grad(set_to_none=True)
        if s >= 2:
            times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    print(f"parameters\t{sum(p.numel() for p in model.parameters())}")
    print(f"first_loss\t{first!r}")
    print(f"step_ms_median\t{times[len(times) // 2]:.1f}")
    print(f"peak_rss_mb\t{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f}")

if __name__ == "__main__":
    main()
