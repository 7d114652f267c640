#!/usr/bin/env python3
"""torchaudio peer of bench/DecodeBench: the same LSTM transducer (train_step.py's modules, loaded with the weights
DecodeBench wrote) wrapped into torchaudio.models.RNNT, decoded by torchaudio.models.RNNTBeamSearch on the same
features, one utterance at a time, timed the same way (encoder + search; features excluded).
Usage: decode_peer.py DIR [--threads T]"""
import argparse, json, time
import torch
from torchaudio.models import RNNT, RNNTBeamSearch
from train_step import Transducer, load_safetensors


class Transcriber(torch.nn.Module):
    """torchaudio's transcriber interface: features (B, T, D) → encoder frames projected to the joint width."""
    def __init__(s, model):
        super().__init__()
        s.encoder, s.project = model.encoder, model.joint.enc
    def forward(s, x, lengths):
        y, lengths = s.encoder(x, lengths)
        return s.project(y), lengths


class Predictor(torch.nn.Module):
    """torchaudio's predictor interface: tokens (B, U) and state → outputs (B, U, joint width), lengths, state.
    The search concatenates and slices every state tensor along dim 0, so h and c are kept batch-first: [B, layers, H]."""
    def __init__(s, model):
        super().__init__()
        p = model.decoder.prediction
        s.embed, s.lstm, s.project = p.embed, p.dec_rnn.lstm, model.joint.pred
    def forward(s, input, lengths, state=None):
        hc = None if state is None else tuple(t.transpose(0, 1).contiguous() for t in state[0])
        y, (h, c) = s.lstm(s.embed(input), hc)
        return s.project(y), lengths, [[h.transpose(0, 1), c.transpose(0, 1)]]


class Joiner(torch.nn.Module):
    """torchaudio's joiner interface: projected encoder (B, T, J) + predictor (B, U, J) → logits (B, T, U, V+1)."""
    def __init__(s, model):
        super().__init__()
        s.net = model.joint.joint_net  # relu, dropout (eval), output layer
    def forward(s, source_encodings, source_lengths, target_encodings, target_lengths):
        return s.net(source_encodings.unsqueeze(2) + target_encodings.unsqueeze(1)), source_lengths, target_lengths


def word_errors(ref, hyp):
    r, h = ref.split(), hyp.split()
    d = list(range(len(h) + 1))
    for i in range(1, len(r) + 1):
        prev, d[0] = d[0], i
        for j in range(1, len(h) + 1):
            prev, d[j] = d[j], min(d[j] + 1, d[j - 1] + 1, prev + (r[i - 1] != h[j - 1]))
    return d[len(h)], len(r)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir"); ap.add_argument("--threads", type=int, default=1)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    m = json.load(open(f"{a.dir}/model.json"))
    model = Transducer(m)
    model.load_state_dict(load_safetensors(f"{a.dir}/weights.safetensors"), strict=True)
    model.eval()
    saved = load_safetensors(f"{a.dir}/features.safetensors")
    features = [saved[f"features.{i}"].unsqueeze(0) for i in range(len(m["durations"]))]
    blank = m["vocab"]  # blank is the last index, where RNNTBeamSearch expects it (next_token_probs[:, -1])
    rnnt = RNNT(Transcriber(model), Predictor(model), Joiner(model))
    # SharpASR's settings: at most max_symbols_per_frame tokens per frame (torchaudio's default is 100), hypotheses
    # ranked and pruned by their raw log-probability (torchaudio's default divides by the token count)
    search = RNNTBeamSearch(rnnt, blank, hypo_sort_key=lambda h: h[3], step_max_tokens=m["max_symbols_per_frame"])

    with torch.no_grad():
        enc, _ = model.encoder(features[0], torch.tensor([features[0].size(1)]))
        print(f"encoder_max_abs_diff\t{(enc[0] - saved['encoder.0']).abs().max().item():.3g}")
        # the encoder alone, as DecodeBench times it
        model.encoder(features[0], torch.tensor([features[0].size(1)]))  # warm-up, untimed
        seconds = 0.0
        for f in features:
            t0 = time.perf_counter()
            model.encoder(f, torch.tensor([f.size(1)]))
            seconds += time.perf_counter() - t0
        print(f"rtf.encoder\t{seconds / sum(m['durations']):.4f}")
        search(features[0], torch.tensor([features[0].size(1)]), m["beam"])  # warm-up, untimed
        seconds, errors, words, emitted, frames = 0.0, 0, 0, 0, 0
        for i, f in enumerate(features):
            t0 = time.perf_counter()
            hyps = search(f, torch.tensor([f.size(1)]), m["beam"])
            seconds += time.perf_counter() - t0
            tokens = hyps[0][0][1:]  # the first token is the blank the search starts from
            emitted, frames = emitted + len(tokens), frames + (f.size(1) + m["stack"] - 1) // m["stack"]
            if m["labels"] and m["references"][i] is not None:
                text = " ".join("".join(m["labels"][t] for t in tokens).replace("\u2581", " ").lower().split())
                e, n = word_errors(m["references"][i], text)
                errors, words = errors + e, words + n
    print(f"rtf.beam\t{seconds / sum(m['durations']):.4f}")
    print(f"tokens_per_frame.beam\t{emitted / frames:.2f}")
    print(f"wer.beam\t{100 * errors / words:.2f}" if words else "wer.beam\tn/a")


if __name__ == "__main__":
    main()
