using System.CommandLine;
using SharpAsr.Text;

namespace SharpAsr.Cli;

/// <summary>
/// <c>sharpasr tokenizer train --manifest a.json [b.json] --vocab-size N --type unigram|bpe|char|word --out DIR</c>:
/// NeMo's process_asr_text_tokenizer (its --spe_* flags map to the options below).
/// </summary>
internal static class TokenizerCommand
{
    public static Command Create()
    {
        var cmd = new Command("tokenizer", "SentencePiece tokenizers");
        cmd.Subcommands.Add(CreateTrain());
        return cmd;
    }

    static Command CreateTrain()
    {
        var cmd = new Command("train", "train a SentencePiece tokenizer on the transcripts of manifests (writes DIR/tokenizer_spe_{type}_v{N})");
        var manifests = new Option<string[]>("--manifest") { Description = "NeMo manifests whose \"text\" fields are the training corpus", AllowMultipleArgumentsPerToken = true, Required = true };
        var vocab = new Option<int>("--vocab-size") { Description = "tokens in the vocabulary (blank excluded)", DefaultValueFactory = _ => 1024 };
        var type = new Option<string>("--type") { Description = "SentencePiece model type", DefaultValueFactory = _ => "unigram" };
        type.AcceptOnlyFromAmong("unigram", "bpe", "char", "word");
        var outDir = new Option<string>("--out") { Description = "output folder (NeMo's --data_root)", Required = true };
        var coverage = new Option<double>("--character-coverage") { Description = "share of characters covered (1.0; 0.9995 for large alphabets)", DefaultValueFactory = _ => 1.0 };
        var noLower = new Option<bool>("--no-lowercase") { Description = "keep case (NeMo's --no_lower_case); by default the model case-folds" };
        var maxPiece = new Option<int>("--max-piece-length") { Description = "longest piece in characters (-1: SentencePiece's 16)", DefaultValueFactory = _ => -1 };
        var userSymbols = new Option<string[]>("--user-symbols") { Description = "pieces always kept whole (NeMo's --spe_user_defined_symbols)", AllowMultipleArgumentsPerToken = true };
        var splitDigits = new Option<bool>("--split-digits") { Description = "every digit its own piece" };
        var byteFallback = new Option<bool>("--byte-fallback") { Description = "unknown characters become UTF-8 byte pieces instead of <unk>" };
        foreach (var o in new Option[] { manifests, vocab, type, outDir, coverage, noLower, maxPiece, userSymbols, splitDigits, byteFallback }) cmd.Options.Add(o);
        cmd.SetAction(parse => CliErrors.Run(() =>
        {
            var options = new TokenizerTrainOptions
            {
                Manifests = parse.GetValue(manifests)!.ToList(),
                OutDir = parse.GetValue(outDir)!,
                VocabSize = parse.GetValue(vocab),
                Type = Enum.Parse<SentencePieceType>(parse.GetValue(type)!, ignoreCase: true),
                CharacterCoverage = parse.GetValue(coverage),
                Lowercase = !parse.GetValue(noLower),
                MaxPieceLength = parse.GetValue(maxPiece),
                UserDefinedSymbols = (parse.GetValue(userSymbols) ?? Array.Empty<string>()).ToList(),
                SplitDigits = parse.GetValue(splitDigits),
                ByteFallback = parse.GetValue(byteFallback),
            };
            var result = TokenizerTrainer.Run(options);
            var output = parse.InvocationConfiguration.Output;
            output.WriteLine($"tokenizer: {result.Directory}");
            output.WriteLine($"vocab size: {result.VocabSize} (from {result.Sentences} transcripts)");
            return 0;
        }, parse.InvocationConfiguration.Error));
        return cmd;
    }
}
