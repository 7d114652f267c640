using System.CommandLine;
using System.Globalization;
using SharpAsr.Inference;

namespace SharpAsr.Cli;

/// <summary>
/// <c>sharpasr lm build --model M --text train.json [more] [--order 6] --out lm.arpa</c> and
/// <c>sharpasr lm perplexity --model M --lm lm.arpa --text dev.json</c>: token n-gram language models for beam search
/// (evaluate and transcribe <c>--lm</c>), over the model's own tokens — NeMo's train_kenlm.py, without KenLM.
/// </summary>
internal static class LmCommand
{
    public static Command Create()
    {
        var cmd = new Command("lm", "token n-gram language models fused into beam search (evaluate/transcribe --lm)");
        cmd.Subcommands.Add(CreateBuild());
        cmd.Subcommands.Add(CreatePerplexity());
        return cmd;
    }

    static Option<string> ModelOption() => new("--model") { Description = "the .sasr model or checkpoint whose text normaliser and tokenizer the LM uses", Required = true };
    static Option<string[]> TextOption(string what) => new("--text") { Description = $"{what}: NeMo manifests (.json, their text fields) or text files (one sentence per line)", Required = true, AllowMultipleArgumentsPerToken = true };

    static Command CreateBuild()
    {
        var cmd = new Command("build", "estimate an interpolated Kneser-Ney n-gram model over a model's tokens and write it as ARPA");
        var model = ModelOption();
        var text = TextOption("training text");
        var order = new Option<int>("--order") { Description = "n-gram order (characters: 6–8; subword pieces: 3–4)", DefaultValueFactory = _ => 6 };
        var outPath = new Option<string>("--out") { Description = "the ARPA file to write", Required = true };
        foreach (var o in new Option[] { model, text, order, outPath }) cmd.Options.Add(o);
        cmd.SetAction(p => CliErrors.Run(() =>
        {
            var (output, error) = (p.InvocationConfiguration.Output, p.InvocationConfiguration.Error);
            using var m = AsrModel.Load(p.GetValue(model)!);
            var corpus = LanguageModelFiles.Read(p.GetValue(text)!, m.Tokenizer, m.Normalizer);
            foreach (var problem in corpus.Problems) error.WriteLine($"skipped {problem}");
            var lm = LanguageModelFiles.Build(corpus, m.Tokenizer, p.GetValue(order));
            LanguageModelFiles.Save(lm, m.Tokenizer, p.GetValue(outPath)!);
            output.WriteLine(string.Format(CultureInfo.InvariantCulture, "lm: {0} sentences ({1} skipped), {2:N0} tokens; order {3}: {4}",
                corpus.Sentences.Count, corpus.Skipped, corpus.Tokens, lm.Order,
                string.Join(", ", Enumerable.Range(1, lm.Order).Select(n => $"{lm.Grams(n).Count:N0} {n}-grams"))));
            output.WriteLine(string.Format(CultureInfo.InvariantCulture, "training-text perplexity per token: {0:F3}", LanguageModelFiles.Perplexity(lm, corpus.Sentences)));
            output.WriteLine($"wrote {p.GetValue(outPath)}");
            return 0;
        }, p.InvocationConfiguration.Error));
        return cmd;
    }

    static Command CreatePerplexity()
    {
        var cmd = new Command("perplexity", "perplexity per token of held-out text under an ARPA language model (to choose its order)");
        var model = ModelOption();
        var lmPath = new Option<string>("--lm") { Description = "the ARPA file", Required = true };
        var text = TextOption("held-out text");
        foreach (var o in new Option[] { model, lmPath, text }) cmd.Options.Add(o);
        cmd.SetAction(p => CliErrors.Run(() =>
        {
            using var m = AsrModel.Load(p.GetValue(model)!);
            var lm = LanguageModelFiles.Load(p.GetValue(lmPath)!, m.Tokenizer);
            var corpus = LanguageModelFiles.Read(p.GetValue(text)!, m.Tokenizer, m.Normalizer);
            foreach (var problem in corpus.Problems) p.InvocationConfiguration.Error.WriteLine($"skipped {problem}");
            p.InvocationConfiguration.Output.WriteLine(string.Format(CultureInfo.InvariantCulture, "perplexity per token: {0:F3} over {1} sentences, {2:N0} tokens (+ one end of sentence each)",
                LanguageModelFiles.Perplexity(lm, corpus.Sentences), corpus.Sentences.Count, corpus.Tokens));
            return 0;
        }, p.InvocationConfiguration.Error));
        return cmd;
    }
}
