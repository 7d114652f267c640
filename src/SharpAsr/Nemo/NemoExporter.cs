using System.Formats.Tar;
using System.Security.Cryptography;
using System.Text;
using SharpAsr.Config;
using SharpAsr.Features;
using SharpAsr.Models;
using SharpAsr.Text;
using SharpTorch;
using SharpTorch.Serialization;
using YamlDotNet.RepresentationModel;

namespace SharpAsr.Nemo;

/// <summary>
/// Writes a SharpASR Conformer-Transducer (conformer encoder, LSTM predictor, SentencePiece tokenizer) as a <c>.nemo</c>
/// archive in NeMo's layout: <c>./model_config.yaml</c> (EncDecRNNTBPEModel shape), <c>./model_weights.ckpt</c> (torch.save
/// zip format, written by <see cref="TorchCheckpoint"/>) with the featurizer's <c>window</c>/<c>fb</c> buffers NeMo's strict
/// load expects, and the tokenizer as <c>&lt;32 hex&gt;_tokenizer.model</c> (+ <c>_tokenizer.vocab</c>, <c>_vocab.txt</c>)
/// referenced as <c>nemo:&lt;name&gt;</c>. The hex is the MD5 of the tokenizer model, so exports are reproducible.
/// </summary>
public static class NemoExporter
{
    public static void Export(Transducer model, AsrConfig config, string tokenizerPath, string outPath)
    {
        if (!File.Exists(tokenizerPath)) throw new FileNotFoundException($"{tokenizerPath}: SentencePiece model not found", tokenizerPath);
        var tokenizerBytes = File.ReadAllBytes(tokenizerPath);
        List<string> pieces;
        using (var tok = SentencePieceTokenizer.Load(tokenizerPath))
        {
            if (tok.VocabSize != model.VocabSize)
                throw new ArgumentException($"{tokenizerPath}: {tok.VocabSize} pieces, but the model has {model.VocabSize} tokens (+ blank)");
            pieces = Enumerable.Range(0, tok.VocabSize).Select(tok.Model.IdToPiece).ToList();
        }
        var hex = Convert.ToHexString(MD5.HashData(tokenizerBytes)).ToLowerInvariant();
        string modelName = $"{hex}_tokenizer.model", spmVocabName = $"{hex}_tokenizer.vocab", vocabTxtName = $"{hex}_vocab.txt";

        var yaml = NemoConfigMapper.ToNemo(config, pieces, modelName, vocabTxtName, spmVocabName);
        var weights = Path.GetTempFileName();
        var tmp = outPath + ".tmp";
        try
        {
            using (var scope = Torch.NewScope())
                TorchCheckpoint.Save(NemoStateDict(model, config), weights, "model_weights");
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(outPath))!);
            using (var file = File.Create(tmp))
            using (var tar = new TarWriter(file, TarEntryFormat.Gnu, leaveOpen: false))
            {
                Add(tar, NemoArchive.ConfigName, Encoding.UTF8.GetBytes(ToText(yaml)));
                using (var w = File.OpenRead(weights)) Add(tar, NemoArchive.WeightsName, w);
                Add(tar, modelName, tokenizerBytes);
                // sentencepiece's .vocab (piece TAB score; scores are not kept by the model API here, so 0) and NeMo's vocab.txt
                Add(tar, spmVocabName, Encoding.UTF8.GetBytes(string.Concat(pieces.Select(p => p + "\t0\n"))));
                Add(tar, vocabTxtName, Encoding.UTF8.GetBytes(string.Concat(pieces.Select(p => WordPieceForm(p) + "\n"))));
            }
            File.Move(tmp, outPath, overwrite: true);
        }
        finally
        {
            File.Delete(weights);
            if (File.Exists(tmp)) File.Delete(tmp);
        }
    }

    /// <summary>
    /// The state dict NeMo's EncDecRNNTBPEModel loads: the featurizer buffers (hann window, slaney mel filterbank
    /// [1, n_mels, n_fft/2+1]) first, then ours in module order; with tied biases, the shared pos_bias_u/v again under
    /// every layer (as NeMo's modules hold the same Parameter there).
    /// </summary>
    public static List<KeyValuePair<string, Tensor>> NemoStateDict(Transducer model, AsrConfig config)
    {
        var p = config.Preprocessor;
        var window = Torch.HannWindow(p.WinLength, periodic: false, DType.Float32);
        var fb = MelFilterbank.Create(p.SampleRate, p.FftSize, p.Features, p.LowFreq, p.UpperFreq);
        var list = new List<KeyValuePair<string, Tensor>>
        {
            new("preprocessor.featurizer.window", window),
            new("preprocessor.featurizer.fb", Torch.FromArray<float>(fb, new long[] { 1, p.Features, p.FftSize / 2 + 1 }, DType.Float32)),
        };
        var state = model.StateDict();
        foreach (var kv in state)
        {
            list.Add(kv);
            if (!config.Model.Encoder.UntieBiases && kv.Key == "encoder.pos_bias_v")
                for (int i = 0; i < config.Model.Encoder.NLayers; i++)
                {
                    list.Add(new($"encoder.layers.{i}.self_attn.pos_bias_u", state["encoder.pos_bias_u"]));
                    list.Add(new($"encoder.layers.{i}.self_attn.pos_bias_v", state["encoder.pos_bias_v"]));
                }
        }
        return list;
    }

    // NeMo's vocab.txt (process_asr_text_tokenizer): word-initial pieces without ▁, others prefixed ##
    static string WordPieceForm(string piece) =>
        piece.StartsWith('\u2581') ? (piece.Length > 1 ? piece[1..] : piece) : "##" + piece;

    static string ToText(YamlMappingNode root)
    {
        var stream = new YamlStream(new YamlDocument(root));
        using var w = new StringWriter();
        stream.Save(w, assignAnchors: false);
        return w.ToString().Replace("\n...\n", "\n");
    }

    static void Add(TarWriter tar, string name, byte[] data)
    {
        using var m = new MemoryStream(data, writable: false);
        Add(tar, name, m);
    }

    static void Add(TarWriter tar, string name, Stream data)
    {
        var entry = new GnuTarEntry(TarEntryType.RegularFile, "./" + name)
        {
            DataStream = data,
            ModificationTime = DateTimeOffset.UtcNow,
            Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead,
        };
        tar.WriteEntry(entry);
    }
}
