using SharpAsr.Config;
using SharpAsr.Training;
using Xunit;
using static SharpAsr.Tests.Upstream.UpstreamConfigs;

namespace SharpAsr.Tests.Upstream;

/// <summary>
/// The upstream files read as their users write them (no audio, no training): each maps onto SharpASR's keys with the
/// upstream meaning, and what is not used is reported, not dropped.
/// </summary>
public class UpstreamConfigMappingTests
{
    static LoadedConfig Load(string name, params string[] extra) =>
        TrainingConfigFile.Load(File(name), DataOverrides(name, "train.json", "dev.json", "tok").Concat(SizeOverrides(name)).Concat(extra).ToList());

    [Fact]
    public void NemoConformer_MapsModelDataOptimizerAndTrainer()
    {
        var run = Load(Conformer, "trainer.max_steps=3");
        var c = run.Config;
        Assert.Equal("NeMo", run.Layout);
        Assert.Equal("Conformer-Transducer-BPE", c.Name);
        Assert.Equal(("conformer", 2, 64, 4, 31), (c.Model.Encoder.Type, c.Model.Encoder.NLayers, c.Model.Encoder.DModel, c.Model.Encoder.NHeads, c.Model.Encoder.ConvKernelSize));
        Assert.Equal((64, 64, 1), (c.Model.Predictor.Hidden, c.Model.Joint.Hidden, c.Model.Predictor.Layers));   // ${model.model_defaults.pred_hidden}
        Assert.Equal((80, 0.025, 0), (c.Preprocessor.Features, c.Preprocessor.WindowSize, c.Preprocessor.PadTo));
        Assert.Equal(("spe", "tok"), (c.Tokenizer.Type, c.Tokenizer.Dir));
        Assert.Equal(new[] { "train.json" }, run.TrainManifests);
        Assert.Equal(new[] { "dev.json" }, run.ValManifests);
        Assert.Equal((4, 16, 16.7), (c.Train.BatchSize, c.Train.ValBatchSize, c.Train.MaxDuration));
        Assert.Equal(("sub_batched", 4), (c.Loss.JointMode, c.Loss.SubBatch));
        Assert.Equal(("adamw", 5.0, 1e-3), (c.Optim.Name, c.Optim.Lr, c.Optim.WeightDecay));
        Assert.Empty(c.Optim.NoDecay);   // NeMo decays every parameter
        Assert.Equal(("noam", 64, 10000, 1e-6), (c.Schedule.Name, c.Schedule.DModel, c.Schedule.WarmupSteps, c.Schedule.MinLr));  // d_model: ${model.encoder.d_model}
        Assert.Equal((3, 1000, 1.0, 0.0, 30), (c.Train.Steps, c.Train.MaxEpochs, c.Train.ValEveryEpochs, c.Optim.ClipNorm, c.Train.MaxSymbolsPerFrame));
        Assert.Equal((2, 27, 10, 0.05), (c.Augment.SpecAugment!.FreqMasks, c.Augment.SpecAugment.FreqWidth, c.Augment.SpecAugment.TimeMasks, c.Augment.SpecAugment.TimeWidth));
        var report = string.Join("\n", run.NotUsed);
        Assert.Contains("model: compute_eval_loss", report);
        Assert.Contains("model.train_ds: pin_memory, bucketing_strategy", report);
        Assert.Contains("test_ds (whole section)", report);
        Assert.Contains("exp_manager: name, create_checkpoint_callback", report);
        Assert.Contains("trainer: devices, num_nodes, accelerator, strategy", report);
        Assert.DoesNotContain("tokenizer", report);
        Assert.DoesNotContain("d_model", report);
        Assert.DoesNotContain("max_steps", report);
    }

    [Fact]
    public void NemoAugmentor_SilenceAndGainMapWithTheirKeys_OthersAreReported()
    {
        var run = Load(Conformer, "trainer.max_steps=3",
            "+model.train_ds.augmentor.silence.prob=0.5", "+model.train_ds.augmentor.silence.max_start_silence_secs=0.6",
            "+model.train_ds.augmentor.silence.min_end_silence_secs=0.1", "+model.train_ds.augmentor.silence.max_end_silence_secs=0.4",
            "+model.train_ds.augmentor.gain.min_gain_dbfs=-25", "+model.train_ds.augmentor.gain.max_gain_dbfs=5",
            "+model.train_ds.augmentor.white_noise.prob=0.5");
        var a = run.Config.Augment.Audio!;
        Assert.Equal((0.5, 0.0, 0.6, 0.1, 0.4, 0.0), (a.Silence!.Probability, a.Silence.MinStartSeconds, a.Silence.MaxStartSeconds, a.Silence.MinEndSeconds, a.Silence.MaxEndSeconds, a.Silence.Value));
        Assert.Equal((1.0, -25.0, 5.0), (a.Gain!.Probability, a.Gain.MinGainDb, a.Gain.MaxGainDb));
        var report = string.Join("\n", run.NotUsed);
        Assert.Contains("white_noise", report);
        Assert.DoesNotContain("gain", report);
        Assert.DoesNotContain("silence", report.Replace("trim_silence", ""));
    }

    [Fact]
    public void NemoFastConformer_DwStridingCosineMeanVolume()
    {
        var c = Load(FastConformer, "trainer.max_steps=3").Config;
        Assert.Equal(("dw_striding", 8, 32, 9), (c.Model.Encoder.Subsampling, c.Model.Encoder.SubsamplingFactor, c.Model.Encoder.SubsamplingConvChannels, c.Model.Encoder.ConvKernelSize));
        Assert.Equal(("cosine", 15000, 5e-4, 5e-3), (c.Schedule.Name, c.Schedule.WarmupSteps, c.Schedule.MinLr, c.Optim.Lr));
        Assert.Equal("mean_volume", c.Loss.Reduction);
        Assert.Equal((3, 500), (c.Train.Steps, c.Train.MaxEpochs));
    }

    [Fact]
    public void NemoContextNet_JasperBlocksFromInterpolatedDefaults_NovogradReported()
    {
        var run = Load(ContextNet, "trainer.max_steps=3");
        var e = run.Config.Model.Encoder;
        Assert.Equal(("contextnet", "swish", 23), (e.Type, e.Activation, e.Jasper!.Count));
        Assert.All(e.Jasper.Take(22), b => Assert.Equal(16, b.Filters));      // ${model.model_defaults.filters}
        Assert.Equal(32, e.Jasper[22].Filters);                                // ${model.model_defaults.enc_hidden}
        Assert.Equal(new[] { 3, 7, 15 }, e.Jasper.Select((b, i) => (b, i)).Where(x => x.b.Stride == 2).Select(x => x.i));
        Assert.Equal(16, run.Config.Preprocessor.PadTo);
        Assert.Equal((0.001, 1.0), (run.Config.Loss.FastemitLambda, run.Config.Optim.ClipNorm));
        Assert.Contains(run.Notes, n => n.Contains("novograd is not available") && n.Contains("AdamW"));
        Assert.Contains(run.NotUsed, l => l.StartsWith("trainer: gpus"));
    }

    [Fact]
    public void HfDummies_ReadWithoutATrainerSection()
    {
        var contextnet = Load(HfContextNetDummy).Config;
        Assert.Equal((2, 64), (contextnet.Model.Encoder.Jasper!.Count, contextnet.Model.Encoder.Jasper[1].Filters));
        var conformer = Load(HfConformerDummy).Config;
        Assert.Equal((2, 64, 8, 5), (conformer.Model.Encoder.NLayers, conformer.Model.Encoder.DModel, conformer.Model.Encoder.NHeads, conformer.Model.Encoder.ConvKernelSize));
    }

    [Fact]
    public void Caiman_TestingConfig_MapsFeaturesModelAndAugmentation()
    {
        var run = Load(CaimanTesting);
        var c = run.Config;
        Assert.Equal("caiman", run.Layout);
        Assert.Equal((80, 3, 3, 0.02), (c.Preprocessor.Features, c.Preprocessor.FrameStacking, c.Preprocessor.FrameSubsampling, c.Preprocessor.WindowSize));
        Assert.Equal(("lstm", 32, 2, 3, 2), (c.Model.Encoder.Type, c.Model.Encoder.Hidden, c.Model.Encoder.PreLayers, c.Model.Encoder.PostLayers, c.Model.Encoder.StackTimeFactor));
        Assert.Equal((32, 32, 2, 0.3), (c.Model.Predictor.Hidden, c.Model.Predictor.EmbedDim, c.Model.Predictor.Layers, c.Model.Predictor.Dropout));
        Assert.Equal(("packed", 32), (c.Loss.JointMode, c.Model.Joint.Hidden));
        Assert.Equal(("spe", Path.Combine("tok", "tokenizer.model")), (c.Tokenizer.Type, c.Tokenizer.ModelPath));
        Assert.Equal((16.7, 0.05, 450), (c.Train.MaxDuration, c.Train.MinDuration, c.Train.MaxTranscriptChars));
        Assert.Equal((0.85, 1.15), (c.Augment.Audio!.Speed!.MinRate, c.Augment.Audio.Speed.MaxRate));
        Assert.NotNull(c.Augment.Audio.TrimSilence);
        Assert.Equal((2, 20, 10, 0.03), (c.Augment.SpecAugment!.FreqMasks, c.Augment.SpecAugment.FreqWidth, c.Augment.SpecAugment.TimeMasks, c.Augment.SpecAugment.TimeWidth));
        var report = string.Join("\n", run.NotUsed);
        foreach (var key in new[] { "user_tokens (whole section)", "tokenizer: labels, sampling", "stats_path", "standardize_wer", "custom_lstm", "ngram (whole section)" })
            Assert.Contains(key, report);
        Assert.Single(run.NotUsed, l => l.Contains("stats_path"));   // input_train shares input_val's features (&val_features): listed once
        Assert.DoesNotContain("grad_noise_scheduler", report);   // noise level 0 is honoured: no noise
    }

    [Fact]
    public void Caiman_UnfilledPlaceholderIsAnErrorNamingTheKey()
    {
        var e = Assert.Throws<InvalidDataException>(() => TrainingConfigFile.Load(File(CaimanTesting), Array.Empty<string>()));
        Assert.Contains("input_train.audio_dataset.max_duration 'MAX_DURATION' is not a number", e.Message);
    }

    [Fact]
    public void HydraRules_SetNeedsTheKey_PlusAdds_TildeRemoves()
    {
        var set = Assert.Throws<ConfigException>(() => Load(Conformer, "trainer.max_stepz=3"));
        Assert.Contains("has no key 'trainer.max_stepz'; did you mean 'trainer.max_steps'?", set.Message);
        var add = Assert.Throws<ConfigException>(() => Load(Conformer, "+trainer.max_steps=3"));
        Assert.Contains("already has 'trainer.max_steps'", add.Message);
        var run = Load(Conformer, "trainer.max_steps=3", "~model.spec_augment", "+init_from_nemo_model=base.nemo");
        Assert.Null(run.Config.Augment.SpecAugment);
        Assert.Equal("base.nemo", run.InitFrom);
    }

    [Fact]
    public void HydraListIndex_SetsRemovesAndInterpolatesOneJasperBlock()
    {
        // NeMo users address one block of a list as Hydra does: model.encoder.jasper.3.filters=48
        var run = Load(ContextNet, "trainer.max_steps=3", "model.encoder.jasper.3.filters=48", "model.encoder.jasper.0.dropout=0.05",
                       "~model.encoder.jasper.22");
        var e = run.Config.Model.Encoder;
        Assert.Equal((22, 48, 0.05), (e.Jasper!.Count, e.Jasper[3].Filters, e.Jasper[0].Dropout));
        Assert.Equal(16, e.Jasper[4].Filters);
        var range = Assert.Throws<ConfigException>(() => Load(ContextNet, "trainer.max_steps=3", "model.encoder.jasper.23.filters=8"));
        Assert.Contains("'model.encoder.jasper' has 23 item(s), so no index 23 (0 to 22)", range.Message);
        var name = Assert.Throws<ConfigException>(() => Load(ContextNet, "trainer.max_steps=3", "model.encoder.jasper.first.filters=8"));
        Assert.Contains("'model.encoder.jasper' is a list; 'first' is not an index into it", name.Message);
        var interpolated = Load(ContextNet, "trainer.max_steps=3", "model.encoder.jasper.0.filters=${model.encoder.jasper.22.filters}");
        Assert.Equal(32, interpolated.Config.Model.Encoder.Jasper![0].Filters);
    }

    [Fact]
    public void MissingMandatoryValuesAndDownloadsAreClearErrors()
    {
        var dir = Assert.Throws<InvalidDataException>(() => TrainingConfigFile.Load(File(Conformer), new[] { "trainer.max_steps=3" }));
        Assert.Contains("model.tokenizer.dir is ??? (mandatory)", dir.Message);
        var download = Assert.Throws<InvalidDataException>(() => Load(Conformer, "trainer.max_steps=3", "+init_from_pretrained_model=stt_en_conformer_transducer_large"));
        Assert.Contains("nothing is downloaded here", download.Message);
        var cycle = Assert.Throws<ConfigException>(() => Load(Conformer, "model.encoder.d_model=${model.model_defaults.enc_hidden}"));
        Assert.Contains("interpolation cycle", cycle.Message);
        var missing = Assert.Throws<ConfigException>(() => Load(Conformer, "model.encoder.d_model=${model.model_defaults.width}"));
        Assert.Contains("model.encoder.d_model: '${model.model_defaults.width}' refers to a key the file does not have", missing.Message);
    }
}
