namespace SharpAsr.Demo;

/// <summary>
/// The demo's two recipes: <c>quick</c>, the quick-start command (about 13–20 minutes on two cores the first time, 10–11 with the corpus cached), and <c>full</c>,
/// about an hour on two cores of a Zen 4 (50 minutes of training on two processes) for the best numbers. Each names its model config (under <c>configs/</c>), how many
/// training utterances to synthesise, where to write and how many training processes it uses by default (<c>--nproc</c>).
/// </summary>
/// <param name="Processes">
/// Training processes when --nproc is not given (at most one per core); one process trains with
/// <see cref="DemoRunner.SingleProcessThreads"/> libtorch threads. Each recipe's is the faster layout on 2 cores,
/// measured in docs/demo.md: quick one process of two threads, full two processes.
/// </param>
public sealed record DemoRecipe(string Name, string ConfigFile, int TrainUtterances, string OutputDir, int Processes)
{
    public static readonly DemoRecipe Quick = new("quick", "demo-quick.yaml", 8000, "demo-out", 1);
    public static readonly DemoRecipe Full = new("full", "demo-full.yaml", 20000, "demo-full-out", 2);
    public static IReadOnlyList<DemoRecipe> All { get; } = new[] { Quick, Full };

    public static DemoRecipe Named(string name) => All.FirstOrDefault(r => r.Name == name)
        ?? throw new ArgumentException($"unknown demo recipe '{name}'; known: {string.Join(", ", All.Select(r => r.Name))}");
}
