using SharpAsr.Config;
using SharpAsr.Training;
using SharpTorch;
using Xunit;

namespace SharpAsr.Tests.Training;

/// <summary>Issue 8 items 9 and 10: --profile's phase timings, and the final greedy-vs-beam evaluation on the validation sets.</summary>
[Collection("trainer")]
public sealed class TrainerProfileTests(TrainerCorpusFixture fx)
{
    [Fact]
    public void ProfileTimesEveryPhaseAndFinalEvaluationComparesGreedyAndBeam()
    {
        var dir = fx.NewOutputDir("profile");
        var overrides = TrainerCorpusFixture.SmallModel.Concat(new[]
        {
            "train.steps=4", "train.batch_size=8", "train.save_every=0", "train.log_every=2", "train.val_every=2",
            "train.max_val_utterances=2", "train.profile=true", "train.final_beam_size=2",
        }).ToList();
        var log = new List<string>();
        using var t = new Trainer(AsrConfig.Load(TrainerCorpusFixture.TinyConfig, overrides), new TrainOptions
        {
            ConfigPath = TrainerCorpusFixture.TinyConfig, Overrides = overrides, OutputDir = dir,
            TrainManifests = { fx.Corpus.TrainManifest }, ValManifests = { fx.Corpus.DevManifest },
            Log = line => log.Add(line),
        });
        t.Run();

        var p = t.Profiler;
        Assert.True(p.Enabled);
        // 4 steps of one micro-batch: encoder, backward and optimizer once each per step; validation at steps 2 and 4
        Assert.Equal(4, p.TotalCalls(PhaseProfiler.Encoder));
        Assert.Equal(4, p.TotalCalls(PhaseProfiler.Backward));
        Assert.Equal(4, p.TotalCalls(PhaseProfiler.Optimizer));
        Assert.Equal(2, p.TotalCalls(PhaseProfiler.Validation));
        Assert.True(p.TotalCalls(PhaseProfiler.DataWait) >= 4);
        foreach (var phase in new[] { PhaseProfiler.DataWait, PhaseProfiler.Encoder, PhaseProfiler.PredictorJointLoss, PhaseProfiler.Backward, PhaseProfiler.Optimizer, PhaseProfiler.Validation })
            Assert.True(p.TotalMs(phase) > 0, phase);
        Assert.Equal(2, log.Count(l => l.StartsWith("profile (ms/step over 2 steps): data wait")));
        var table = log.Single(l => l.StartsWith("profile over 4 steps:"));
        foreach (var phase in new[] { "data wait", "encoder", "predictor+joint+loss", "backward", "optimizer", "validation" })
            Assert.Contains("\n  " + phase, table);
        var logFile = File.ReadAllText(Directory.GetFiles(dir, "training_log_*.txt").Single());
        Assert.Contains("profile over 4 steps:", logFile);

        var final = log.Single(l => l.StartsWith("final evaluation "));
        Assert.Matches(@"final evaluation \S+ \(EMA 0\.99 weights, 2 utterances\): WER greedy [\d.]+ %  beam 2 [\d.]+ %", final);
        var events = TensorBoardWriterTests.ReadEvents(File.ReadAllBytes(Directory.GetFiles(Path.Combine(dir, "tensorboard")).Single()));
        var name = Path.GetFileNameWithoutExtension(fx.Corpus.DevManifest);
        Assert.Contains(events, e => e.Tag == $"final/{name}/wer_greedy" && e.Step == 4);
        Assert.Contains(events, e => e.Tag == $"final/{name}/wer_beam" && e.Step == 4);
        // the final greedy WER is the one validation at the last step computed (same weights, same decoder)
        var lastVal = t.Validate();
        Assert.Equal(lastVal[0].Wer, t.FinalEvaluation()[0].GreedyWer);
    }

    [Fact]
    public void NumThreadsRunsTheStepsAndRunGivesTheCallersCountBack()
    {
        var dir = fx.NewOutputDir("threads");
        var overrides = TrainerCorpusFixture.SmallModel.Concat(new[] { "train.steps=2", "train.batch_size=4", "train.save_every=0", "train.num_threads=2" }).ToList();
        var log = new List<string>();
        using var t = new Trainer(AsrConfig.Load(TrainerCorpusFixture.TinyConfig, overrides), new TrainOptions
        {
            ConfigPath = TrainerCorpusFixture.TinyConfig, Overrides = overrides, OutputDir = dir,
            TrainManifests = { fx.Corpus.TrainManifest }, Log = line => log.Add(line),
        });
        int before = Torch.NumThreads;
        try
        {
            Torch.NumThreads = 1;
            t.Run();
            Assert.Contains(log, l => l.StartsWith("cpu: 2 libtorch thread(s)"));
            // the count is the calling thread's: the demo's training must not leave it to the evaluation or the next test
            Assert.Equal(1, Torch.NumThreads);
        }
        finally { Torch.NumThreads = before; }
    }
}
