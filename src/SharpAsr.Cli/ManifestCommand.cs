using System.CommandLine;
using SharpAsr.Config;
using SharpAsr.Data;
using SharpAsr.Text;

namespace SharpAsr.Cli;

/// <summary><c>sharpasr manifest check|tar|librispeech|from-dir</c>: validate, shard and prepare NeMo manifests.</summary>
internal static class ManifestCommand
{
    public static Command Create()
    {
        var cmd = new Command("manifest", "NeMo JSON-lines manifests");
        cmd.Subcommands.Add(CreateCheck());
        cmd.Subcommands.Add(CreateTar());
        cmd.Subcommands.Add(CreateLibriSpeech());
        cmd.Subcommands.Add(CreateFromDir());
        return cmd;
    }

    static Command CreateTar()
    {
        var cmd = new Command("tar", "convert a manifest into NeMo tarred shards (audio_N.tar + tarred_audio_manifest.json)");
        var manifest = new Argument<string>("manifest");
        var output = new Option<string>("--out") { Description = "output folder", Required = true };
        var shards = new Option<int>("--shards") { Description = "number of shards", DefaultValueFactory = _ => 8 };
        var dataDir = new Option<string?>("--data-dir") { Description = "relative audio paths resolve here" };
        var shuffle = new Option<bool>("--shuffle") { Description = "shuffle entries before sharding" };
        var seed = new Option<int>("--seed") { DefaultValueFactory = _ => 1 };
        cmd.Arguments.Add(manifest);
        foreach (var o in new Option[] { output, shards, dataDir, shuffle, seed }) cmd.Options.Add(o);
        cmd.SetAction(parse => CliErrors.Run(() => ManifestCommands.Tar(parse.GetValue(manifest)!, parse.GetValue(output)!, parse.GetValue(shards),
            parse.GetValue(dataDir), parse.GetValue(shuffle), parse.GetValue(seed), parse.InvocationConfiguration.Output), parse.InvocationConfiguration.Error));
        return cmd;
    }

    static Command CreateLibriSpeech()
    {
        var cmd = new Command("librispeech", "one NeMo manifest per LibriSpeech subset (SPEAKER/CHAPTER/*.trans.txt + .flac)");
        var root = new Option<string>("--root") { Description = "the LibriSpeech folder", Required = true };
        var output = new Option<string>("--out") { Description = "output folder for the manifests", Required = true };
        cmd.Options.Add(root);
        cmd.Options.Add(output);
        cmd.SetAction(parse => CliErrors.Run(() => ManifestCommands.LibriSpeech(parse.GetValue(root)!, parse.GetValue(output)!, parse.InvocationConfiguration.Output),
            parse.InvocationConfiguration.Error));
        return cmd;
    }

    static Command CreateFromDir()
    {
        var cmd = new Command("from-dir", "a manifest from a folder of audio plus a transcript TSV (file<TAB>text) or a folder of same-stem .txt files");
        var audio = new Option<string>("--audio") { Description = "audio folder", Required = true };
        var tsv = new Option<string?>("--tsv") { Description = "transcripts as file<TAB>text lines" };
        var textDir = new Option<string?>("--text-dir") { Description = "folder of same-stem .txt transcripts (caiman's layout)" };
        var output = new Option<string>("--out") { Description = "manifest to write", Required = true };
        foreach (var o in new Option[] { audio, tsv, textDir, output }) cmd.Options.Add(o);
        cmd.SetAction(parse => CliErrors.Run(() => ManifestCommands.FromDir(parse.GetValue(audio)!, parse.GetValue(tsv), parse.GetValue(textDir), parse.GetValue(output)!,
            parse.InvocationConfiguration.Output), parse.InvocationConfiguration.Error));
        return cmd;
    }

    static Command CreateCheck()
    {
        var cmd = new Command("check", "report every manifest line training would reject; exit code 1 when any is bad");
        var files = new Argument<string[]>("manifests") { Description = "manifests to check", Arity = ArgumentArity.OneOrMore };
        var config = new Option<string?>("--config") { Description = "config whose text normalisation and tokenizer the transcripts must pass" };
        var dataDir = new Option<string?>("--data-dir") { Description = "relative audio paths resolve here instead of the manifest's folder" };
        var tolerance = new Option<double>("--duration-tolerance") { Description = "seconds a line's duration may differ from its audio's", DefaultValueFactory = _ => 0.1 };
        cmd.Arguments.Add(files);
        foreach (var o in new Option[] { config, dataDir, tolerance }) cmd.Options.Add(o);
        cmd.SetAction(parse => CliErrors.Run(() =>
        {
            var options = new ManifestCheckOptions { DataDir = parse.GetValue(dataDir), DurationTolerance = parse.GetValue(tolerance) };
            if (parse.GetValue(config) is { } path)
            {
                var cfg = AsrConfig.Load(path);
                options.Normalizer = new TextNormalizer(cfg.Text);
                options.Tokenizer = TokenizerFactory.TryCreate(cfg.Tokenizer);
            }
            try
            {
                var report = ManifestChecker.Check(parse.GetValue(files)!, options);
                var output = parse.InvocationConfiguration.Output;
                foreach (var p in report.Problems) output.WriteLine(p);
                output.WriteLine(report.Summary);
                return report.Bad > 0 ? 1 : 0;
            }
            finally { (options.Tokenizer as IDisposable)?.Dispose(); }
        }, parse.InvocationConfiguration.Error));
        return cmd;
    }
}
