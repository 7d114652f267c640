using SharpAsr.Tests.Cli;
using SharpAsr.Tests.Training;
using SharpAsr.Text;
using Xunit;
using static SharpAsr.Tests.Upstream.UpstreamConfigs;

namespace SharpAsr.Tests.Upstream;

/// <summary>
/// Each upstream config trains 3 steps on the shared espeak-ng corpus through <c>sharpasr train</c>, with the command
/// line a NeMo or caiman user would type: data paths, tokenizer and size overrides only; the run logs the file's
/// "not used" report and writes the resolved SharpASR config.
/// </summary>
[Collection("trainer")]
public sealed class UpstreamConfigTrainingTests(TrainerCorpusFixture fx)
{
    static readonly object TokenizerLock = new();

    // a small BPE tokenizer on the corpus text, in NeMo's folder layout (tokenizer_spe_bpe_v48/tokenizer.model)
    string Tokenizer()
    {
        lock (TokenizerLock)
        {
            var folder = Path.Combine(fx.Folder, "tokenizer");
            var options = new TokenizerTrainOptions { Manifests = { fx.Corpus.TrainManifest }, OutDir = folder, VocabSize = 48, Type = SentencePieceType.Bpe, Threads = 1 };
            var dir = Path.Combine(folder, TokenizerTrainer.FolderName(options));
            return System.IO.File.Exists(Path.Combine(dir, "tokenizer.model")) ? dir : TokenizerTrainer.Run(options).Directory;
        }
    }

    [Theory]
    [InlineData(Conformer, "trainer.max_steps=3")]
    [InlineData(FastConformer, "trainer.max_steps=3")]
    [InlineData(ContextNet, "trainer.max_steps=3")]
    [InlineData(HfContextNetDummy, "+trainer.max_steps=3")]   // the HF repo's files have no trainer section
    [InlineData(HfConformerDummy, "+trainer.max_steps=3")]
    public void NemoFile_TrainsThreeSteps_AsANemoUserRunsIt(string name, params string[] steps)
    {
        var output = fx.NewOutputDir(Path.GetFileNameWithoutExtension(name));
        // speech_to_text_rnnt_bpe.py --config-path=DIR --config-name=NAME model.train_ds.manifest_filepath=… trainer.max_steps=…
        var args = new List<string> { "train", $"--config-path={Path.GetDirectoryName(File(name))}", $"--config-name={Path.GetFileNameWithoutExtension(name)}", "--output-dir", output };
        args.AddRange(DataOverrides(name, fx.Corpus.TrainManifest, fx.Corpus.DevManifest, Tokenizer()));
        args.AddRange(SizeOverrides(name));
        args.AddRange(steps);
        AssertTrained(CliRunner.Run(args.ToArray()), output, "NeMo");
    }

    [Fact]
    public void CaimanFile_TrainsThreeSteps_WithCaimansFlags()
    {
        var output = fx.NewOutputDir("caiman");
        var args = new List<string>
        {
            "train", "--model_config", File(CaimanTesting), "--train_manifests", fx.Corpus.TrainManifest, "--val_manifests", fx.Corpus.DevManifest,
            "--num_gpus", "1", "--global_batch_size", "8", "--grad_accumulation_batches", "2", "--training_steps", "3",
            "--warmup_steps", "1", "--hold_steps", "1", "--half_life_steps", "2", "--val_batch_size", "2",
            "--output_dir", output, "--timestamp", "caiman-test",
        };
        args.AddRange(DataOverrides(CaimanTesting, "", "", Tokenizer()));
        args.AddRange(SizeOverrides(CaimanTesting));
        AssertTrained(CliRunner.Run(args.ToArray()), output, "caiman");
        var log = System.IO.File.ReadAllText(Path.Combine(output, "training_log_caiman-test.txt"));
        Assert.Contains("global batch 8 = 1 rank(s) × 4 utterances × accumulation 2", log);
        Assert.True(System.IO.File.Exists(Path.Combine(output, "training_args_caiman-test.json")));
    }

    // caiman's WebDataset layout: --read_from_tar --data_dir D --train_tar_files 'train_*.tar' --val_tar_files 'dev_*.tar'
    [Fact]
    public void CaimanFile_TrainsThreeSteps_FromWebDatasetTarsWithCaimansFlags()
    {
        var output = fx.NewOutputDir("caiman-tar");
        var data = Directory.CreateTempSubdirectory("sharpasr-wds-").FullName;
        var train = SharpAsr.Data.ManifestReader.Read(fx.Corpus.TrainManifest).Entries;
        for (int s = 0; s < 2; s++)
            Tests.Data.DataTestFiles.Tar(Path.Combine(data, $"train_{s}.tar"), Tests.Data.DataTestFiles.Pairs(train.Where((_, i) => i % 2 == s).Select(e => (e.AudioPath, e.Text))));
        Tests.Data.DataTestFiles.Tar(Path.Combine(data, "dev_0.tar"),
            Tests.Data.DataTestFiles.Pairs(SharpAsr.Data.ManifestReader.Read(fx.Corpus.DevManifest).Entries.Select(e => (e.AudioPath, e.Text))));
        var args = new List<string>
        {
            "train", "--model_config", File(CaimanTesting), "--read_from_tar", "--data_dir", data, "--train_tar_files", "train_*.tar", "--val_tar_files", "dev_*.tar",
            "--num_gpus", "1", "--global_batch_size", "4", "--training_steps", "3", "--val_frequency", "3",
            "--warmup_steps", "1", "--hold_steps", "1", "--half_life_steps", "2", "--val_batch_size", "2", "--output_dir", output,
        };
        args.AddRange(DataOverrides(CaimanTesting, "", "", Tokenizer()));
        args.AddRange(SizeOverrides(CaimanTesting));
        var dry = CliRunner.Run(args.Append("--dry-run").ToArray());
        Assert.True(dry.ExitCode == 0, dry.Error);
        Assert.Contains($"2 tar shards (--train_tar_files): {train.Count} utterances", dry.Output);
        AssertTrained(CliRunner.Run(args.ToArray()), output, "caiman");
        var log = System.IO.File.ReadAllText(Directory.GetFiles(output, "training_log_*.txt").Single());
        Assert.Contains("data train: tar shards: 2 of 2 on this rank", log);
        Assert.Contains($"train: {train.Count} utterances", log);
        Assert.Contains("validation from 1 tar file(s) (--val_tar_files): 4 utterances", log);
        Assert.Matches(@"val_tar_files.*WER", log);
    }

    [Fact]
    public void CaimanTarFiles_WithAnAudioMemberMissingItsTranscript_FailNamingTheTarAndMember()
    {
        var data = Directory.CreateTempSubdirectory("sharpasr-wds-").FullName;
        var e = SharpAsr.Data.ManifestReader.Read(fx.Corpus.TrainManifest).Entries[0];
        var tar = Tests.Data.DataTestFiles.Tar(Path.Combine(data, "train_0.tar"), new[] { (Path.GetFileName(e.AudioPath), System.IO.File.ReadAllBytes(e.AudioPath)) });
        var r = CliRunner.Run("train", "--model_config", File(CaimanTesting), "--data_dir", data, "--train_tar_files", "train_0.tar", "--output_dir", fx.NewOutputDir("caiman-bad"),
            DataOverrides(CaimanTesting, "", "", Tokenizer())[0], SizeOverrides(CaimanTesting)[0]);
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains($"{tar}: audio '{Path.GetFileName(e.AudioPath)}' has no transcript", r.Error);
    }

    static void AssertTrained(CliRunner.Result r, string output, string layout)
    {
        Assert.True(r.ExitCode == 0, r.Error + r.Output);
        var log = System.IO.File.ReadAllText(Directory.GetFiles(output, "training_log_*.txt").Single());
        Assert.Contains($"{layout} layout, mapped onto SharpASR's keys", log);
        Assert.Contains("not used", log);
        Assert.Contains("step 3/3", log);
        Assert.True(System.IO.File.Exists(Path.Combine(output, "checkpoints", "last", "model.safetensors")));
        // the resolved config reruns as SharpASR's own file
        var resolved = Config.AsrConfig.Load(Path.Combine(output, "config.yaml"));
        Assert.Equal(3, resolved.Train.Steps);
    }
}
