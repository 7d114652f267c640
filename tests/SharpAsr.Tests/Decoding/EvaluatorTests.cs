using SharpAsr.Config;
using SharpAsr.Inference;
using SharpAsr.Text;
using Xunit;

namespace SharpAsr.Tests.Decoding;

/// <summary>
/// The one evaluation loop (validation, final evaluation, <c>sharpasr evaluate</c>, the demo) with a made-up
/// transcriber: batches of similar length, hypotheses back in their utterances' places, a rank's share, samples.
/// </summary>
public class EvaluatorTests
{
    static readonly EvaluationItem[] Items =
    {
        new("the cat sat", "m.json:1", 3.0),
        new("a dog", "m.json:2", 1.0),
        new("on the mat", "m.json:3", 2.0),
        new("it ran off", "m.json:4", 1.5),
        new("the end", "m.json:5", 0.5),
    };

    static readonly TextNormalizer Normalizer = new(new TextNormalizerOptions());

    /// <summary>Echoes each reference, except utterance 2's, where it drops the first word; records the batches it saw.</summary>
    static Evaluator.BatchTranscriber Echo(List<int[]> seen) => batches => Decode(batches, seen);

    static IEnumerable<IReadOnlyList<Transcription>> Decode(IReadOnlyList<int[]> batches, List<int[]> seen)
    {
        foreach (var batch in batches)
        {
            seen.Add(batch);
            yield return batch.Select(i => new Transcription(i == 2 ? "the mat" : Items[i].Reference, 0)).ToArray();
        }
    }

    [Fact]
    public void BatchesFollowDurationAndHypothesesLandInTheirUtterancesPlaces()
    {
        var seen = new List<int[]>();
        var r = Evaluator.Run(Items, batchSize: 2, Echo(seen), Normalizer, samples: 3);
        Assert.Equal(new[] { new[] { 4, 1 }, new[] { 3, 2 }, new[] { 0 } }, seen);
        Assert.Equal(Items.Select((item, i) => i == 2 ? "the mat" : item.Reference), r.Hypotheses.Select(h => h!.Text));
        Assert.Equal((13, 1), (r.Errors.WordTotals.ReferenceLength, r.Errors.WordTotals.Errors));
        // scored in the items' order, whatever the batching; samples in decoding order
        Assert.Equal(Items.Select(i => i.Where), r.Errors.Utterances.Select(u => u.Id));
        Assert.Equal(new[] { "the end", "a dog", "it ran off" }, r.Samples.Select(s => s.Reference));
    }

    [Fact]
    public void ARankScoresOnlyItsShareOfTheBatches()
    {
        var seen = new List<int[]>();
        var r = Evaluator.Run(Items, batchSize: 2, Echo(seen), Normalizer, share: batches => batches.Where((_, k) => k % 2 == 1));
        Assert.Equal(new[] { new[] { 3, 2 } }, seen);
        Assert.Equal(new[] { 3, 2 }.Order(), r.Hypotheses.Select((h, i) => (h, i)).Where(x => x.h != null).Select(x => x.i));
        Assert.Equal(2, r.Errors.Utterances.Count);
    }
}
