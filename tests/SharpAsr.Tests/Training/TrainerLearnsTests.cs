using SharpAsr.Config;
using SharpAsr.Demo;
using SharpAsr.Training;
using Xunit;

namespace SharpAsr.Tests.Training;

/// <summary>
/// The slice end to end: the shipped <c>tiny</c> config, trained briefly on espeak-ng speech, recognises sentences it
/// never heard, spoken by voices it never heard, far better than chance. The bar is loose (the demo and its README
/// numbers measure how well); what fails it is a pipeline that does not learn: features, tokens, loss, gradients,
/// optimizer or decoding broken anywhere.
/// </summary>
[Collection("trainer")]
public class TrainerLearnsTests
{
    [Fact]
    public void TinyTrainedBrieflyTranscribesUnseenVoicesAndSentences()
    {
        var folder = Directory.CreateTempSubdirectory("sharpasr-learns-").FullName;
        try
        {
            var corpus = DemoCorpus.Generate(Path.Combine(folder, "corpus"),
                new DemoCorpusOptions { TrainUtterances = 800, GrammarShare = 1, DevUtterances = 4, TestUtterances = 60, Parallelism = 2 });
            var overrides = new List<string>
            {
                $"train.steps={Steps}", "train.val_every=0", "train.save_every=0", "train.log_every=50", "train.ema_decay=0",
                "schedule.warmup_steps=50", "schedule.hold_steps=450", "schedule.half_life_steps=100",
            };
            var config = TrainerCorpusFixture.TinyConfig;
            var cfg = AsrConfig.Load(config, overrides);
            var log = new List<string>();
            using var trainer = new Trainer(cfg, new TrainOptions
            {
                ConfigPath = config, Overrides = overrides, OutputDir = Path.Combine(folder, "run"),
                TrainManifests = { corpus.TrainManifest }, Log = line => { lock (log) log.Add(line); },
            });
            trainer.Run();
            var test = trainer.EvaluateManifest(corpus.TestManifest);
            Assert.True(test.Wer < LearnedWer, $"greedy WER {test.Wer:P1} on unseen voices and sentences after {Steps} steps (bar {LearnedWer:P0}); log:\n{string.Join("\n", log)}");
        }
        finally { Directory.Delete(folder, true); }
    }

    // an untrained or broken model scores ≥ 100 %; measured 51.8 % with tiny's pruned loss (58.0 % with the full
    // loss; under 2 min on this 2-core machine, docs/training.md)
    const double LearnedWer = 0.75;
    // still the steep part of the learning curve: 450 steps measured 60–67 % depending on the order of float sums
    // (before and after the fused LSTM layer), too near the bar to be safe on another CPU
    const int Steps = 600;
}
