using SharpAsr.Audio;
using SharpAsr.Inference;
using Xunit;

namespace SharpAsr.Tests.Decoding;

[Collection(TrainedTinyModelCollection.Name)]
public class InferenceStreamingTests(TrainedTinyModel trained)
{
    // 64 mel bands: fixed statistics (a plausible log-mel mean and spread), the same for streaming and offline
    static readonly string[] FixedNormalisation =
    {
        "preprocessor.normalize=fixed",
        "preprocessor.fixed_mean=[" + string.Join(",", Enumerable.Range(0, 64).Select(k => (-8 + k * 0.05).ToString(System.Globalization.CultureInfo.InvariantCulture))) + "]",
        "preprocessor.fixed_std=[" + string.Join(",", Enumerable.Repeat("3", 64)) + "]",
    };

    [Theory]
    [InlineData(new[] { 1600 })]
    [InlineData(new[] { 160, 2731, 7, 4000, 999 })]
    public void StreamingEqualsOfflineDecoding(int[] chunkSizes)
    {
        using var model = AsrModel.Load(trained.Checkpoint, overrides: FixedNormalisation);
        foreach (var wav in trained.TestAudio.Take(2))
        {
            var audio = AudioReader.Read(wav, model.Config.Preprocessor.SampleRate);
            var offline = model.TranscribeSamples(new[] { audio }, new TranscribeOptions { Timestamps = true })[0];
            Assert.NotEmpty(offline.Text);                                     // a real comparison, not of empty strings

            using var stream = new StreamingRecognizer(model);
            var partials = new List<string>();
            int pos = 0, c = 0;
            while (pos < audio.Length)
            {
                int n = Math.Min(chunkSizes[c++ % chunkSizes.Length], audio.Length - pos);
                stream.AcceptAudio(audio.AsSpan(pos, n));
                pos += n;
                partials.Add(stream.PartialText);
            }
            var final = stream.Finish();
            Assert.Equal(offline.Text, final.Text);
            Assert.Equal(offline.Tokens!.Select(t => t.Frame), final.Tokens!.Select(t => t.Frame));
            Assert.Equal(offline.Score, final.Score, 3);
            // partial results grow by appending: each is a prefix of the next and of the final text
            for (int i = 1; i < partials.Count; i++) Assert.StartsWith(partials[i - 1], partials[i]);
            Assert.StartsWith(partials[^1], final.Text);
            Assert.True(partials.Count(p => p.Length > 0 && p.Length < final.Text.Length) > 0 || final.Text.Length <= 1, "partial text appeared before the end");
        }
    }

    [Fact]
    public void StreamingRefusesWholeUtteranceNormalisation()
    {
        using var model = AsrModel.Load(trained.Checkpoint);
        var e = Assert.Throws<ArgumentException>(() => new StreamingRecognizer(model));
        Assert.Contains("per_feature", e.Message);
    }
}
