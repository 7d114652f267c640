using SharpAsr.Models;
using SharpTorch;

namespace SharpAsr.Decoding;

/// <summary>
/// Test-time augmentation by speed: the same audio, resampled to several speeds as training's speed perturbation does
/// (<see cref="Inference.TranscribeOptions.Speeds"/>), is encoded once per speed (a view), and each view's search proposes
/// its n-best. Every proposed sequence is then scored under every view with its exact transducer log-likelihood
/// (<see cref="SequenceScorer"/>; beyond 100 tokens, the alignments within 50 tokens of the proposing search's); its
/// score is the mean over the views plus what LM fusion adds to a whole hypothesis (<see cref="LmFusion.SequenceScore"/>),
/// and the best wins. The views err differently, so their average is an ensemble
/// of one model: on the demo's open-text sets speeds 0.9, 1 and 1.1 took 1–4 points of WER off beam 16 with the LM
/// (docs/decoding.md).
/// </summary>
public static class SpeedEnsemble
{
    /// <param name="views">per speed, the batch's encoder output [B, T, D] and valid frames [B].</param>
    /// <param name="speeds">each view's speed: its frame f lies where frame f · speed lies in the audio as given.</param>
    public static Hypothesis[][] Decode(Transducer model, IReadOnlyList<(Tensor Encoded, Tensor Lengths)> views, IReadOnlyList<double> speeds, DecodingOptions options)
    {
        if (views.Count != speeds.Count || views.Count == 0) throw new ArgumentException($"speed ensemble: {views.Count} views for {speeds.Count} speeds");
        var nbests = views.Select(v => TransducerDecoding.Decode(model, v.Encoded, v.Lengths, options)).ToArray();
        var lengths = views.Select(v => v.Lengths.ToLongArray()).ToArray();
        int batch = nbests[0].Length;
        var result = new Hypothesis[batch][];
        for (int b = 0; b < batch; b++)
        {
            // the union of the views' proposals, each with the frames of the first view that proposed it, mapped to the audio as given
            var proposals = new Dictionary<string, Hypothesis>();
            for (int v = 0; v < views.Count; v++)
                foreach (var h in nbests[v][b])
                    proposals.TryAdd(string.Join(',', h.Tokens), h with { Frames = h.Frames.Select(f => (int)Math.Round(f * speeds[v])).ToArray() });
            var candidates = proposals.Values.ToArray();
            var sequences = candidates.Select(h => h.Tokens).ToArray();
            var total = new double[candidates.Length];
            for (int v = 0; v < views.Count; v++)
            {
                using var scope = Torch.NewScope();
                // each proposal's alignment in this view's frames: where a long one's lattice band lies
                var frames = candidates.Select(h => h.Frames.Select(f => (int)Math.Round(f / speeds[v])).ToArray()).ToArray();
                var scores = SequenceScorer.LogLikelihoods(model, views[v].Encoded.Select(0, b), lengths[v][b], sequences, options.Lm, frames);
                for (int i = 0; i < total.Length; i++) total[i] += scores[i] / views.Count;
            }
            result[b] = candidates
                .Select((h, i) => h with { Score = total[i] + (options.Lm?.SequenceScore(h.Tokens) ?? 0) })
                .OrderByDescending(h => TransducerDecoding.RankScore(h, options.LengthNormalization)).ToArray();
        }
        return result;
    }
}
