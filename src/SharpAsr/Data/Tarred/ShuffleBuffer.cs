namespace SharpAsr.Data.Tarred;

/// <summary>
/// WebDataset's shuffle buffer (NeMo's <c>shuffle_n</c>): hold up to n items; once full, each new item replaces one
/// drawn at random, which is yielded; at the end the rest come out in random order. A stream can only be shuffled
/// locally, so n trades memory for randomness.
/// </summary>
public static class ShuffleBuffer
{
    public static IEnumerable<T> Shuffle<T>(IEnumerable<T> source, int size, Random rng)
    {
        if (size <= 1)
        {
            foreach (var x in source) yield return x;
            yield break;
        }
        var buffer = new List<T>(size);
        foreach (var x in source)
        {
            if (buffer.Count < size)
            {
                buffer.Add(x);
                continue;
            }
            int k = rng.Next(buffer.Count);
            yield return buffer[k];
            buffer[k] = x;
        }
        while (buffer.Count > 0)
        {
            int k = rng.Next(buffer.Count);
            yield return buffer[k];
            buffer[k] = buffer[^1];
            buffer.RemoveAt(buffer.Count - 1);
        }
    }
}
