using System.Globalization;
using SharpAsr.Config;
using SharpAsr.Models;
using SharpTorch;
using Xunit;

namespace SharpAsr.Tests.Cli;

public class ModelInfoCommandTests
{
    /// <summary>The parameters column of a table row ("encoder.pre_rnn   13,582,336  27.7%").</summary>
    static long Count(string[] lines, string module)
    {
        var row = lines.Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Single(w => w.Length >= 2 && w[0] == module && char.IsAsciiDigit(w[1][0]));
        return long.Parse(row[1], NumberStyles.AllowThousands, CultureInfo.InvariantCulture);
    }

    [Fact]
    public void TinyTotalEqualsTransducerParameterCountAndFrameRateIs60Ms()
    {
        var path = CliRunner.Config("tiny.yaml");
        var r = CliRunner.Run("model", "info", "--config", path);
        Assert.True(r.ExitCode == 0, r.Error);
        var lines = r.OutputLines;

        var cfg = AsrConfig.Load(path);
        using var scope = Torch.NewScope();
        using var model = new Transducer(cfg.Preprocessor.OutputFeatures, cfg.Tokenizer.Labels!.Count, cfg.Model);
        Assert.Equal(model.ParameterCount, Count(lines, "total"));
        Assert.Contains("encoder frame rate: 60 ms", lines);

        // every parameter belongs to exactly one top-level module; second-level rows add up to their parent
        var top = new[] { "encoder", "decoder", "joint" };
        Assert.Equal(model.ParameterCount, top.Sum(m => Count(lines, m)));
        Assert.Equal(Count(lines, "encoder"), Count(lines, "encoder.pre_rnn") + Count(lines, "encoder.post_rnn"));
        Assert.Equal(Count(lines, "joint"), Count(lines, "joint.enc") + Count(lines, "joint.pred") + Count(lines, "joint.joint_net"));
        Assert.Equal(Count(lines, "decoder"), Count(lines, "decoder.prediction"));
        // joint.enc is Linear(256 → 256): weight + bias
        Assert.Equal(256 * 256 + 256, Count(lines, "joint.enc"));
    }

    [Fact]
    public void FrameRateFollowsStrideSubsamplingAndStacking()
    {
        var cfg = AsrConfig.Load(CliRunner.Config("tiny.yaml"), new[] { "preprocessor.frame_subsampling=2", "model.encoder.stack_time_factor=4" });
        Assert.Equal(80, ModelSummary.Describe(cfg).EncoderFrameMs, 9);
    }

    [Fact]
    public void OverridesResizeTheModel()
    {
        var path = CliRunner.Config("tiny.yaml");
        var r = CliRunner.Run("model", "info", "--config", path, "model.joint.hidden=100");
        Assert.True(r.ExitCode == 0, r.Error);
        // joint.enc becomes Linear(256 → 100)
        Assert.Equal(256 * 100 + 100, Count(r.OutputLines, "joint.enc"));
    }

    [Fact]
    public void UnknownVocabularySizeIsAClearError()
    {
        var r = CliRunner.Run("model", "info", "--config", CliRunner.Config("testing.yaml"), "tokenizer.vocab_size=~", "tokenizer.dir=/nonexistent");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("tokenizer.vocab_size", r.Error);
    }

    /// <summary>
    /// caiman's published sizes (REFERENCE.md). Our counts: testing 49,006,592, base 84,690,944,
    /// large 195,591,168 — each within 0.5%, since the published numbers are rounded to millions.
    /// </summary>
    [Theory]
    [InlineData("testing.yaml", 1023, 49e6)]
    [InlineData("base.yaml", 8703, 85e6)]
    [InlineData("large.yaml", 17407, 196e6)]
    public void CaimanConfigsMatchPublishedParameterCounts(string config, int vocab, double published)
    {
        var r = CliRunner.Run("model", "info", "--config", CliRunner.Config(config));
        Assert.True(r.ExitCode == 0, r.Error);
        Assert.Contains($"240-dim features, {vocab} tokens + blank", r.Output);
        Assert.Contains("encoder frame rate: 60 ms", r.OutputLines);
        var total = Count(r.OutputLines, "total");
        Assert.InRange(Math.Abs(total - published) / published, 0, 0.03);
    }
}
