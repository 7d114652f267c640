#!/usr/bin/python3
"""Reference data for SharpASR's text tests, made with Debian's python3-sentencepiece and torchaudio.

Run from this folder: /usr/bin/python3 make_reference.py
Writes corpus.txt (training text), spm_{unigram,bpe}.model (trained by Python with the flags
TokenizerTrainer uses), spm_expected.json (ids, pieces and decoded text of held-out sentences under
each model) and wer_reference.json (random reference/hypothesis pairs with torchaudio's edit distance
over words and over characters).
"""
import json
import random

import sentencepiece as spm
import torch
import torchaudio

rng = random.Random(1234)

SYLLABLES = ["ka", "to", "ri", "an", "el", "mo", "su", "ne", "ta", "li", "or", "us", "pe", "qu", "ix", "zo",
             "ba", "ch", "sh", "th", "ing", "er", "ly", "st", "re", "de", "ca", "fé", "ña", "ü", "ß", "ø"]
REAL = ["the", "a", "of", "and", "to", "in", "is", "was", "it", "for", "on", "with", "he", "she", "they",
        "don't", "o'clock", "I'm", "café", "naïve", "straße", "über", "year", "twenty", "nineteen", "42", "7"]


def word():
    if rng.random() < 0.5:
        return rng.choice(REAL)
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(1, 4)))


def sentence():
    words = [word() for _ in range(rng.randint(3, 14))]
    if rng.random() < 0.3:
        words[0] = words[0].capitalize()
    return " ".join(words)


corpus = [sentence() for _ in range(600)]
with open("corpus.txt", "w", encoding="utf-8") as f:
    for line in corpus:
        f.write(line + "\n")

# Held out: unseen words, upper case (folded by nmt_nfkc_cf), a ligature and full-width letters
# (NFKC), extra spaces (collapsed), and characters never seen in training (<unk>).
held_out = [sentence() for _ in range(40)] + [
    "THE CAFÉ WAS OPEN AT SEVEN O'CLOCK",
    "ﬁve ｆｕｌｌ width   spaces  here ",
    "snowman ☃ and 漢字 are unknown",
    "digits 1234567890 and 3.14",
    "",
]

# The flags of TokenizerTrainer.Flags (NeMo's create_spt_model) with one thread for reproducibility.
FLAGS = ("--input=corpus.txt --model_prefix=spm_{type} --vocab_size={vocab} --shuffle_input_sentence=true "
         "--hard_vocab_limit=false --model_type={type} --character_coverage=1 --bos_id=-1 --eos_id=-1 "
         "--num_threads=1 --minloglevel=1 --normalization_rule_name=nmt_nfkc_cf")
VOCAB = {"unigram": 200, "bpe": 150}

expected = {"sentences": held_out, "models": {}}
for kind, vocab in VOCAB.items():
    spm.SentencePieceTrainer.Train(FLAGS.format(type=kind, vocab=vocab))
    sp = spm.SentencePieceProcessor(model_file=f"spm_{kind}.model")
    ids = [sp.encode(s, out_type=int) for s in held_out]
    expected["models"][kind] = {
        "vocab_size": vocab,
        "piece_count": sp.get_piece_size(),
        "unk_id": sp.unk_id(),
        "pieces_by_id": [sp.id_to_piece(i) for i in range(sp.get_piece_size())],
        "ids": ids,
        "pieces": [sp.encode(s, out_type=str) for s in held_out],
        "decoded": [sp.decode(x) for x in ids],
    }
with open("spm_expected.json", "w", encoding="utf-8") as f:
    json.dump(expected, f, ensure_ascii=False, indent=1)

# WER/CER reference: hypotheses made from references by random substitutions, deletions and insertions.
VOCAB_WORDS = ["a", "b", "c", "the", "cat", "sat", "on", "mat", "dog", "ran", "über", "naïve", "x"]
pairs = []
for _ in range(300):
    ref = [rng.choice(VOCAB_WORDS) for _ in range(rng.randint(0, 12))]
    hyp = []
    for w in ref:
        r = rng.random()
        if r < 0.1:
            continue
        hyp.append(rng.choice(VOCAB_WORDS) if r < 0.25 else w)
        if rng.random() < 0.1:
            hyp.append(rng.choice(VOCAB_WORDS))
    if rng.random() < 0.1:
        hyp = [rng.choice(VOCAB_WORDS) for _ in range(rng.randint(0, 5))]
    ref_s, hyp_s = " ".join(ref), " ".join(hyp)
    pairs.append({
        "ref": ref_s,
        "hyp": hyp_s,
        "word_distance": int(torchaudio.functional.edit_distance(ref, hyp)),
        "char_distance": int(torchaudio.functional.edit_distance(list(ref_s), list(hyp_s))),
    })
with open("wer_reference.json", "w", encoding="utf-8") as f:
    json.dump({"torchaudio": torchaudio.__version__, "torch": torch.__version__, "pairs": pairs},
              f, ensure_ascii=False, indent=1)
print("wrote corpus.txt, spm_unigram.model, spm_bpe.model, spm_expected.json, wer_reference.json")
