using System.Diagnostics;
using SharpAsr.Data;
using SharpAsr.Inference;
using SharpAsr.Tests.Cli;
using SharpAsr.Tests.Training;
using Xunit;

namespace SharpAsr.Tests.Docs;

/// <summary>
/// The files the docs' examples name, made small from the shared espeak-ng corpus, so the examples run as written:
/// inputs (wavs/ + transcripts.tsv, train/new/dev/test.json, recording.wav, a.wav, b.flac, folder/, more/,
/// manifest.json, a LibriSpeech miniature, configs/) and, made once, the outputs later examples start from (a trained
/// run/ with several checkpoints, model.sasr). Each example gets a fresh folder: copies of the files, links to the
/// read-only folders, and the outputs it asks for.
/// </summary>
internal sealed class DocWorkspace
{
    static readonly object Lock = new();
    static DocWorkspace? _instance;

    public string Inputs { get; }
    public string TrainedRun { get; }
    public string Model { get; }

    /// <summary>Overrides that keep any documented training run to seconds (appended, so they win).</summary>
    public static readonly string[] SmallTraining = TrainerCorpusFixture.SmallModel.Concat(new[]
        { "train.steps=4", "train.batch_size=4", "train.val_every=4", "train.save_every=4", "train.final_beam_size=1" }).ToArray();

    public static string Cli => Path.Combine(TrainerCorpusFixture.RepoRoot, "src", "SharpAsr.Cli", "bin", "Release", "net10.0", "SharpAsr.Cli.dll");

    public static DocWorkspace Get(TrainerCorpusFixture fx)
    {
        lock (Lock) return _instance ??= new DocWorkspace(fx);
    }

    DocWorkspace(TrainerCorpusFixture fx)
    {
        Inputs = Path.Combine(fx.Folder, "doc-inputs");
        var train = WavsAndTranscripts(fx, Inputs);
        WithAbsolutePaths(fx.Corpus.TrainManifest, Path.Combine(Inputs, "train.json"));
        WithAbsolutePaths(fx.Corpus.TrainManifest, Path.Combine(Inputs, "new.json"));
        WithAbsolutePaths(fx.Corpus.DevManifest, Path.Combine(Inputs, "dev.json"));
        WithAbsolutePaths(fx.Corpus.TestManifest, Path.Combine(Inputs, "test.json"));
        WithAbsolutePaths(fx.Corpus.TestManifest, Path.Combine(Inputs, "manifest.json"));
        File.Copy(train[0].AudioPath, Path.Combine(Inputs, "recording.wav"));
        File.Copy(train[1].AudioPath, Path.Combine(Inputs, "a.wav"));
        AudioTestFiles.Sox($"\"{train[2].AudioPath}\" \"{Path.Combine(Inputs, "b.flac")}\"");
        Directory.CreateDirectory(Path.Combine(Inputs, "more"));
        File.Copy(train[3].AudioPath, Path.Combine(Inputs, "more", "b.wav"));
        Directory.CreateDirectory(Path.Combine(Inputs, "folder"));
        File.Copy(train[4].AudioPath, Path.Combine(Inputs, "folder", "c.wav"));
        LibriSpeech(train.Take(3).ToList(), Path.Combine(Inputs, "LibriSpeech"));

        // a run with a checkpoint at every step (averaging takes the last few) and its exported model
        TrainedRun = Path.Combine(fx.Folder, "doc-run");
        var r = CliRunner.Run(new[] { "train", "--config", TrainerCorpusFixture.TinyConfig, "--train-manifests", Path.Combine(Inputs, "train.json"),
            "--val-manifests", Path.Combine(Inputs, "dev.json"), "--output-dir", TrainedRun }.Concat(SmallTraining).Append("train.save_every=1").ToArray());
        Assert.True(r.ExitCode == 0, r.Error + r.Output);
        Model = Path.Combine(fx.Folder, "doc-model.sasr");
        r = CliRunner.Run("export", "--checkpoint", Path.Combine(TrainedRun, "checkpoints", "best"), "--out", Model);
        Assert.True(r.ExitCode == 0, r.Error + r.Output);
    }

    /// <summary>A fresh folder for one example: the inputs (files copied, folders linked, configs/ linked to the checkout's) and the outputs it needs.</summary>
    public string NewFolder(string name, IEnumerable<string> needs)
    {
        var work = Directory.CreateTempSubdirectory($"sharpasr-doc-{name}-").FullName;
        foreach (var f in Directory.GetFiles(Inputs)) File.Copy(f, Path.Combine(work, Path.GetFileName(f)));
        foreach (var d in Directory.GetDirectories(Inputs)) Directory.CreateSymbolicLink(Path.Combine(work, Path.GetFileName(d)), d);
        Directory.CreateSymbolicLink(Path.Combine(work, "configs"), Path.Combine(TrainerCorpusFixture.RepoRoot, "configs"));
        foreach (var need in needs)
        {
            switch (need)
            {
                case "run": Directory.CreateSymbolicLink(Path.Combine(work, "run"), TrainedRun); break;          // read: --init-from, export
                case "out": CopyDir(TrainedRun, Path.Combine(work, "out")); break;                                // written into: average --out out/averaged
                case "model.sasr": File.Copy(Model, Path.Combine(work, "model.sasr")); break;
                case "demo-out":   // where the demo leaves its model and corpus
                    Directory.CreateDirectory(Path.Combine(work, "demo-out", "model"));
                    File.Copy(Model, Path.Combine(work, "demo-out", "model", "demo-quick.sasr"));
                    using (var model = AsrModel.Load(Model))    // and its language model, as the demo builds it
                    {
                        var text = LanguageModelFiles.Read([Path.Combine(Inputs, "train.json")], model.Tokenizer, model.Normalizer);
                        LanguageModelFiles.Save(LanguageModelFiles.Build(text, model.Tokenizer, 7), model.Tokenizer, Path.Combine(work, "demo-out", "model", "lm.arpa"));
                        // and the word list of the same text
                        File.WriteAllLines(Path.Combine(work, "demo-out", "model", "words.txt"), ManifestReader.Read(Path.Combine(Inputs, "train.json")).Entries
                            .SelectMany(e => model.Normalizer.Normalize(e.Text).Split(' ', StringSplitOptions.RemoveEmptyEntries)).Distinct().Order(StringComparer.Ordinal));
                    }
                    Directory.CreateDirectory(Path.Combine(work, "demo-out", "corpus", "audio", "test_open"));
                    File.Copy(Path.Combine(Inputs, "recording.wav"), Path.Combine(work, "demo-out", "corpus", "audio", "test_open", "00000.wav"));
                    break;
                default: throw new ArgumentException($"unknown doc workspace output '{need}'");
            }
        }
        return work;
    }

    /// <summary>Runs the built sharpasr in <paramref name="work"/>; returns (exit code, stdout, stderr).</summary>
    public static (int Code, string Output, string Error) RunCli(string work, IEnumerable<string> args) =>
        RunProcess("dotnet", work, args.Prepend(Cli));

    public static (int Code, string Output, string Error) RunProcess(string program, string work, IEnumerable<string> args)
    {
        var psi = new ProcessStartInfo(program) { WorkingDirectory = work, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromMinutes(3)))
        {
            p.Kill(entireProcessTree: true);
            return (-1, stdout.Result, stderr.Result + "\n(still running after 3 minutes: killed)");
        }
        return (p.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>The corpus's training audio as wavs/*.wav and transcripts.tsv in <paramref name="folder"/>, as a user brings their own data.</summary>
    internal static List<ManifestEntry> WavsAndTranscripts(TrainerCorpusFixture fx, string folder)
    {
        var wavs = Directory.CreateDirectory(Path.Combine(folder, "wavs")).FullName;
        var (train, _) = ManifestReader.Read(fx.Corpus.TrainManifest);
        var tsv = new List<string>();
        foreach (var e in train)
        {
            File.Copy(e.AudioPath, Path.Combine(wavs, Path.GetFileName(e.AudioPath)));
            tsv.Add($"{Path.GetFileName(e.AudioPath)}\t{e.Text}");
        }
        File.WriteAllLines(Path.Combine(folder, "transcripts.tsv"), tsv);
        return train;
    }

    /// <summary>The corpus's manifest with its audio paths made absolute, so it works from another folder.</summary>
    internal static void WithAbsolutePaths(string manifest, string to)
    {
        var (entries, _) = ManifestReader.Read(manifest);
        File.WriteAllLines(to, entries.Select(e => System.Text.Json.JsonSerializer.Serialize(
            new Dictionary<string, object> { ["audio_filepath"] = e.AudioPath, ["duration"] = e.Duration, ["text"] = e.Text })));
    }

    // LibriSpeech/SUBSET/SPEAKER/CHAPTER/SPEAKER-CHAPTER-NNNN.flac + SPEAKER-CHAPTER.trans.txt, upper-case text
    static void LibriSpeech(List<ManifestEntry> entries, string root)
    {
        var dir = Directory.CreateDirectory(Path.Combine(root, "dev-clean", "84", "121123")).FullName;
        var lines = new List<string>();
        for (int i = 0; i < entries.Count; i++)
        {
            var id = $"84-121123-{i:D4}";
            AudioTestFiles.Sox($"\"{entries[i].AudioPath}\" \"{Path.Combine(dir, id + ".flac")}\"");
            lines.Add($"{id} {entries[i].Text.ToUpperInvariant()}");
        }
        File.WriteAllLines(Path.Combine(dir, "84-121123.trans.txt"), lines);
    }

    static void CopyDir(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var f in Directory.GetFiles(from)) File.Copy(f, Path.Combine(to, Path.GetFileName(f)));
        foreach (var d in Directory.GetDirectories(from)) CopyDir(d, Path.Combine(to, Path.GetFileName(d)));
    }
}
