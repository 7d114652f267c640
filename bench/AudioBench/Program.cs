// Featurizer and decoding throughput on one core, in seconds of audio per second of wall time.
// Usage: dotnet run -c Release --project bench/AudioBench -- <wav> <flac> [batch] [seconds] [repeats]
// (bench/audio.sh makes the inputs with sox and runs the torchaudio peer in the same run.)
using System.Diagnostics;
using SharpAsr.Audio;
using SharpAsr.Config;
using SharpAsr.Features;
using SharpTorch;

var wav = args[0];
var flac = args[1];
int batch = args.Length > 2 ? int.Parse(args[2]) : 8;
double seconds = args.Length > 3 ? double.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture) : 10;
int repeats = args.Length > 4 ? int.Parse(args[4]) : 10;
Torch.NumThreads = 1;

static double Time(int repeats, Action body)
{
    body(); // warm-up
    var sw = Stopwatch.StartNew();
    for (int i = 0; i < repeats; i++) body();
    return sw.Elapsed.TotalSeconds / repeats;
}

var audio = AudioReader.Read(wav, 16000);
double fileSeconds = audio.Length / 16000.0;
Console.WriteLine($"decode_wav_s_per_s {fileSeconds / Time(repeats, () => AudioReader.Read(wav, 16000)):F0}");
Console.WriteLine($"decode_flac_s_per_s {fileSeconds / Time(repeats, () => AudioReader.Read(flac, 16000)):F0}");

int samples = (int)(seconds * 16000);
var data = new float[batch * samples];
for (int b = 0; b < batch; b++) Array.Copy(audio, b * 1000, data, b * samples, samples);
var x = Torch.FromArray<float>(data, new long[] { batch, samples }, DType.Float32);
var lengths = Torch.Tensor(Enumerable.Repeat((long)samples, batch).ToArray());
using var featurizer = new Featurizer(new FeaturizerConfig { WindowSize = 0.025, Features = 80, NFft = 512, PadTo = 0 });
double t = Time(repeats, () =>
{
    using var scope = Torch.NewScope();
    featurizer.Forward(x, lengths);
});
Console.WriteLine($"featurizer_s_per_s {batch * seconds / t:F0}");

// stage timings (ms per batch), to see where the featurizer spends its time
if (Environment.GetEnvironmentVariable("AUDIOBENCH_STAGES") == "1")
{
    var win = Torch.HannWindow(400, false);
    var fb = featurizer.Filterbank;
    Tensor? spec = null, pw = null;
    Console.WriteLine($"stage_stft_ms {1000 * Time(repeats, () => { spec?.Dispose(); spec = Functional.Stft(Functional.Pad(x, new long[] { 256, 256 }), 512, 160, 400, win).DetachFromScope(); }):F1}");
    Console.WriteLine($"stage_power_ms {1000 * Time(repeats, () => { pw?.Dispose(); var p = spec!.ViewAsReal(); var re = p.Select(-1, 0); var im = p.Select(-1, 1); pw = (re * re + im * im).DetachFromScope(); }):F1}");
    Console.WriteLine($"stage_mel_ms {1000 * Time(repeats, () => { using var m = fb.Matmul(pw!); }):F1}");
}
