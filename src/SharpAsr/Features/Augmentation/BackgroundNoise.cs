using System.Runtime.CompilerServices;
using SharpAsr.Audio;
using SharpAsr.Config;

namespace SharpAsr.Features.Augmentation;

/// <summary>What <see cref="BackgroundNoise"/> (settings in Config/AugmentConfig.cs) does to the audio or features.</summary>
public static class BackgroundNoiseBehaviour
{
    // listed once per settings object (the loader's workers share it), as a field of the settings did before
    static readonly ConditionalWeakTable<BackgroundNoise, string[]> ListedFiles = new();
    static readonly string[] AudioExtensions = { ".wav", ".flac", ".ogg", ".mp3", ".aiff", ".aif" };

    extension(BackgroundNoise background)
    {
        /// <summary>The noise files found under <see cref="BackgroundNoise.Path"/> (listed once, sorted so a seed picks the same file everywhere).</summary>
        public string[] Files => ListedFiles.GetValue(background, n => ListFiles(n.Path));

        static string[] ListFiles(string path)
        {
            if (Directory.Exists(path))
            {
                var files = Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories)
                    .Where(f => AudioExtensions.Contains(System.IO.Path.GetExtension(f).ToLowerInvariant()))
                    .OrderBy(f => f, StringComparer.Ordinal).ToArray();
                if (files.Length == 0) throw new FileNotFoundException($"noise: no audio files under {path}");
                return files;
            }
            if (File.Exists(path))
            {
                var dir = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!;
                var list = new List<string>();
                int lineNo = 0;
                foreach (var line in File.ReadLines(path))
                {
                    lineNo++;
                    if (string.IsNullOrWhiteSpace(line)) continue;
                    string? audio;
                    try
                    {
                        using var doc = System.Text.Json.JsonDocument.Parse(line);
                        audio = doc.RootElement.TryGetProperty("audio_filepath", out var a) ? a.GetString() : null;
                    }
                    catch (System.Text.Json.JsonException e)
                    {
                        throw new FormatException($"{path}:{lineNo}: not a JSON object ({e.Message})");
                    }
                    if (audio is null) throw new FormatException($"{path}:{lineNo}: no audio_filepath");
                    list.Add(System.IO.Path.IsPathRooted(audio) ? audio : System.IO.Path.Combine(dir, audio));
                }
                if (list.Count == 0) throw new FormatException($"{path}: noise manifest is empty");
                return list.ToArray();
            }
            throw new FileNotFoundException($"noise: {path} is neither a folder nor a manifest file", path);
        }

        public float[] Apply(float[] speech, int sampleRate, Random rng)
        {
            if (background.MaxSnrDb < background.MinSnrDb) throw new ArgumentException($"noise: max_snr_db {background.MaxSnrDb} < min_snr_db {background.MinSnrDb}");
            if (speech.Length == 0 || rng.NextDouble() >= background.Probability) return speech;
            var file = background.Files[rng.Next(background.Files.Length)];
            var noise = AudioReader.Read(file, sampleRate);
            double snr = background.MinSnrDb + (background.MaxSnrDb - background.MinSnrDb) * rng.NextDouble();
            int start = noise.Length > speech.Length ? rng.Next(noise.Length - speech.Length + 1) : 0;
            return Mix(speech, noise, start, snr);
        }

        /// <summary>speech + g·noise[start…] (repeated as needed), with g set so the mix has exactly <paramref name="snrDb"/>.</summary>
        public static float[] Mix(float[] speech, float[] noise, int start, double snrDb)
        {
            var segment = new float[speech.Length];
            for (int n = 0; n < segment.Length; n++) segment[n] = noise[(start + n) % noise.Length];
            double speechPower = Signal.Power(speech), noisePower = Signal.Power(segment);
            if (noisePower == 0 || speechPower == 0) return speech;
            double gain = Math.Sqrt(speechPower / (noisePower * Math.Pow(10, snrDb / 10)));
            var mixed = new float[speech.Length];
            for (int n = 0; n < mixed.Length; n++) mixed[n] = (float)(speech[n] + gain * segment[n]);
            return mixed;
        }
    }
}
