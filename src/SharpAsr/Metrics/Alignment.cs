namespace SharpAsr.Metrics;

public enum EditKind { Match, Substitution, Deletion, Insertion }

/// <summary>One column of an alignment: indices into reference and hypothesis (-1 where a side has none).</summary>
public readonly record struct AlignmentStep(EditKind Kind, int ReferenceIndex, int HypothesisIndex);

/// <summary>A minimum-edit (Levenshtein) alignment of a hypothesis to a reference, unit costs.</summary>
public sealed class Alignment
{
    public Alignment(IReadOnlyList<AlignmentStep> steps)
    {
        Steps = steps;
        foreach (var s in steps)
        {
            switch (s.Kind)
            {
                case EditKind.Substitution: Substitutions++; break;
                case EditKind.Deletion: Deletions++; break;
                case EditKind.Insertion: Insertions++; break;
            }
        }
    }

    public IReadOnlyList<AlignmentStep> Steps { get; }
    public int Substitutions { get; }
    public int Deletions { get; }
    public int Insertions { get; }
    /// <summary>The edit distance: substitutions + deletions + insertions.</summary>
    public int Errors => Substitutions + Deletions + Insertions;

    /// <summary>
    /// Aligns by dynamic programming over the (|ref|+1)x(|hyp|+1) table, then walks back from the end.
    /// Among alignments of equal cost the walk prefers a match or substitution, then a deletion, then an
    /// insertion, so S/D/I counts are deterministic (the total is the same for every optimal alignment).
    /// </summary>
    public static Alignment Align<T>(IReadOnlyList<T> reference, IReadOnlyList<T> hypothesis, IEqualityComparer<T>? comparer = null)
    {
        comparer ??= EqualityComparer<T>.Default;
        int n = reference.Count, m = hypothesis.Count;
        var d = new int[(n + 1) * (m + 1)];
        int w = m + 1;
        for (int j = 0; j <= m; j++) d[j] = j;
        for (int i = 1; i <= n; i++)
        {
            d[i * w] = i;
            for (int j = 1; j <= m; j++)
            {
                int diag = d[(i - 1) * w + j - 1] + (comparer.Equals(reference[i - 1], hypothesis[j - 1]) ? 0 : 1);
                int del = d[(i - 1) * w + j] + 1;
                int ins = d[i * w + j - 1] + 1;
                d[i * w + j] = Math.Min(diag, Math.Min(del, ins));
            }
        }

        var steps = new List<AlignmentStep>(Math.Max(n, m));
        int a = n, b = m;
        while (a > 0 || b > 0)
        {
            int here = d[a * w + b];
            if (a > 0 && b > 0)
            {
                bool same = comparer.Equals(reference[a - 1], hypothesis[b - 1]);
                if (here == d[(a - 1) * w + b - 1] + (same ? 0 : 1))
                {
                    steps.Add(new AlignmentStep(same ? EditKind.Match : EditKind.Substitution, a - 1, b - 1));
                    a--; b--;
                    continue;
                }
            }
            if (a > 0 && here == d[(a - 1) * w + b] + 1)
            {
                steps.Add(new AlignmentStep(EditKind.Deletion, a - 1, -1));
                a--;
            }
            else
            {
                steps.Add(new AlignmentStep(EditKind.Insertion, -1, b - 1));
                b--;
            }
        }
        steps.Reverse();
        return new Alignment(steps);
    }
}
