namespace SharpAsr.Demo;

/// <summary>
/// The demo's two recipes: <c>quick</c>, the quick-start command (about twelve minutes on two cores, ten with the corpus cached), and <c>full</c>,
/// about 80 minutes on two cores (67–74 of training measured on two processes) for the best numbers. Each names its model config (under <c>configs/</c>), how many
/// training utterances to synthesise and where to write.
/// </summary>
public sealed record DemoRecipe(string Name, string ConfigFile, int TrainUtterances, string OutputDir)
{
    public static readonly DemoRecipe Quick = new("quick", "demo-quick.yaml", 8000, "demo-out");
    public static readonly DemoRecipe Full = new("full", "demo-full.yaml", 20000, "demo-full-out");
    public static IReadOnlyList<DemoRecipe> All { get; } = new[] { Quick, Full };

    public static DemoRecipe Named(string name) => All.FirstOrDefault(r => r.Name == name)
        ?? throw new ArgumentException($"unknown demo recipe '{name}'; known: {string.Join(", ", All.Select(r => r.Name))}");
}
