using System.Text;
using System.Text.Json;
using SharpAsr.Data;
using SharpAsr.Decoding;
using SharpAsr.Inference;
using SharpAsr.Metrics;
using SharpAsr.Training;
using SharpTorch;

namespace SharpAsr.Demo;

/// <summary>
/// The demo's one report: every dev and test set of the corpus decoded by the exported model (the file the user
/// gets) greedily, with beam search, with beam search and the n-gram language model, and with those at several speeds
/// (<see cref="SpeedEnsemble"/>), WER and CER, and each set that mixes engines also per engine (or, for the telephone
/// set, per codec), as a markdown table, and each set's 95 % bootstrap interval of the WER with the LM (at one speed and at several).
/// </summary>
public sealed class DemoReport
{
    /// <summary>A set's (or part's) results; <see cref="BeamLmSpeeds"/> is null where the report does not decode at several speeds.</summary>
    public sealed record Row(CorpusSet Set, string Part, ValidationResult Greedy, ValidationResult Beam, ValidationResult BeamLm, ValidationResult? BeamLmSpeeds);

    public required IReadOnlyList<Row> Sets { get; init; }
    public required int BeamSize { get; init; }
    public required int LmBeamSize { get; init; }
    public required LmFusion Lm { get; init; }
    /// <summary>The speeds of the last search (just 1: no such search).</summary>
    public required IReadOnlyList<double> Speeds { get; init; }

    /// <summary>
    /// The sets decoded at several speeds too: those the goals are stated on and dev_open, which chose the speeds. Each
    /// costs about four times the beam search with the LM on the demo's two workers; on every set they took the quick
    /// demo's evaluation from 63 to 239 s, on these five to 173 s (docs/demo.md).
    /// </summary>
    public static readonly IReadOnlySet<string> SpeedSets = new HashSet<string> { "dev_open", "test_open", "test_engine", "test_engine_rhvoice", "test_grammar" };

    /// <summary>
    /// Decodes every (set, search) pair on <paramref name="workers"/> threads, each with its own copy of the model and
    /// one libtorch thread: each worker's small per-hypothesis ops would otherwise each start a team of libtorch's
    /// threads, and two workers' teams on two cores wait on each other (a stateless predictor's convolution took the
    /// beam searches twice as long). Each pair is decoded whole by one worker in a fixed batch plan, so the table does
    /// not depend on the number of workers.
    /// </summary>
    /// <param name="progress">called (from a worker) as each pair finishes</param>
    /// <param name="speeds">with more than the speed 1, a fourth search: beam search with the LM at these speeds</param>
    public static DemoReport Evaluate(string modelFile, DemoCorpus.Result corpus, int beamSize, int lmBeamSize, LmFusion lm, IReadOnlyList<double> speeds,
        int workers, Action<string>? progress = null)
    {
        var sets = corpus.Dev.Concat(corpus.Tests).ToList();
        bool ensemble = speeds is not [1.0];
        (int Beam, LmFusion? Lm, IReadOnlyList<double> Speeds, string Name)[] searches =
        [
            (1, null, [1.0], "greedy"), (beamSize, null, [1.0], $"beam {beamSize}"), (lmBeamSize, lm, [1.0], $"beam {lmBeamSize} + LM"),
            .. ensemble ? [(lmBeamSize, lm, speeds, SpeedsName(lmBeamSize, speeds))] : Array.Empty<(int, LmFusion?, IReadOnlyList<double>, string)>(),
        ];
        // the slowest search first, so that the last pairs to start are the short ones and no worker waits long alone
        var jobs = (from set in Enumerable.Range(0, sets.Count) from search in Enumerable.Range(0, searches.Length)
                    where search < 3 || SpeedSets.Contains(sets[set].Name) select (set, search))
            .OrderByDescending(j => searches[j.search].Beam * (searches[j.search].Lm != null ? 2 : 1) * searches[j.search].Speeds.Count).ThenBy(j => j.set).ToArray();
        var results = new EvaluationResult[sets.Count, searches.Length];
        int next = -1;
        void Work()
        {
            using var model = AsrModel.Load(modelFile);
            var train = model.Config.Train;    // the search the model was trained to be judged with
            for (int k; (k = Interlocked.Increment(ref next)) < jobs.Length;)
            {
                var (set, search) = jobs[k];
                var options = new TranscribeOptions
                {
                    BeamSize = searches[search].Beam, Strategy = train.FinalBeamStrategy, MaxSymbolsPerFrame = train.MaxSymbolsPerFrame,
                    Lm = searches[search].Lm, Speeds = searches[search].Speeds,
                };
                var r = Evaluator.Evaluate(model, sets[set].Manifest, options, samples: 4);
                results[set, search] = r;
                progress?.Invoke($"{sets[set].Name} {searches[search].Name}: WER {r.Errors.Wer:P2} ({r.DecodeSeconds:F0} s)");
            }
        }
        int libtorchThreads = Torch.NumThreads;      // process-wide: set for the workers, restored after
        Torch.NumThreads = 1;
        try
        {
            var threads = Enumerable.Range(0, Math.Clamp(workers, 1, jobs.Length))
                .Select(_ => Task.Factory.StartNew(Work, TaskCreationOptions.LongRunning)).ToArray();
            Task.WaitAll(threads);
        }
        catch (AggregateException e) when (e.InnerExceptions.Count > 0) { throw e.InnerExceptions[0]; }
        finally { Torch.NumThreads = libtorchThreads; }

        var rows = new List<Row>();
        for (int s = 0; s < sets.Count; s++)
        {
            var (greedy, withBeam, withLm) = (Whole(sets[s], results[s, 0]), Whole(sets[s], results[s, 1]), Whole(sets[s], results[s, 2]));
            var atSpeeds = ensemble && SpeedSets.Contains(sets[s].Name) ? Whole(sets[s], results[s, 3]) : null;
            rows.Add(new Row(sets[s], "all", greedy, withBeam, withLm, atSpeeds));
            // a set that mixes engines (or codecs) also gets a row per engine (codec), from the same utterances' errors
            var byPart = PartOfEachLine(sets[s].Manifest);
            if (byPart.Values.Distinct().Count() < 2) continue;
            foreach (var part in byPart.Values.Distinct().Order(StringComparer.Ordinal))
            {
                var ids = byPart.Where(kv => kv.Value == part).Select(kv => kv.Key).ToHashSet();
                rows.Add(new Row(sets[s], part, Part(greedy, ids), Part(withBeam, ids), Part(withLm, ids), atSpeeds is null ? null : Part(atSpeeds, ids)));
            }
        }
        return new DemoReport { Sets = rows, BeamSize = beamSize, LmBeamSize = lmBeamSize, Lm = lm, Speeds = speeds };
    }

    static string SpeedsName(int beam, IReadOnlyList<double> speeds) =>
        $"beam {beam} + LM, speeds {string.Join("/", speeds.Select(x => x.ToString(System.Globalization.CultureInfo.InvariantCulture)))}";

    static ValidationResult Whole(CorpusSet set, EvaluationResult r) =>
        new(set.Name, r.Errors.Wer, r.Errors.Cer, double.NaN, r.Utterances, r.Samples)
            { Words = r.Errors.WordTotals, DecodedHere = r.Utterances, PerUtterance = r.Errors.Utterances };

    /// <summary>
    /// The part of the set each line of a manifest belongs to, by its "file:line" (the evaluator's utterance id): its
    /// <c>codec</c> where lines have one (test_open_phone: the codec matters there, the engines are test_open's), else its <c>engine</c>.
    /// </summary>
    static Dictionary<string, string> PartOfEachLine(string manifest) =>
        File.ReadAllLines(manifest).Select((line, i) => (line, i)).Where(x => x.line.Length > 0)
            .ToDictionary(x => $"{manifest}:{x.i + 1}", x =>
            {
                var e = JsonDocument.Parse(x.line).RootElement;
                return (e.TryGetProperty("codec", out var codec) ? codec : e.GetProperty("engine")).GetString()!;
            });

    /// <summary>Corpus WER and CER over the utterances of <paramref name="ids"/> only.</summary>
    static ValidationResult Part(ValidationResult whole, HashSet<string> ids)
    {
        var utterances = whole.PerUtterance.Where(u => ids.Contains(u.Id)).ToList();
        if (utterances.Count != ids.Count)
            throw new InvalidOperationException($"{whole.Set}: {ids.Count} utterances of the part, {utterances.Count} decoded");
        ErrorTotals words = default, chars = default;
        foreach (var u in utterances)
        {
            words = words.Add(u.ReferenceWords.Length, u.Words);
            chars = chars.Add(u.ReferenceChars, u.Chars);
        }
        return new ValidationResult(whole.Set, words.Rate, chars.Rate, double.NaN, utterances.Count, []) { Words = words, PerUtterance = utterances };
    }

    public string Markdown
    {
        get
        {
            var sb = new StringBuilder();
            var lm = $"beam {LmBeamSize} + LM";
            bool ensemble = Speeds is not [1.0];
            var speeds = SpeedsName(LmBeamSize, Speeds);
            var (wer, cer, rule) = ensemble
                ? ($" | {lm} WER | {speeds} WER", $" | {lm} CER | {speeds} CER", " ---: | ---: |")
                : ($" | {lm} WER", $" | {lm} CER", " ---: |");
            sb.AppendLine($"| set | part | held out | utterances | words | greedy WER | beam {BeamSize} WER{wer} | greedy CER | beam {BeamSize} CER{cer} |");
            sb.AppendLine($"| --- | --- | --- | ---: | ---: | ---: | ---: |{rule} ---: | ---: |{rule}");
            foreach (var r in Sets)
            {
                var (w, c) = (r.BeamLmSpeeds, ensemble) switch
                {
                    ({ } e, _) => ($"{r.BeamLm.Wer:P2} | {e.Wer:P2}", $"{r.BeamLm.Cer:P2} | {e.Cer:P2}"),
                    (null, true) => ($"{r.BeamLm.Wer:P2} | —", $"{r.BeamLm.Cer:P2} | —"),
                    _ => ($"{r.BeamLm.Wer:P2}", $"{r.BeamLm.Cer:P2}"),
                };
                sb.AppendLine($"| {r.Set.Name} | {r.Part} | {(r.Part == "all" ? r.Set.HeldOut : "")} | {r.Greedy.Utterances} | {r.Greedy.Words.ReferenceLength} | " +
                              $"{r.Greedy.Wer:P2} | {r.Beam.Wer:P2} | {w} | {r.Greedy.Cer:P2} | {r.Beam.Cer:P2} | {c} |");
            }
            sb.AppendLine();
            // how far each figure could move with another draw of utterances: two runs' differences inside it say little
            string Intervals(Func<Row, ValidationResult?> search) => string.Join(", ", Sets.Where(r => r.Part == "all" && search(r) != null).Select(r =>
            {
                var (low, high) = BootstrapInterval.Wer(search(r)!.PerUtterance);
                return $"{r.Set.Name} {low:P1}–{high:P1}";
            }));
            sb.AppendLine($"95 % intervals of the {lm} WER (bootstrap over each set's utterances): {Intervals(r => r.BeamLm)}.");
            if (ensemble) sb.AppendLine($"Of the {speeds} WER: {Intervals(r => r.BeamLmSpeeds)}.");
            sb.AppendLine();
            sb.AppendLine(string.Format(System.Globalization.CultureInfo.InvariantCulture,
                "LM: a {0}-gram model over the tokens of the training split's text (lm_text.txt), fused with alpha {1} and beta {2}{3}.",
                Lm.Lm.Order, Lm.Alpha, Lm.Beta,
                Lm.Lexicon is { } words ? $"; a word outside that text's {words.WordCount} words (words.txt) costs {words.Penalty} (a log-probability)" : ""));
            return sb.ToString();
        }
    }
}
