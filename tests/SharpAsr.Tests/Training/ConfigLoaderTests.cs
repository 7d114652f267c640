using SharpAsr.Config;
using Xunit;

namespace SharpAsr.Tests.Training;

public sealed class ConfigLoaderTests
{
    const string Yaml = "optim:\n  lr: 0.001\n  betas: [0.8, 0.9]\ntrain:\n  batch_size: 8\n";

    [Fact]
    public void OverridesSetAddAndRemoveKeys()
    {
        var c = ConfigLoader.LoadFromString<AsrConfig>(Yaml, new[]
        {
            "optim.lr=0.5", "+train.steps=7", "++model.encoder.hidden=48", "optim.betas=[0.9,0.98]", "~train.batch_size",
            "preprocessor.lowfreq=20",
        });
        Assert.Equal(0.5, c.Optim.Lr);
        Assert.Equal(7, c.Train.Steps);
        Assert.Equal(48, c.Model.Encoder.Hidden);
        Assert.Equal(new[] { 0.9, 0.98 }, c.Optim.Betas);
        Assert.Equal(new TrainConfig().BatchSize, c.Train.BatchSize);   // removed → back to the default
        Assert.Equal(20, c.Preprocessor.LowFreq);                      // YamlMember alias
    }

    [Theory]
    [InlineData("optim.lrr=1", "unknown config key 'optim.lrr'", "did you mean 'optim.lr'?")]
    [InlineData("trian.steps=1", "unknown config key 'trian'", "did you mean 'train'?")]
    [InlineData("preprocessor.low_freq=1", "unknown config key 'preprocessor.low_freq'", "did you mean 'preprocessor.lowfreq'?")]
    public void UnknownOverrideKeySuggestsTheNearest(string o, string what, string suggestion)
    {
        var e = Assert.Throws<ConfigException>(() => ConfigLoader.LoadFromString<AsrConfig>(Yaml, new[] { o }));
        Assert.Contains(what, e.Message);
        Assert.Contains(suggestion, e.Message);
    }

    [Fact]
    public void UnknownKeyInTheFileIsAnError()
    {
        var e = Assert.Throws<ConfigException>(() => ConfigLoader.LoadFromString<AsrConfig>("train:\n  batch_sise: 4\n"));
        Assert.Contains("'train.batch_sise'", e.Message);
        Assert.Contains("did you mean 'train.batch_size'?", e.Message);
    }

    [Fact]
    public void MalformedOverrideIsAnError()
    {
        var e = Assert.Throws<ConfigException>(() => ConfigLoader.LoadFromString<AsrConfig>(Yaml, new[] { "optim.lr" }));
        Assert.Contains("expected key.path=value", e.Message);
    }

    [Fact]
    public void TinyConfigLoadsAndRoundTripsThroughConfigWriter()
    {
        var tiny = AsrConfig.Load(TrainerCorpusFixture.TinyConfig);
        Assert.Equal("tiny", tiny.Name);
        Assert.Equal(3, tiny.Preprocessor.FrameStacking);
        Assert.Equal(2, tiny.Model.Encoder.StackTimeFactor);
        Assert.Equal(28, tiny.Tokenizer.Labels!.Count);
        var yaml = ConfigWriter.ToYaml(tiny);
        var back = ConfigLoader.LoadFromString<AsrConfig>(yaml);
        Assert.Equal(yaml, ConfigWriter.ToYaml(back));
        Assert.Equal(tiny.Optim.Lr, back.Optim.Lr);
        Assert.Equal(tiny.Tokenizer.Labels, back.Tokenizer.Labels);
        Assert.Equal(tiny.Preprocessor.Dither, back.Preprocessor.Dither);
        Assert.Equal(tiny.Model.Joint.Hidden, back.Model.Joint.Hidden);
    }
}
