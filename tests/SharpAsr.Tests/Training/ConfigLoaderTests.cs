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
    public void ListIndexOverridesAddressOneItem()
    {
        var path = Path.Combine(TrainerCorpusFixture.RepoRoot, "configs", "demo-quick.yaml");
        var c = AsrConfig.Load(path, new[] { "model.encoder.jasper.1.dropout=0.2", "model.encoder.jasper.3.filters=128" });
        var blocks = c.Model.Encoder.Jasper!;
        Assert.Equal((0.2, 128), (blocks[1].Dropout, blocks[3].Filters));
        Assert.Equal((0.05, 256), (blocks[2].Dropout, blocks[2].Filters));   // the other blocks as the file has them
        Assert.Equal(new[] { 0.8, 0.98 }, ConfigLoader.LoadFromString<AsrConfig>(Yaml, new[] { "optim.betas.1=0.98" }).Optim.Betas);
        var unset = Assert.Throws<ConfigException>(() => AsrConfig.Load(path, new[] { "optim.betas.1=0.98" }));
        Assert.Contains("the config does not set 'optim.betas', so it has no item 1 to change; set the whole list (optim.betas=[…])", unset.Message);
        Assert.Equal(3, AsrConfig.Load(path, new[] { "~model.encoder.jasper.3" }).Model.Encoder.Jasper!.Count);

        var typo = Assert.Throws<ConfigException>(() => AsrConfig.Load(path, new[] { "model.encoder.jasper.0.dropuot=0" }));
        Assert.Contains("did you mean 'model.encoder.jasper.0.dropout'?", typo.Message);
        var range = Assert.Throws<ConfigException>(() => AsrConfig.Load(path, new[] { "model.encoder.jasper.4.dropout=0" }));
        Assert.Contains("'model.encoder.jasper' has 4 item(s), so no index 4 (0 to 3)", range.Message);
        var name = Assert.Throws<ConfigException>(() => AsrConfig.Load(path, new[] { "model.encoder.jasper.last.dropout=0" }));
        Assert.Contains("'model.encoder.jasper' is a list; 'last' is not an index into it", name.Message);
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

    [Fact]
    public void AKeyOfAnotherEncoderTypeIsRefusedWithThisTypesKeys()
    {
        var e = Assert.Throws<ConfigException>(() => AsrConfig.Load(TrainerCorpusFixture.TinyConfig, new[] { "model.encoder.n_layers=2", "model.encoder.d_model=64" }));
        Assert.Equal("model.encoder.n_layers is a conformer key; this encoder is lstm: pre_layers, post_layers, hidden, stack_time_factor, bidirectional, dropout, "
                     + "forget_gate_bias, weight_init_scale", e.Message);
        var p = Assert.Throws<ConfigException>(() => AsrConfig.Load(TrainerCorpusFixture.TinyConfig, new[] { "model.predictor.context_size=3" }));
        Assert.StartsWith("model.predictor.context_size is a stateless key; this predictor is lstm: ", p.Message);
        var f = Assert.Throws<ConfigException>(() => ConfigLoader.LoadFromString<AsrConfig>("model:\n  encoder:\n    type: contextnet\n    hidden: 3\n"));
        Assert.StartsWith("model.encoder.hidden is an lstm key; this encoder is contextnet: jasper, se_reduction_ratio, activation", f.Message);
    }

    [Fact]
    public void AnUnknownKeyListsOnlyTheChosenTypesKeys()
    {
        var e = Assert.Throws<ConfigException>(() => ConfigLoader.LoadFromString<AsrConfig>("model:\n  encoder:\n    type: conformer\n", new[] { "model.encoder.d_modl=3" }));
        Assert.Contains("did you mean 'model.encoder.d_model'?", e.Message);
        Assert.Contains("valid here: type, dropout, d_model,", e.Message);
        Assert.DoesNotContain("pre_layers", e.Message);
    }

    [Fact]
    public void EveryShippedConfigRoundTripsWithOnlyItsTypesKeys()
    {
        foreach (var path in Directory.GetFiles(Path.Combine(TrainerCorpusFixture.RepoRoot, "configs"), "*.yaml"))
        {
            var yaml = ConfigWriter.ToYaml(AsrConfig.Load(path));
            var back = ConfigLoader.LoadFromString<AsrConfig>(yaml, source: path);
            Assert.Equal(yaml, ConfigWriter.ToYaml(back));
            if (back.Model.Encoder.Type != "conformer") Assert.DoesNotContain("n_layers:", yaml);
            if (back.Model.Encoder.Type != "lstm") Assert.DoesNotContain("pre_layers:", yaml);
        }
    }

    [Fact]
    public void ASavedConfigWithEveryTypesKeysLoadsWithoutThem()
    {
        // what checkpoints held before keys were checked against the type: every property, each type's at its default
        const string saved = "model:\n  encoder:\n    type: lstm\n    hidden: 64\n    n_layers: 17\n    se_reduction_ratio: 8\n";
        var c = ConfigLoader.LoadSaved<AsrConfig>(saved, new[] { "model.encoder.pre_layers=1" }, "checkpoint/config.yaml");
        Assert.Equal(64, c.Model.Encoder.Hidden);
        Assert.Equal(1, c.Model.Encoder.PreLayers);
        Assert.Throws<ConfigException>(() => ConfigLoader.LoadSaved<AsrConfig>(saved, new[] { "model.encoder.d_model=8" }, "checkpoint/config.yaml"));
    }
}
