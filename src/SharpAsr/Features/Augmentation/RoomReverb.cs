using SharpAsr.Config;

namespace SharpAsr.Features.Augmentation;

/// <summary>What <see cref="Reverberation"/> (settings in Config/AugmentConfig.cs) does to an utterance.</summary>
public static class RoomReverb
{
    /// <summary>One room: its reverberation time, direct-to-reverberant ratio and the seed of its tail's noise.</summary>
    public readonly record struct Room(double Rt60, double DrrDb, int TailSeed);

    extension(Reverberation reverb)
    {
        public float[] Apply(float[] samples, int sampleRate, Random rng) =>
            reverb.Draw(rng) is { } room ? Reverberate(samples, ImpulseResponse(room, sampleRate)) : samples;

        /// <summary>The room this utterance is heard in, or null when the perturbation is not drawn (prob); always the same number of draws.</summary>
        public Room? Draw(Random rng)
        {
            if (!(reverb.MinRt60 > 0 && reverb.MaxRt60 >= reverb.MinRt60 && reverb.MaxRt60 <= 10))
                throw new ArgumentException($"reverb: need 0 < min_rt60 <= max_rt60 <= 10 s (got {reverb.MinRt60}, {reverb.MaxRt60})");
            if (!(reverb.MaxDrrDb >= reverb.MinDrrDb)) throw new ArgumentException($"reverb: max_drr_db {reverb.MaxDrrDb} < min_drr_db {reverb.MinDrrDb}");
            bool drawn = rng.NextDouble() < reverb.Probability;
            var room = new Room(reverb.MinRt60 + (reverb.MaxRt60 - reverb.MinRt60) * rng.NextDouble(),
                reverb.MinDrrDb + (reverb.MaxDrrDb - reverb.MinDrrDb) * rng.NextDouble(), rng.Next());
            return drawn ? room : null;
        }
    }

    /// <summary>
    /// The room's impulse response: 1 at t = 0 (the direct sound), then from 1 ms on Gaussian noise under an envelope
    /// falling 60 dB per RT60, until it has fallen 60 dB, scaled so that direct ÷ tail energy is the room's DRR.
    /// </summary>
    public static float[] ImpulseResponse(Room room, int sampleRate)
    {
        int onset = Math.Max(1, sampleRate / 1000), length = onset + (int)Math.Ceiling(room.Rt60 * sampleRate);
        var h = new float[length];
        var noise = new Random(room.TailSeed);
        double decay = Math.Log(1000) / (room.Rt60 * sampleRate);   // amplitude e^(−decay·n): −60 dB after RT60
        double energy = 0;
        for (int n = onset; n < length; n++)
        {
            // Box–Muller: a normal draw from two uniform ones
            double g = Math.Sqrt(-2 * Math.Log(1 - noise.NextDouble())) * Math.Cos(2 * Math.PI * noise.NextDouble());
            h[n] = (float)(g * Math.Exp(-decay * (n - onset)));
            energy += (double)h[n] * h[n];
        }
        var scale = (float)Math.Sqrt(Math.Pow(10, -room.DrrDb / 10) / energy);
        for (int n = onset; n < length; n++) h[n] *= scale;
        h[0] = 1;
        return h;
    }

    /// <summary>The samples convolved with <paramref name="h"/>, cut to their own length and brought back to their RMS level.</summary>
    public static float[] Reverberate(float[] samples, float[] h)
    {
        if (samples.Length == 0) return samples;
        var y = Fft.Convolve(samples, h, samples.Length);
        double before = Signal.Power(samples), after = Signal.Power(y);
        if (after == 0) return y;
        var gain = (float)Math.Sqrt(before / after);
        for (int i = 0; i < y.Length; i++) y[i] *= gain;
        return y;
    }
}
