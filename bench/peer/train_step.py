#!/usr/bin/env python3
"""PyTorch + torchaudio peer of bench/TrainStepBench: the same LSTM transducer (same layer names,
sizes and initial weights, read from the safetensors file SharpASR wrote), the same batch, one
training step (forward, torchaudio rnnt_loss, backward, AdamW) timed the same way.
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

class Joint(nn.Module):
    def __init__(s, m):
        super().__init__()
        s.enc = nn.Linear(m["enc_hidden"], m["joint_hidden"])
        s.pred = nn.Linear(m["pred_hidden"], m["joint_hidden"])
        s.joint_net = nn.Sequential(nn.ReLU(), nn.Dropout(0.0), nn.Linear(m["joint_hidden"], m["vocab"] + 1))
    def forward(s, e, p):
        return s.joint_net(s.enc(e).unsqueeze(2) + s.pred(p).unsqueeze(1))

class Transducer(nn.Module):
    def __init__(s, m):
        super().__init__()
        s.encoder, s.decoder, s.joint = Encoder(m), Decoder(m), Joint(m)

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
