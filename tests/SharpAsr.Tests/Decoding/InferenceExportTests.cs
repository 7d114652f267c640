using System.IO.Compression;
using SharpAsr.Audio;
using SharpAsr.Config;
using SharpAsr.Decoding;
using SharpAsr.Features;
using SharpAsr.Inference;
using SharpAsr.Models;
using SharpAsr.Text;
using SharpTorch;
using SharpTorch.Serialization;
using Xunit;

namespace SharpAsr.Tests.Decoding;

[Collection(TrainedTinyModelCollection.Name)]
public class InferenceExportTests(TrainedTinyModel trained)
{
    /// <summary>The text the training-side objects produce for one file: the trainer's featurizer, model and tokenizer.</summary>
    static string TrainingSideText(string checkpoint, string wav)
    {
        var cfg = AsrConfig.Load(Path.Combine(checkpoint, "config.yaml"));
        var tokenizer = CharTokenizer.Load(Path.Combine(checkpoint, "labels.json"));
        using var model = new Transducer(cfg.Preprocessor.OutputFeatures, tokenizer.VocabSize, cfg.Model);
        using var scope = Torch.NewScope();
        model.LoadStateDict(SafeTensors.Load(Path.Combine(checkpoint, "model.safetensors")));
        model.Eval();
        using var featurizer = new Featurizer(cfg.Preprocessor);
        var (features, frames) = featurizer.Forward(AudioReader.Read(wav, cfg.Preprocessor.SampleRate));
        using var noGrad = Torch.NoGrad();
        var (enc, lengths) = model.Encode(features.Transpose(1, 2), Torch.Tensor(new[] { frames }));
        return tokenizer.Decode(GreedyDecoder.Decode(model, enc, lengths)[0].Tokens);
    }

    [Fact]
    public void PredictionsKeepTheManifestsExtraKeys()
    {
        // the demo manifests carry voice, speed_wpm, pitch and snr_db: per-voice error rates are computed from these lines
        using var model = AsrModel.Load(trained.Checkpoint);
        var path = Path.Combine(trained.Root, "predictions.json");
        Evaluator.Evaluate(model, trained.TestManifest, new TranscribeOptions(), path);
        var lines = File.ReadAllLines(path).Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement).ToArray();
        var manifest = File.ReadAllLines(trained.TestManifest).Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement).ToArray();
        Assert.Equal(manifest.Length, lines.Length);
        for (int i = 0; i < lines.Length; i++)
        {
            Assert.Equal(manifest[i].GetProperty("voice").GetString(), lines[i].GetProperty("voice").GetString());
            Assert.Equal(manifest[i].GetProperty("text").GetString(), lines[i].GetProperty("text").GetString());
            Assert.True(lines[i].TryGetProperty("pred_text", out _));
        }
    }

    [Fact]
    public void ExportLoadTranscribeGivesTheTrainingModelsText()
    {
        var sasr = Path.Combine(trained.Root, "export-test.sasr");
        AsrModel.Export(trained.Checkpoint, sasr);
        using (var zip = ZipFile.OpenRead(sasr))
            Assert.Equal(new[] { "config.yaml", "labels.json", "model.safetensors", "sasr.json" }, zip.Entries.Select(e => e.FullName).Order());

        var expected = trained.TestAudio.Select(w => TrainingSideText(trained.Checkpoint, w)).ToArray();
        Assert.Contains(expected, t => t.Length > 0);               // not a comparison of empty strings
        using var model = AsrModel.Load(sasr);
        Assert.Equal("model", model.WeightsKind);
        Assert.Equal(expected[0], model.Transcribe(trained.TestAudio[0]));
        // batched (sorted by length inside) and back in input order
        var reversed = trained.TestAudio.Reverse().ToArray();
        var batch = model.TranscribeBatch(reversed, new TranscribeOptions { BatchSize = 3 });
        Assert.Equal(expected.Reverse(), batch.Select(t => t.Text));
        // the checkpoint folder itself loads the same way
        using var fromDir = AsrModel.Load(trained.Checkpoint);
        Assert.Equal(expected, fromDir.TranscribeBatch(trained.TestAudio).Select(t => t.Text));
    }

    [Fact]
    public void TimestampsAndBeamOptions()
    {
        using var model = AsrModel.Load(trained.Checkpoint);
        var o = new TranscribeOptions { Timestamps = true, BeamSize = 4, NBest = 3 };
        var t = model.Transcribe(trained.TestAudio[0], o);
        Assert.NotNull(t.Tokens);
        Assert.Equal(t.Text, model.Tokenizer.Decode(t.Tokens!.Select(x => x.Id).ToList()));
        Assert.All(t.Tokens!, x => Assert.Equal(x.Frame * model.FrameSeconds, x.Start, 9));
        Assert.All(t.Tokens!, x => Assert.InRange(x.Start, 0, t.Duration));
        Assert.Equal(t.Tokens!.Select(x => x.Start).Order(), t.Tokens!.Select(x => x.Start));
        // tiny config: hop 10 ms × frame subsampling 3 × encoder stacking 2
        Assert.Equal(0.06, model.FrameSeconds, 12);
        Assert.InRange(t.NBest!.Count, 1, 3);
        Assert.Equal(t.Text, t.NBest![0].Text);
        var greedy = model.Transcribe(trained.TestAudio[0], new TranscribeOptions());
        Assert.True(t.Score >= greedy.Score - 1e-4 || model.Transcribe(trained.TestAudio[0], new TranscribeOptions { MaxSymbolsPerFrame = 1 }).Score <= t.Score + 1e-4);
    }

    [Fact]
    public void ExportPrefersEmaWeights()
    {
        var dir = Path.Combine(trained.Root, "with-ema");
        Directory.CreateDirectory(dir);
        foreach (var f in Directory.EnumerateFiles(trained.Checkpoint)) File.Copy(f, Path.Combine(dir, Path.GetFileName(f)), true);
        using (var scope = Torch.NewScope())
        {
            var weights = SafeTensors.Load(Path.Combine(dir, "model.safetensors"));
            SafeTensors.Save(weights.ToDictionary(kv => kv.Key, kv => kv.Value.DType.IsFloatingPoint() ? kv.Value * 0.5 : kv.Value), Path.Combine(dir, "ema.safetensors"));
        }
        var sasr = Path.Combine(trained.Root, "ema.sasr");
        AsrModel.Export(dir, sasr);
        using var model = AsrModel.Load(sasr);
        Assert.Equal("ema", model.WeightsKind);
        using var scope2 = Torch.NewScope();
        var ema = SafeTensors.Load(Path.Combine(dir, "ema.safetensors"));
        foreach (var (name, p) in model.Model.NamedParameters())
            Assert.Equal(ema[name].ToFloatArray(), p.ToFloatArray());
    }

    [Fact]
    public void BadModelFilesAreNamed()
    {
        var junk = Path.Combine(trained.Root, "junk.sasr");
        File.WriteAllText(junk, "not a zip");
        Assert.Contains(junk, Assert.Throws<InvalidDataException>(() => AsrModel.Load(junk)).Message);
        Assert.Contains("nope.sasr", Assert.Throws<FileNotFoundException>(() => AsrModel.Load(Path.Combine(trained.Root, "nope.sasr"))).Message);
        var empty = Path.Combine(trained.Root, "empty-checkpoint");
        Directory.CreateDirectory(empty);
        Assert.Contains("config.yaml", Assert.Throws<InvalidDataException>(() => AsrModel.Load(empty)).Message.Replace("labels.json", "config.yaml"));
    }
}
