#!/usr/bin/python3
"""torchaudio peer of bench/AudioBench: MelSpectrogram (+ log) and decoding throughput on one core.
Usage: /usr/bin/python3 bench/peer/audio_peer.py <wav> <flac> [batch] [seconds] [repeats]"""
import sys, time

import torch
import torchaudio

torch.set_num_threads(1)
wav, flac = sys.argv[1], sys.argv[2]
batch = int(sys.argv[3]) if len(sys.argv) > 3 else 8
seconds = float(sys.argv[4]) if len(sys.argv) > 4 else 10
repeats = int(sys.argv[5]) if len(sys.argv) > 5 else 10


def timed(fn):
    fn()
    t = time.perf_counter()
    for _ in range(repeats):
        fn()
    return (time.perf_counter() - t) / repeats


audio, sr = torchaudio.load(wav)
file_seconds = audio.shape[1] / sr
print(f"decode_wav_s_per_s {file_seconds / timed(lambda: torchaudio.load(wav)):.0f}")
print(f"decode_flac_s_per_s {file_seconds / timed(lambda: torchaudio.load(flac)):.0f}")

samples = int(seconds * 16000)
x = torch.stack([audio[0, b * 1000: b * 1000 + samples] for b in range(batch)])
mel = torchaudio.transforms.MelSpectrogram(sample_rate=16000, n_fft=512, win_length=400, hop_length=160, n_mels=80,
                                           window_fn=lambda n: torch.hann_window(n, periodic=False), power=2.0,
                                           norm="slaney", mel_scale="slaney", center=True, pad_mode="constant")


def features():
    with torch.no_grad():
        y = torch.log(mel(x) + 2 ** -24)
        return (y - y.mean(2, keepdim=True)) / (y.std(2, keepdim=True) + 1e-5)


print(f"featurizer_s_per_s {batch * seconds / timed(features):.0f}")
