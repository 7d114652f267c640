using System.CommandLine;
using System.Text.Json;
using SharpAsr.Inference;

namespace SharpAsr.Cli;

/// <summary><c>sharpasr transcribe --model M a.wav dir/ manifest.json [--json] [--timestamps] [--beam N] [--nbest K]</c>: one line per input, in input order.</summary>
internal static class TranscribeCommand
{
    public static Command Create()
    {
        var cmd = new Command("transcribe", "transcribe audio files, folders of audio and manifests");
        var flags = new DecodingFlags();
        var inputs = new Argument<string[]>("inputs") { Description = "audio files, folders (searched recursively) and .json manifests", Arity = ArgumentArity.OneOrMore };
        var json = new Option<bool>("--json") { Description = "JSON lines: audio_filepath, pred_text, score, duration" };
        var timestamps = new Option<bool>("--timestamps") { Description = "add each token's start time in seconds (implies --json)" };
        var nbest = new Option<int>("--nbest") { Description = "add the K best beam hypotheses, best first, as nbest: [{text, score}] (implies --json; K ≤ --beam, or --beam × the number of --speeds), e.g. to rescore them with another LM" };
        flags.AddTo(cmd);
        cmd.Options.Add(json);
        cmd.Options.Add(timestamps);
        cmd.Options.Add(nbest);
        cmd.Arguments.Add(inputs);
        cmd.SetAction(p => CliErrors.Run(() =>
        {
            bool withTimes = p.GetValue(timestamps);
            var options = flags.Options(p, withTimes);
            options.NBest = p.GetValue(nbest);
            // with several speeds each speed's beam proposes: up to beam × speeds hypotheses
            int most = options.BeamSize * options.Speeds.Count;
            if (options.NBest < 0 || options.NBest > most || (options.NBest > 0 && options.BeamSize < 2))
                throw new ArgumentException($"--nbest {options.NBest}: give 1 … --beam × speeds ({most}) with a beam of 2 or more");
            var audio = AudioInputs.Expand(p.GetValue(inputs)!);
            using var model = AsrModel.Load(p.GetValue(flags.Model)!);
            flags.AddLanguageModel(p, options, model);
            if (audio.Count > 1) options.ProgressLabel = "transcribing";   // one file needs no progress line
            var results = model.TranscribeBatch(audio, options);
            for (int i = 0; i < audio.Count; i++)
            {
                var r = results[i];
                if (!p.GetValue(json) && !withTimes && r.NBest is null)
                {
                    Console.WriteLine(r.Text);
                    continue;
                }
                var line = new Dictionary<string, object> { ["audio_filepath"] = audio[i].Path, ["pred_text"] = r.Text, ["score"] = Math.Round(r.Score, 4), ["duration"] = r.Duration };
                if (audio[i].Offset > 0) line["offset"] = audio[i].Offset;
                if (r.Tokens != null) line["tokens"] = r.Tokens.Select(t => new Dictionary<string, object> { ["token"] = t.Piece, ["start"] = Math.Round(t.Start, 3) }).ToArray();
                if (r.NBest != null) line["nbest"] = r.NBest.Select(h => new Dictionary<string, object> { ["text"] = h.Text, ["score"] = Math.Round(h.Score, 4) }).ToArray();
                Console.WriteLine(JsonSerializer.Serialize(line, JsonLines.Options));
            }
            return 0;
        }));
        return cmd;
    }
}
