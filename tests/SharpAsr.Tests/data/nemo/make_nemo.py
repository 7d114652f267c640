#!/usr/bin/python3
"""Builds small_rnnt.nemo and small_rnnt_reference.safetensors (run with Debian's python3-torch):

small_rnnt.nemo: a NeMo EncDecRNNTBPEModel archive as NeMo writes it (tar of ./model_config.yaml,
./model_weights.ckpt from torch.save, tokenizer files renamed <32 hex>_tokenizer.model / _tokenizer.vocab /
_vocab.txt and referenced as nemo:<name>). The weights come from a small Conformer-Transducer written in
PyTorch from NeMo's code, with NeMo's state-dict names and shapes: the ConformerEncoder of
../models/make_reference.py (reused, not copied), RNNTDecoder (prediction.embed with blank = V as
padding_idx, prediction.dec_rnn.lstm), RNNTJoint (enc, pred, joint_net = Sequential(ReLU, Dropout, Linear)),
and the preprocessor's window and fb buffers. d_model 32, 2 layers, 16 mels, SentencePiece BPE vocabulary 32.

small_rnnt_reference.safetensors: features, lengths, targets and the reference outputs in eval mode:
encoder output (+ lengths), predictor output for the blank-prefixed targets, joint logits [1, T', U+1, V+1].
Also lightning.ckpt: a Lightning-style checkpoint ({'state_dict': …, 'epoch', 'optimizer_states', …})
holding dtypes and layouts the reader must handle (fp16, bf16, int64, bool, a 0-d tensor, a transposed
view, two tensors sharing one storage), with the same values in lightning_expected.safetensors.

Run: cd tests/SharpAsr.Tests/data/nemo && /usr/bin/python3 make_nemo.py
"""
import importlib.util
import io
import math
import os
import sys
import tarfile
import tempfile

import sentencepiece as spm
import torch
import torch.nn as nn
import torchaudio

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "torch"))
from safetensors_format import serialize  # noqa: E402

# the Conformer reference of the models tests, loaded by path (../torch has a make_reference.py too)
_spec = importlib.util.spec_from_file_location("conformer_reference", os.path.join(HERE, "..", "models", "make_reference.py"))
_conformer = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_conformer)
Encoder, randomize = _conformer.Encoder, _conformer.randomize

FEATURES, D_MODEL, HEADS, LAYERS, KERNEL, VOCAB, PRED, JOINT = 16, 32, 4, 2, 5, 32, 32, 32
HEX = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"


class Prediction(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(VOCAB + 1, PRED, padding_idx=VOCAB)
        self.dec_rnn = nn.Module()
        self.dec_rnn.lstm = nn.LSTM(PRED, PRED, 1, batch_first=False)

    def forward(self, targets):  # [B, U] → [B, U+1, H] for the blank-prefixed sequence (NeMo blank_as_pad)
        y = torch.cat([torch.full((targets.size(0), 1), VOCAB, dtype=torch.long), targets], 1)
        out, _ = self.dec_rnn.lstm(self.embed(y).transpose(0, 1))
        return out.transpose(0, 1)


class Joint(nn.Module):
    def __init__(self):
        super().__init__()
        self.pred = nn.Linear(PRED, JOINT)
        self.enc = nn.Linear(D_MODEL, JOINT)
        self.joint_net = nn.Sequential(nn.ReLU(), nn.Dropout(0.2), nn.Linear(JOINT, VOCAB + 1))

    def forward(self, f, g):
        return self.joint_net(self.enc(f).unsqueeze(2) + self.pred(g).unsqueeze(1))


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.preprocessor = nn.Module()
        self.preprocessor.featurizer = nn.Module()
        win = int(0.025 * 16000)
        self.preprocessor.featurizer.register_buffer("window", torch.hann_window(win, periodic=False))
        fb = torchaudio.functional.melscale_fbanks(257, 0.0, 8000.0, FEATURES, 16000, norm="slaney", mel_scale="slaney")
        self.preprocessor.featurizer.register_buffer("fb", fb.T.unsqueeze(0).contiguous())
        self.encoder = Encoder(FEATURES, D_MODEL, HEADS, LAYERS, KERNEL, "striding", 4, D_MODEL)
        self.decoder = nn.Module()
        self.decoder.prediction = Prediction()
        self.joint = Joint()


CONFIG = f"""sample_rate: 16000
log_prediction: true
tokenizer:
  dir: null
  type: bpe
  model_path: nemo:{HEX}_tokenizer.model
  vocab_path: nemo:{HEX}_vocab.txt
  spe_tokenizer_vocab: nemo:{HEX}_tokenizer.vocab
preprocessor:
  _target_: nemo.collections.asr.modules.AudioToMelSpectrogramPreprocessor
  sample_rate: 16000
  normalize: per_feature
  window_size: 0.025
  window_stride: 0.01
  window: hann
  features: {FEATURES}
  n_fft: 512
  log: true
  frame_splicing: 1
  dither: 1.0e-05
  pad_to: 0
  pad_value: 0.0
spec_augment:
  _target_: nemo.collections.asr.modules.SpectrogramAugmentation
  freq_masks: 2
  time_masks: 10
  freq_width: 27
  time_width: 0.05
encoder:
  _target_: nemo.collections.asr.modules.ConformerEncoder
  feat_in: {FEATURES}
  feat_out: -1
  n_layers: {LAYERS}
  d_model: {D_MODEL}
  subsampling: striding
  subsampling_factor: 4
  subsampling_conv_channels: -1
  ff_expansion_factor: 4
  self_attention_model: rel_pos
  n_heads: {HEADS}
  att_context_size: [-1, -1]
  xscaling: true
  untie_biases: true
  pos_emb_max_len: 5000
  conv_kernel_size: {KERNEL}
  conv_norm_type: batch_norm
  dropout: 0.1
  dropout_pre_encoder: 0.1
  dropout_emb: 0.0
  dropout_att: 0.1
decoder:
  _target_: nemo.collections.asr.modules.RNNTDecoder
  normalization_mode: null
  random_state_sampling: false
  blank_as_pad: true
  prednet:
    pred_hidden: {PRED}
    pred_rnn_layers: 1
    t_max: null
    dropout: 0.2
  vocab_size: {VOCAB}
joint:
  _target_: nemo.collections.asr.modules.RNNTJoint
  log_softmax: null
  preserve_memory: false
  fuse_loss_wer: true
  fused_batch_size: 4
  jointnet:
    joint_hidden: {JOINT}
    activation: relu
    dropout: 0.2
    encoder_hidden: {D_MODEL}
    pred_hidden: {PRED}
  num_classes: {VOCAB}
  vocabulary: []
decoding:
  strategy: greedy_batch
loss:
  loss_name: default
optim:
  name: adamw
  lr: 5.0
target: nemo.collections.asr.models.rnnt_bpe_models.EncDecRNNTBPEModel
nemo_version: 1.20.0
"""


def tokenizer(tmp):
    # the text tests' corpus, lower-cased and cut to a-z so 32 pieces cover every character
    text = os.path.join(tmp, "text.txt")
    with open(os.path.join(HERE, "..", "text", "corpus.txt"), encoding="utf-8") as src, open(text, "w") as dst:
        for line in src:
            kept = "".join(c for c in line.lower() if "a" <= c <= "z" or c == " ").split()
            if kept:
                dst.write(" ".join(kept) + "\n")
    spm.SentencePieceTrainer.train(
        input=text, model_prefix=os.path.join(tmp, "tokenizer"),
        vocab_size=VOCAB, model_type="bpe", character_coverage=1.0, bos_id=-1, eos_id=-1, unk_id=0,
        num_threads=1, minloglevel=2)
    sp = spm.SentencePieceProcessor(model_file=os.path.join(tmp, "tokenizer.model"))
    with open(os.path.join(tmp, "vocab.txt"), "w") as f:
        for i in range(sp.get_piece_size()):
            f.write(sp.id_to_piece(i) + "\n")
    return sp


def add(tar, name, data):
    info = tarfile.TarInfo("./" + name)
    info.size = len(data)
    info.mtime = 0
    tar.addfile(info, io.BytesIO(data))


def lightning_checkpoint():
    g = torch.Generator().manual_seed(7)
    shared = torch.randn(6, 4, generator=g)
    tensors = {
        "layer.weight": torch.randn(3, 5, generator=g),
        "layer.half": torch.randn(4, generator=g).half(),
        "layer.bf16": torch.randn(4, generator=g).bfloat16(),
        "layer.count": torch.tensor(17, dtype=torch.int64),
        "layer.mask": torch.tensor([True, False, True]),
        "layer.transposed": torch.randn(3, 4, generator=g).t(),
        "shared.first": shared[:3],
        "shared.rows": shared[2:5],
        "layer.ints": torch.arange(6, dtype=torch.int32).view(2, 3),
        "layer.double": torch.randn(2, 2, generator=g, dtype=torch.float64),
        "layer.bytes": torch.tensor([1, 200, 255], dtype=torch.uint8),
    }
    param = nn.Parameter(torch.randn(2, 3, generator=g))
    state = dict(tensors)
    state["param"] = param
    ckpt = {
        "epoch": 3, "global_step": 1200, "pytorch-lightning_version": "1.9.0",
        "state_dict": state,
        "optimizer_states": [{"state": {0: {"step": torch.tensor(5.0), "exp_avg": torch.zeros(2)}},
                              "param_groups": [{"lr": 1e-3, "betas": (0.9, 0.98), "params": [0]}]}],
        "lr_schedulers": [], "callbacks": {"big": 2 ** 70, "neg": -5, "f": 0.25, "none": None},
    }
    torch.save(ckpt, os.path.join(HERE, "lightning.ckpt"))
    expected = {k: v.contiguous() for k, v in tensors.items()}
    expected["param"] = param.detach().clone()
    with open(os.path.join(HERE, "lightning_expected.safetensors"), "wb") as f:
        f.write(serialize(expected))


def main():
    torch.manual_seed(2024)
    model = Model()
    randomize(model.encoder)
    with torch.no_grad():
        for m in (model.decoder, model.joint):
            for _, p in m.named_parameters():
                p.copy_(torch.randn_like(p) * (0.5 / math.sqrt(p.shape[-1])))
        model.decoder.prediction.embed.weight[VOCAB].zero_()   # the padding (blank) row, as NeMo's stays
    model.eval()

    x = torch.randn(1, 41, FEATURES)
    lengths = torch.tensor([41])
    targets = torch.tensor([[3, 17, 5, 30, 0, 9]])
    with torch.no_grad():
        enc, enc_len = model.encoder(x, lengths)
        pred = model.decoder.prediction(targets)
        logits = model.joint(enc, pred)
    ref = {"features": x, "lengths": lengths.long(), "targets": targets.long(), "encoder_output": enc.contiguous(),
           "encoder_lengths": enc_len.long(), "predictor_output": pred.contiguous(), "logits": logits.contiguous()}
    with open(os.path.join(HERE, "small_rnnt_reference.safetensors"), "wb") as f:
        f.write(serialize(ref))

    with tempfile.TemporaryDirectory() as tmp:
        sp = tokenizer(tmp)
        assert sp.get_piece_size() == VOCAB
        weights = io.BytesIO()
        torch.save(model.state_dict(), weights)
        with tarfile.open(os.path.join(HERE, "small_rnnt.nemo"), "w", format=tarfile.GNU_FORMAT) as tar:
            add(tar, "model_config.yaml", CONFIG.encode())
            add(tar, "model_weights.ckpt", weights.getvalue())
            add(tar, f"{HEX}_tokenizer.model", open(os.path.join(tmp, "tokenizer.model"), "rb").read())
            add(tar, f"{HEX}_tokenizer.vocab", open(os.path.join(tmp, "tokenizer.vocab"), "rb").read())
            add(tar, f"{HEX}_vocab.txt", open(os.path.join(tmp, "vocab.txt"), "rb").read())
    lightning_checkpoint()


if __name__ == "__main__":
    main()
