using SharpAsr.Config;
using SharpAsr.Demo;
using SharpAsr.Inference;
using SharpAsr.Tests.Decoding;
using Xunit;

namespace SharpAsr.Tests.Demo;

/// <summary>
/// The demo end to end on a handful of utterances and steps: it reports every dev and test set (per engine where a
/// set mixes them) greedy, with beam search and with the n-gram LM, exports a .sasr model that loads and transcribes
/// and the LM beside it, and prints the commands that use them.
/// </summary>
[Collection("trainer")]
public class DemoRunnerTests
{
    [Fact]
    public void DemoReportsEverySetAndExportsAModelThatTranscribes()
    {
        var root = Directory.CreateTempSubdirectory("sharpasr-demo-").FullName;
        try
        {
            var printed = new List<string>();
            var o = SmallDemo(root);
            int libtorchThreads = SharpTorch.Torch.NumThreads;
            Assert.Equal(0, DemoRunner.Run(o, printed.Add));
            Assert.Equal(libtorchThreads, SharpTorch.Torch.NumThreads);   // the evaluation's one thread per worker is undone

            var report = File.ReadAllText(Path.Combine(root, "report.md"));
            foreach (var set in new[] { "dev_grammar", "dev_open", "test_grammar", "test_open", "test_engine", "test_engine_rhvoice", "test_open_padded", "test_open_reverb", "test_open_phone" })
                Assert.Contains($"| {set} | all |", report);
            // the telephone set is cut by codec, not by engine (four utterances: the three codecs in turn)
            foreach (var codec in new[] { "g711-alaw", "g711-mulaw", "gsm-fr" })
                Assert.Contains($"| test_open_phone | {codec} |", report);
            Assert.DoesNotContain("| test_open_phone | espeak-ng |", report);
            Assert.Contains("| beam 2 WER | beam 3 + LM WER | beam 3 + LM, speeds 0.9/1/1.1 WER |", report);
            Assert.Contains("LM: a 7-gram model over the tokens of the training split's text", report);
            Assert.Matches(@"95 % intervals of the beam 3 \+ LM WER \(bootstrap over each set's utterances\): dev_grammar [0-9.]+ %–[0-9.]+ %, dev_open ", report);
            // the fourth search decodes the goals' sets and dev_open only: the others show a dash
            Assert.Matches(@"Of the beam 3 \+ LM, speeds 0\.9/1/1\.1 WER: dev_open [0-9.]+ %–[0-9.]+ %, test_grammar [0-9.]+ %–[0-9.]+ %, test_open [^,]+, test_engine [^,]+, test_engine_rhvoice [0-9.]+ %–[0-9.]+ %\.", report);
            Assert.Matches(@"\| test_open_padded \| all \|[^\n]* \| [0-9.]+ % \| — \|", report);
            // a set that mixes engines gets a row per engine, cut from the same decoding: the parts add up to the set
            var rows = report.Split('\n').Where(l => l.StartsWith("| dev_") || l.StartsWith("| test_")).Select(l => l.Split('|').Select(c => c.Trim()).ToArray()).ToList();
            var mixed = rows.Where(r => r[2] != "all").GroupBy(r => r[1]).ToList();
            Assert.NotEmpty(mixed);
            foreach (var parts in mixed)
            {
                var all = rows.Single(r => r[1] == parts.Key && r[2] == "all");
                Assert.Equal(int.Parse(all[4]), parts.Sum(p => int.Parse(p[4])));     // utterances
                Assert.Equal(int.Parse(all[5]), parts.Sum(p => int.Parse(p[5])));     // words
                for (int column = 6; column <= (all[9] == "—" ? 8 : 9); column++)        // word errors, each search
                    Assert.Equal(Errors(all, column), parts.Sum(p => Errors(p, column)));
            }
            var model = Path.Combine(root, "model", "tiny.sasr");
            var lm = Path.Combine(root, "model", "lm.arpa");
            var output = string.Join("\n", printed);
            // one process trains on the cores' worth of libtorch threads (up to two), fixed whatever the machine
            Assert.Contains($"demo: training in one process with {DemoRunner.SingleProcessThreads} libtorch thread(s)", output);
            Assert.Contains($"cpu: {DemoRunner.SingleProcessThreads} libtorch thread(s)", output);
            Assert.Contains($"./sharpasr transcribe --model {model} ", output);
            var words = Path.Combine(root, "model", "words.txt");
            Assert.Contains($"./sharpasr transcribe --model {model} --beam 3 --lm {lm} --lexicon {words} --speeds 0.9,1,1.1 ", output);
            using var asr = AsrModel.Load(model);
            var audio = Directory.GetFiles(Path.Combine(root, "corpus", "audio", "test_open"), "*.wav").Order().First();
            Assert.NotNull(asr.Transcribe(audio));
            var arpa = LanguageModelFiles.Load(lm, asr.Tokenizer);     // the LM it printed reads back over the model's tokens

            // the report is the exported model's, decoded several sets at a time: one worker or three give the same table
            Assert.Contains($"demo: evaluating {model} on every dev and test set", output);
            Assert.Contains("demo:   test_open beam 3 + LM: WER ", output);
            var corpus = DemoCorpus.Cached(Path.Combine(root, "corpus"), o.Corpus)!;
            // the word list is the LM text's distinct words, as the model's normaliser reads them
            var lmWords = File.ReadLines(corpus.LmText).SelectMany(l => asr.Normalizer.Normalize(l).Split(' ', StringSplitOptions.RemoveEmptyEntries))
                .Distinct().Order(StringComparer.Ordinal).ToList();
            Assert.Equal(lmWords, File.ReadAllLines(words));
            Assert.Contains($"; a word outside that text's {lmWords.Count} words (words.txt) costs 5 (a log-probability).", report);
            var pieces = Enumerable.Range(0, asr.Tokenizer.VocabSize).Select(asr.Tokenizer.IdToPiece).ToList();
            var fusion = new SharpAsr.Decoding.LmFusion(arpa, o.LmAlpha, o.LmBeta,
                lexicon: SharpAsr.Decoding.Lexicon.Load(words, pieces, o.LexiconPenalty!.Value, asr.Normalizer.Normalize));
            var one = DemoReport.Evaluate(model, corpus, o.BeamSize, o.LmBeamSize, fusion, o.Speeds, workers: 1).Markdown;
            Assert.Contains(one, report);
            Assert.Equal(one, DemoReport.Evaluate(model, corpus, o.BeamSize, o.LmBeamSize, fusion, o.Speeds, workers: 3).Markdown);
        }
        finally { Directory.Delete(root, true); }
    }

    [Fact]
    public void TwoTrainingProcessesTrainTheDemoAndThisOneEvaluates()
    {
        var root = Directory.CreateTempSubdirectory("sharpasr-demo-ranks-").FullName;
        try
        {
            var o = SmallDemo(root);
            // rank 1: the test worker program, given the same options
            var optionsFile = Path.Combine(root, "options.json");
            File.WriteAllText(optionsFile, System.Text.Json.JsonSerializer.Serialize(o));
            o.Ranks = 2;
            o.RankCommand = ("dotnet", [Distributed.Workers.Dll, "demo-rank", optionsFile]);
            var printed = new List<string>();
            Assert.Equal(0, DemoRunner.Run(o, printed.Add));
            var output = string.Join("\n", printed);
            Assert.Contains("demo: training on 2 processes", output);
            Assert.Contains("cpu: 1 libtorch thread(s)", output);     // the ranks share the cores: one thread each
            Assert.Contains("global batch 4 = 2 rank(s) × 2 utterances", output);
            Assert.Contains("step 3/3", output);
            // the evaluation after training is this process's alone: every set decoded in full
            var report = File.ReadAllText(Path.Combine(root, "report.md"));
            foreach (var set in new[] { "dev_grammar", "dev_open", "test_grammar", "test_open", "test_engine" })
                Assert.Contains($"| {set} | all |", report);
            Assert.True(File.Exists(Path.Combine(root, "model", "tiny.sasr")));
        }
        finally { Directory.Delete(root, true); }
    }

    [Fact]
    public void ARankThatDiesBeforeJoiningFailsTheDemoAtOnceWithItsOutput()
    {
        var root = Directory.CreateTempSubdirectory("sharpasr-demo-ranks-").FullName;
        try
        {
            var o = SmallDemo(root);
            o.Ranks = 2;
            o.RankCommand = ("sh", ["-c", "echo rank cannot start; exit 3"]);
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var e = Assert.Throws<InvalidOperationException>(() => DemoRunner.Run(o, _ => { }));
            Assert.Contains("demo training rank 1 exited with code 3 before joining the others", e.Message);
            Assert.Contains("rank cannot start", e.Message);       // its own last words
            Assert.True(clock.Elapsed < TimeSpan.FromMinutes(2), $"took {clock.Elapsed}");
        }
        finally { Directory.Delete(root, true); }
    }

    [Fact]
    public void AGlobalBatchTheProcessesCannotShareIsRefusedBeforeTheLastModelIsDeleted()
    {
        var root = Directory.CreateTempSubdirectory("sharpasr-demo-ranks-").FullName;
        try
        {
            var o = SmallDemo(root);
            o.Ranks = 3;                                             // 4 utterances per step do not divide by 3
            o.RankCommand = ("sh", ["-c", "exit 3"]);
            var lastModel = Path.Combine(root, "model", "tiny.sasr");
            Directory.CreateDirectory(Path.GetDirectoryName(lastModel)!);
            File.WriteAllText(lastModel, "the last run's model");
            var e = Assert.Throws<ConfigException>(() => DemoRunner.Run(o, _ => { }));
            Assert.Contains("global batch 4 does not divide into 3 rank(s)", e.Message);
            Assert.True(File.Exists(lastModel));
        }
        finally { Directory.Delete(root, true); }
    }

    /// <summary>A demo that takes seconds: a few utterances, a small model, three steps.</summary>
    static DemoOptions SmallDemo(string root) => new()
    {
        OutputDir = root,
        ConfigPath = TrainedTinyModel.FindConfig("tiny.yaml"),
        Corpus = new DemoCorpusOptions { TrainUtterances = 24, DevUtterances = 2, TestUtterances = 4, Parallelism = 2 },
        Steps = 3,
        BeamSize = 2,
        LmBeamSize = 3,
        Overrides = { "train.global_batch_size=4", "train.val_every=0", "train.save_every=0", "model.encoder.hidden=32",
            "model.predictor.embed_dim=8", "model.predictor.hidden=16", "model.joint.hidden=16" },
    };

    /// <summary>Word errors of a report row: its WER (a percentage with two decimals) times its words.</summary>
    static int Errors(string[] row, int column) =>
        (int)Math.Round(double.Parse(row[column].TrimEnd('%', ' '), System.Globalization.CultureInfo.InvariantCulture) / 100 * int.Parse(row[5]));
}
