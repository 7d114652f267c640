#!/usr/bin/python3
"""Reference log-mel features and mel filterbanks for SharpASR's featurizer tests.

Run with Debian's python3-torch/torchaudio:  /usr/bin/python3 make_reference.py [--make-audio]

--make-audio regenerates speech.wav (espeak-ng speech, 16 kHz 16-bit mono, done once and committed).
The features below are an independent re-implementation of NeMo's FilterbankFeatures
(AudioToMelSpectrogramPreprocessor) from its documented semantics, in float32 torch ops:
  pre-emphasis 0.97 (zeroed past each length) -> torch.stft(center=True, pad_mode='constant', symmetric
  Hann window, n_fft = next pow2) -> sqrt(re^2+im^2) ** mag_power -> Slaney mel filters (torchaudio
  melscale_fbanks in float64, cast to float32, as NeMo's librosa filters are) -> log(x + 2^-24) ->
  per-feature mean / unbiased std (+1e-5) over valid frames -> frames >= floor(len/hop) set to 0 -> pad to pad_to.
Outputs: *.f32 (little-endian float32, row-major) and reference.json (shapes, settings, lengths).
"""
import json, math, os, subprocess, sys, wave

import numpy as np
import torch
import torchaudio

HERE = os.path.dirname(os.path.abspath(__file__))
TEXT = "Speech turns into text, frame by frame."


def make_audio(path):
    tmp = path + ".22k.wav"
    subprocess.run(["espeak-ng", "-w", tmp, TEXT], check=True)
    subprocess.run(["sox", "-D", tmp, "-r", "16000", "-b", "16", "-c", "1", path], check=True)
    os.remove(tmp)


def read_wav16(path):
    with wave.open(path) as w:
        assert w.getsampwidth() == 2 and w.getnchannels() == 1
        data = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
        return w.getframerate(), torch.from_numpy(data.astype(np.float32) / 32768.0)  # libsndfile's scaling


def fbank(sr, n_fft, n_mels, f_min, f_max, dtype):
    old = torch.get_default_dtype()
    torch.set_default_dtype(dtype)
    try:
        fb = torchaudio.functional.melscale_fbanks(n_fft // 2 + 1, f_min, f_max, n_mels, sr, norm="slaney", mel_scale="slaney")
    finally:
        torch.set_default_dtype(old)
    return fb.T.contiguous()  # [n_mels, bins]


def nemo_features(x, lengths, sr=16000, window_size=0.02, window_stride=0.01, n_fft=None, features=64,
                  preemph=0.97, pad_to=16, guard=2 ** -24, mag_power=2.0):
    win = int(window_size * sr)
    hop = int(window_stride * sr)
    n_fft = n_fft or 2 ** math.ceil(math.log2(win))
    window = torch.hann_window(win, periodic=False)
    fb = fbank(sr, n_fft, features, 0.0, sr / 2, torch.float64).float()
    seq_len = torch.div(lengths, hop, rounding_mode="floor")

    timemask = torch.arange(x.shape[1]).unsqueeze(0) < lengths.unsqueeze(1)
    x = torch.cat((x[:, 0].unsqueeze(1), x[:, 1:] - preemph * x[:, :-1]), dim=1).masked_fill(~timemask, 0.0)
    spec = torch.stft(x, n_fft, hop_length=hop, win_length=win, window=window, center=True,
                      pad_mode="constant", return_complex=True)
    mag = torch.sqrt(torch.view_as_real(spec).pow(2).sum(-1))
    mel = torch.matmul(fb, mag.pow(mag_power))
    mel = torch.log(mel + guard)

    valid = torch.arange(mel.shape[2]).unsqueeze(0) < seq_len.unsqueeze(1)  # [B, T]
    n = valid.sum(1).unsqueeze(1).float()
    mean = torch.where(valid.unsqueeze(1), mel, 0.0).sum(2) / n
    std = torch.sqrt(torch.where(valid.unsqueeze(1), mel - mean.unsqueeze(2), 0.0).pow(2).sum(2) / (n - 1.0))
    std = std.masked_fill(std.isnan(), 0.0) + 1e-5
    mel = (mel - mean.unsqueeze(2)) / std.unsqueeze(2)
    mel = mel.masked_fill(~valid.unsqueeze(1), 0.0)
    if pad_to > 0 and mel.shape[2] % pad_to:
        mel = torch.nn.functional.pad(mel, (0, pad_to - mel.shape[2] % pad_to), value=0.0)
    return mel, seq_len


def save(name, t):
    t.detach().numpy().astype("<f4").tofile(os.path.join(HERE, name))


def main():
    wav = os.path.join(HERE, "speech.wav")
    if "--make-audio" in sys.argv or not os.path.exists(wav):
        make_audio(wav)
    sr, audio = read_wav16(wav)
    cut = int(audio.numel() * 0.6) + 7  # a second, shorter utterance in the same batch (odd length on purpose)
    batch = torch.zeros(2, audio.numel())
    batch[0] = audio
    batch[1, :cut] = audio[:cut]
    lengths = torch.tensor([audio.numel(), cut])

    meta = {"audio": "speech.wav", "samples": audio.numel(), "sample_rate": sr, "batch_lengths": lengths.tolist(), "cases": {}}
    # NeMo defaults: 64 mels, 20 ms window, n_fft 512 (next pow2 of 320), pad_to 16; the two-utterance batch
    feats, flen = nemo_features(batch, lengths)
    save("nemo_default.f32", feats)
    meta["cases"]["nemo_default"] = {"shape": list(feats.shape), "frame_lengths": flen.tolist(),
                                     "config": {"window_size": 0.02, "features": 64, "pad_to": 16}}
    # Conformer configs: 80 mels, 25 ms window, n_fft 512, pad_to 0; the full utterance only
    feats, flen = nemo_features(batch[:1], lengths[:1], window_size=0.025, features=80, n_fft=512, pad_to=0)
    save("nemo_conformer.f32", feats)
    meta["cases"]["nemo_conformer"] = {"shape": list(feats.shape), "frame_lengths": flen.tolist(),
                                       "config": {"window_size": 0.025, "features": 80, "n_fft": 512, "pad_to": 0}}

    meta["fbanks"] = {}
    for name, (fsr, n_fft, n_mels, lo, hi) in {"fb_16k_512_80": (16000, 512, 80, 0.0, 8000.0),
                                               "fb_16k_512_64_20_7600": (16000, 512, 64, 20.0, 7600.0),
                                               "fb_8k_256_40": (8000, 256, 40, 0.0, 4000.0)}.items():
        fb64 = fbank(fsr, n_fft, n_mels, lo, hi, torch.float64)
        fb32 = fbank(fsr, n_fft, n_mels, lo, hi, torch.float32)
        save(name + ".f32", fb64.float())
        meta["fbanks"][name] = {"sample_rate": fsr, "n_fft": n_fft, "n_mels": n_mels, "lowfreq": lo, "highfreq": hi,
                                "shape": list(fb64.shape),
                                "max_abs_diff_float32_vs_float64": float((fb32.double() - fb64).abs().max())}
    with open(os.path.join(HERE, "reference.json"), "w") as f:
        json.dump(meta, f, indent=1)
    print(json.dumps(meta, indent=1))


if __name__ == "__main__":
    main()
