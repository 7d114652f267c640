using System.CommandLine;
using System.Text.Json;
using SharpAsr.Inference;

namespace SharpAsr.Cli;

/// <summary><c>sharpasr transcribe --model M a.wav dir/ manifest.json [--json] [--timestamps] [--beam N]</c>: one line per input, in input order.</summary>
internal static class TranscribeCommand
{
    public static Command Create()
    {
        var cmd = new Command("transcribe", "transcribe audio files, folders of audio and manifests");
        var flags = new DecodingFlags();
        var inputs = new Argument<string[]>("inputs") { Description = "audio files, folders (searched recursively) and .json manifests", Arity = ArgumentArity.OneOrMore };
        var json = new Option<bool>("--json") { Description = "JSON lines: audio_filepath, pred_text, score, duration" };
        var timestamps = new Option<bool>("--timestamps") { Description = "add each token's start time in seconds (implies --json)" };
        flags.AddTo(cmd);
        cmd.Options.Add(json);
        cmd.Options.Add(timestamps);
        cmd.Arguments.Add(inputs);
        cmd.SetAction(p => CliErrors.Run(() =>
        {
            bool withTimes = p.GetValue(timestamps);
            var options = flags.Options(p, withTimes);
            var audio = AudioInputs.Expand(p.GetValue(inputs)!);
            using var model = AsrModel.Load(p.GetValue(flags.Model)!);
            flags.AddLanguageModel(p, options, model);
            if (audio.Count > 1) options.ProgressLabel = "transcribing";   // one file needs no progress line
            var results = model.TranscribeBatch(audio, options);
            for (int i = 0; i < audio.Count; i++)
            {
                var r = results[i];
                if (!p.GetValue(json) && !withTimes)
                {
                    Console.WriteLine(r.Text);
                    continue;
                }
                var line = new Dictionary<string, object> { ["audio_filepath"] = audio[i].Path, ["pred_text"] = r.Text, ["score"] = Math.Round(r.Score, 4), ["duration"] = r.Duration };
                if (audio[i].Offset > 0) line["offset"] = audio[i].Offset;
                if (r.Tokens != null) line["tokens"] = r.Tokens.Select(t => new Dictionary<string, object> { ["token"] = t.Piece, ["start"] = Math.Round(t.Start, 3) }).ToArray();
                Console.WriteLine(JsonSerializer.Serialize(line, JsonLines.Options));
            }
            return 0;
        }));
        return cmd;
    }
}
