using System.Globalization;
using SharpAsr.Config;
using SharpAsr.Features;
using SharpAsr.Models;
using YamlDotNet.RepresentationModel;

namespace SharpAsr.Nemo;

/// <summary>
/// NeMo's <c>EncDecRNNTBPEModel</c> config (model_config.yaml) → <see cref="AsrConfig"/>: preprocessor
/// (AudioToMelSpectrogramPreprocessor) → <c>preprocessor</c>, ConformerEncoder (<c>striding</c> Conformer or
/// <c>dw_striding</c> FastConformer) → <c>model.encoder</c>, RNNTDecoder <c>prednet</c> → <c>model.predictor</c>,
/// RNNTJoint <c>jointnet</c> → <c>model.joint</c>, SentencePiece tokenizer → <c>tokenizer</c>. Settings our model cannot
/// reproduce (limited attention context, layer-norm convolution, frame splicing, other windows …) are errors naming
/// the key; settings that only matter to NeMo's training loop are listed in <paramref name="notes"/>.
/// </summary>
public static class NemoConfigMapper
{
    public static AsrConfig ToAsrConfig(YamlMappingNode root, string source, List<string> notes)
    {
        var cfg = new AsrConfig();
        var target = Str(root, "target");
        if (target is not null && !target.EndsWith("EncDecRNNTBPEModel", StringComparison.Ordinal))
            throw Error(source, "target", $"'{target}' is not an EncDecRNNTBPEModel (only BPE-tokenized RNN-T models are imported; CTC, TDT and hybrid models are not)");
        cfg.Preprocessor = Preprocessor(Map(root, "preprocessor", source), source, notes);
        var encoder = Map(root, "encoder", source);
        cfg.Model.Encoder = Encoder(encoder, source, notes);
        if (Int(encoder, "feat_in") is { } featIn && featIn != cfg.Preprocessor.Features)
            throw Error(source, "encoder.feat_in", $"{featIn} differs from preprocessor.features {cfg.Preprocessor.Features}");
        cfg.Model.Predictor = Predictor(Map(root, "decoder", source), source);
        cfg.Model.Joint = Joint(Map(root, "joint", source), source);
        // NeMo trains on the manifest text as it is: no normalisation unless the user asks for it
        cfg.Text.Nfkc = false;
        cfg.Text.Lowercase = false;
        cfg.Text.RemovePunctuation = false;
        cfg.Text.Replacements = new List<string[]>();
        cfg.Tokenizer = new TokenizerConfig { Type = "spe" };
        if (Node(root, "spec_augment") is YamlMappingNode)
            notes.Add("spec_augment: not imported (set SharpASR's augmentation keys for fine-tuning)");
        foreach (var key in new[] { "optim", "train_ds", "validation_ds", "test_ds", "loss", "decoding" })
            if (root.Children.ContainsKey(new YamlScalarNode(key))) notes.Add($"{key}: NeMo training setting, not imported");
        return cfg;
    }

    /// <summary>The tokenizer file a config names (tokenizer.model_path, usually nemo:&lt;hex&gt;_tokenizer.model).</summary>
    public static string TokenizerModel(YamlMappingNode root, string source)
    {
        var tok = Map(root, "tokenizer", source);
        var type = Str(tok, "type") ?? "bpe";
        if (type != "bpe") throw Error(source, "tokenizer.type", $"'{type}' is not supported (only SentencePiece 'bpe' tokenizers; WordPiece 'wpe' is not)");
        return Str(tok, "model_path") ?? throw Error(source, "tokenizer.model_path", "is missing (the SentencePiece model)");
    }

    static FeaturizerConfig Preprocessor(YamlMappingNode p, string source, List<string> notes)
    {
        var f = new FeaturizerConfig();
        string Key(string k) => "preprocessor." + k;
        if (Str(p, "_target_") is { } t && !t.EndsWith("AudioToMelSpectrogramPreprocessor", StringComparison.Ordinal))
            throw Error(source, Key("_target_"), $"'{t}' is not AudioToMelSpectrogramPreprocessor");
        f.SampleRate = Int(p, "sample_rate") ?? f.SampleRate;
        f.WindowSize = Double(p, "window_size") ?? f.WindowSize;
        f.WindowStride = Double(p, "window_stride") ?? f.WindowStride;
        f.Window = Str(p, "window") ?? f.Window;
        if (f.Window != "hann") throw Error(source, Key("window"), $"'{f.Window}' is not supported (only hann)");
        f.NFft = Int(p, "n_fft") ?? f.NFft;
        f.Features = Int(p, "features") ?? Int(p, "nfilt") ?? f.Features;
        if (p.Children.ContainsKey(new YamlScalarNode("preemph"))) f.Preemph = Double(p, "preemph");
        f.Dither = Double(p, "dither") ?? f.Dither;
        f.PadTo = Int(p, "pad_to") ?? f.PadTo;
        f.PadValue = Double(p, "pad_value") ?? f.PadValue;
        var normalize = Str(p, "normalize") ?? f.Normalize;
        if (normalize is not ("per_feature" or "all_features" or "none"))
            throw Error(source, Key("normalize"), $"'{normalize}' is not supported (per_feature, all_features or none)");
        f.Normalize = normalize;
        f.Log = Bool(p, "log") ?? f.Log;
        f.LogZeroGuardType = Str(p, "log_zero_guard_type") ?? f.LogZeroGuardType;
        f.LogZeroGuardValue = Str(p, "log_zero_guard_value") switch
        {
            null => f.LogZeroGuardValue,
            "tiny" => 1.1754943508222875e-38,                                // torch.finfo(torch.float32).tiny
            "eps" => 1.1920928955078125e-07,                              // torch.finfo(torch.float32).eps
            var v => ParseDouble(v, source, Key("log_zero_guard_value")),
        };
        f.MagPower = Double(p, "mag_power") ?? f.MagPower;
        f.LowFreq = Double(p, "lowfreq") ?? f.LowFreq;
        f.HighFreq = Double(p, "highfreq") ?? f.HighFreq;
        Require(Int(p, "frame_splicing") is null or 1, source, Key("frame_splicing"), "must be 1");
        Require(Str(p, "mel_norm") is null or "slaney", source, Key("mel_norm"), "must be slaney");
        Require(Bool(p, "exact_pad") is null or false, source, Key("exact_pad"), "must be false");
        Require(Str(p, "stft_exact_pad") is null or "false" or "False", source, Key("stft_exact_pad"), "must be false");
        if (f.Dither == 0) notes.Add("preprocessor.dither: 0 in the NeMo config");
        try { f.Validate(); }
        catch (ArgumentException e) { throw new InvalidDataException($"{source}: preprocessor: {e.Message}"); }
        return f;
    }

    static EncoderConfig Encoder(YamlMappingNode e, string source, List<string> notes)
    {
        string Key(string k) => "encoder." + k;
        var t = Str(e, "_target_");
        if (t is not null && !t.EndsWith("ConformerEncoder", StringComparison.Ordinal))
            throw Error(source, Key("_target_"), $"'{t}' is not supported (only ConformerEncoder: Conformer and FastConformer)");
        var c = new EncoderConfig { Type = "conformer" };
        c.NLayers = Int(e, "n_layers") ?? throw Error(source, Key("n_layers"), "is missing");
        c.DModel = Int(e, "d_model") ?? throw Error(source, Key("d_model"), "is missing");
        c.NHeads = Int(e, "n_heads") ?? 4;
        c.FfExpansionFactor = Int(e, "ff_expansion_factor") ?? 4;
        c.ConvKernelSize = Int(e, "conv_kernel_size") ?? 31;
        c.Subsampling = Str(e, "subsampling") ?? "striding";
        if (c.Subsampling is not ("striding" or "dw_striding"))
            throw Error(source, Key("subsampling"), $"'{c.Subsampling}' is not supported (striding or dw_striding)");
        c.SubsamplingFactor = Int(e, "subsampling_factor") ?? 4;
        c.SubsamplingConvChannels = Int(e, "subsampling_conv_channels") ?? -1;
        c.Xscaling = Bool(e, "xscaling") ?? true;
        c.UntieBiases = Bool(e, "untie_biases") ?? true;
        c.Dropout = Double(e, "dropout") ?? 0.1;
        c.DropoutPreEncoder = Double(e, "dropout_pre_encoder") ?? 0.1;
        c.DropoutEmb = Double(e, "dropout_emb") ?? 0.1;
        c.DropoutAtt = Double(e, "dropout_att") ?? 0.0;
        Require(Int(e, "feat_out") is null or -1, source, Key("feat_out"), "must be -1 (no output projection)");
        Require(Str(e, "self_attention_model") is null or "rel_pos", source, Key("self_attention_model"), "must be rel_pos");
        Require(Str(e, "conv_norm_type") is null or "batch_norm", source, Key("conv_norm_type"), "must be batch_norm");
        Require(Bool(e, "causal_downsampling") is null or false, source, Key("causal_downsampling"), "must be false");
        Require(Str(e, "reduction") is null, source, Key("reduction"), "must be null (no intermediate reduction)");
        var context = Ints(e, "att_context_size");
        Require(context is null || context.All(v => v == -1), source, Key("att_context_size"),
            $"[{string.Join(", ", context ?? new List<long>())}] is limited-context (streaming) attention, which SharpASR's Conformer does not have; only [-1, -1]");
        if (Node(e, "att_context_size") is YamlSequenceNode { Children.Count: > 0 } seq && seq.Children[0] is YamlSequenceNode)
            throw Error(source, Key("att_context_size"), "multi-context (lists of context sizes) is not supported");
        var convContext = Ints(e, "conv_context_size");
        long half = (c.ConvKernelSize - 1) / 2;
        Require(convContext is null || convContext.SequenceEqual(new[] { half, half }), source, Key("conv_context_size"),
            $"must be null or [{half}, {half}] (symmetric, non-causal convolution)");
        if (Double(e, "stochastic_depth_drop_prob") is > 0) notes.Add("encoder.stochastic_depth_drop_prob: layer drop is not applied when fine-tuning here");
        return c;
    }

    static PredictorConfig Predictor(YamlMappingNode d, string source)
    {
        string Key(string k) => "decoder." + k;
        var t = Str(d, "_target_");
        if (t is not null && !t.EndsWith("RNNTDecoder", StringComparison.Ordinal))
            throw Error(source, Key("_target_"), $"'{t}' is not supported (only RNNTDecoder)");
        var net = Map(d, "prednet", source, path: Key("prednet"));
        Require(Str(d, "normalization_mode") is null, source, Key("normalization_mode"), "must be null (no layer norm in the prediction LSTM)");
        Require(Bool(d, "blank_as_pad") is null or true, source, Key("blank_as_pad"), "must be true (blank is the last token and the start symbol)");
        int hidden = Int(net, "pred_hidden") ?? throw Error(source, Key("prednet.pred_hidden"), "is missing");
        return new PredictorConfig
        {
            Type = "lstm",
            EmbedDim = hidden,          // RNNTDecoder embeds to pred_hidden
            Hidden = hidden,
            Layers = Int(net, "pred_rnn_layers") ?? 1,
            Dropout = Double(net, "dropout") ?? 0.0,
            ForgetGateBias = Double(net, "forget_gate_bias") ?? 1.0,
            WeightInitScale = 1.0,      // NeMo does not scale PyTorch's LSTM initialisation
        };
    }

    static JointConfig Joint(YamlMappingNode j, string source)
    {
        string Key(string k) => "joint." + k;
        var t = Str(j, "_target_");
        if (t is not null && !t.EndsWith("RNNTJoint", StringComparison.Ordinal))
            throw Error(source, Key("_target_"), $"'{t}' is not supported (only RNNTJoint)");
        var net = Map(j, "jointnet", source, path: Key("jointnet"));
        var activation = Str(net, "activation") ?? "relu";
        if (activation is not ("relu" or "tanh")) throw Error(source, Key("jointnet.activation"), $"'{activation}' is not supported (relu or tanh)");
        return new JointConfig
        {
            Hidden = Int(net, "joint_hidden") ?? throw Error(source, Key("jointnet.joint_hidden"), "is missing"),
            Activation = activation,
            Dropout = Double(net, "dropout") ?? 0.0,
        };
    }

    // ---- SharpASR → NeMo ------------------------------------------------------------------------------

    /// <summary>model_config.yaml for <paramref name="cfg"/> in NeMo's EncDecRNNTBPEModel shape.</summary>
    public static YamlMappingNode ToNemo(AsrConfig cfg, IReadOnlyList<string> vocabulary, string tokenizerModel, string vocabTxt, string spmVocab)
    {
        var p = cfg.Preprocessor;
        var e = cfg.Model.Encoder;
        var d = cfg.Model.Predictor;
        var j = cfg.Model.Joint;
        if (!e.Type.Equals("conformer", StringComparison.OrdinalIgnoreCase))
            throw new ArgumentException($"model.encoder.type '{e.Type}': only a conformer encoder can be exported to NeMo");
        if (!d.Type.Equals("lstm", StringComparison.OrdinalIgnoreCase))
            throw new ArgumentException($"model.predictor.type '{d.Type}': only an lstm predictor can be exported to NeMo (RNNTDecoder)");
        if (d.EmbedDim != d.Hidden)
            throw new ArgumentException($"model.predictor.embed_dim {d.EmbedDim} differs from hidden {d.Hidden}: NeMo's RNNTDecoder embeds to pred_hidden");
        if (p.FrameStacking != 1 || p.FrameSubsampling != 1)
            throw new ArgumentException("preprocessor.frame_stacking/frame_subsampling: NeMo's preprocessor has no frame stacking; both must be 1");
        if (p.Normalize == "fixed") throw new ArgumentException("preprocessor.normalize 'fixed' has no NeMo equivalent here");
        if (p.LogZeroGuardType != "add") throw new ArgumentException("preprocessor.log_zero_guard_type: NeMo export needs 'add'");
        int vocab = vocabulary.Count;
        var sequenceVocabulary = new YamlSequenceNode(vocabulary.Select(v => (YamlNode)Quoted(v)));
        return M(
            ("sample_rate", S(p.SampleRate)),
            ("log_prediction", S(true)),
            ("tokenizer", M(("dir", Null()), ("type", S("bpe")), ("model_path", S("nemo:" + tokenizerModel)),
                ("vocab_path", S("nemo:" + vocabTxt)), ("spe_tokenizer_vocab", S("nemo:" + spmVocab)))),
            ("preprocessor", M(
                ("_target_", S("nemo.collections.asr.modules.AudioToMelSpectrogramPreprocessor")),
                ("sample_rate", S(p.SampleRate)), ("normalize", S(p.Normalize)), ("window_size", S(p.WindowSize)),
                ("window_stride", S(p.WindowStride)), ("window", S(p.Window)), ("features", S(p.Features)),
                ("n_fft", S(p.FftSize)), ("log", S(p.Log)), ("frame_splicing", S(1)), ("dither", S(p.Dither)),
                ("pad_to", S(p.PadTo)), ("pad_value", S(p.PadValue)), ("preemph", p.Preemph is { } pe ? S(pe) : Null()),
                ("lowfreq", S(p.LowFreq)), ("highfreq", p.HighFreq is { } hf ? S(hf) : Null()),
                ("log_zero_guard_type", S(p.LogZeroGuardType)), ("log_zero_guard_value", S(p.LogZeroGuardValue)),
                ("mag_power", S(p.MagPower)))),
            ("encoder", M(
                ("_target_", S("nemo.collections.asr.modules.ConformerEncoder")),
                ("feat_in", S(p.Features)), ("feat_out", S(-1)), ("n_layers", S(e.NLayers)), ("d_model", S(e.DModel)),
                ("subsampling", S(e.Subsampling)), ("subsampling_factor", S(e.SubsamplingFactor)),
                ("subsampling_conv_channels", S(e.SubsamplingConvChannels)), ("causal_downsampling", S(false)),
                ("ff_expansion_factor", S(e.FfExpansionFactor)), ("self_attention_model", S("rel_pos")), ("n_heads", S(e.NHeads)),
                ("att_context_size", new YamlSequenceNode(S(-1), S(-1)) { Style = YamlDotNet.Core.Events.SequenceStyle.Flow }),
                ("xscaling", S(e.Xscaling)), ("untie_biases", S(e.UntieBiases)), ("pos_emb_max_len", S(5000)),
                ("conv_kernel_size", S(e.ConvKernelSize)), ("conv_norm_type", S("batch_norm")), ("dropout", S(e.Dropout)),
                ("dropout_pre_encoder", S(e.DropoutPreEncoder)), ("dropout_emb", S(e.DropoutEmb)), ("dropout_att", S(e.DropoutAtt)))),
            ("decoder", M(
                ("_target_", S("nemo.collections.asr.modules.RNNTDecoder")), ("normalization_mode", Null()),
                ("random_state_sampling", S(false)), ("blank_as_pad", S(true)),
                ("prednet", M(("pred_hidden", S(d.Hidden)), ("pred_rnn_layers", S(d.Layers)), ("t_max", Null()),
                    ("dropout", S(d.Dropout)), ("forget_gate_bias", S(d.ForgetGateBias)))),
                ("vocab_size", S(vocab)))),
            ("joint", M(
                ("_target_", S("nemo.collections.asr.modules.RNNTJoint")), ("log_softmax", Null()), ("preserve_memory", S(false)),
                ("fuse_loss_wer", S(true)), ("fused_batch_size", S(cfg.Loss.SubBatch)),
                ("jointnet", M(("joint_hidden", S(j.Hidden)), ("activation", S(j.Activation)), ("dropout", S(j.Dropout)),
                    ("encoder_hidden", S(e.DModel)), ("pred_hidden", S(d.Hidden)))),
                ("num_classes", S(vocab)), ("vocabulary", sequenceVocabulary))),
            ("decoding", M(("strategy", S("greedy_batch")), ("greedy", M(("max_symbols", S(cfg.Train.MaxSymbolsPerFrame)))))),
            ("loss", M(("loss_name", S("default")))),
            ("target", S("nemo.collections.asr.models.rnnt_bpe_models.EncDecRNNTBPEModel")));
    }

    static YamlMappingNode M(params (string Key, YamlNode Value)[] items)
    {
        var m = new YamlMappingNode();
        foreach (var (k, v) in items) m.Add(new YamlScalarNode(k), v);
        return m;
    }

    static YamlScalarNode S(object v) => new(v switch
    {
        bool b => b ? "true" : "false",
        double d => d.ToString("R", CultureInfo.InvariantCulture) is var s && (s.Contains('.') || s.Contains('E') || s.Contains('e')) ? s : s + ".0",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => v.ToString(),
    });

    static YamlScalarNode Quoted(string v) => new(v) { Style = YamlDotNet.Core.ScalarStyle.SingleQuoted };
    static YamlScalarNode Null() => new("null");

    // ---- reading helpers ------------------------------------------------------------------------------

    static YamlNode? Node(YamlMappingNode m, string key) => m.Children.TryGetValue(new YamlScalarNode(key), out var v) ? v : null;

    static YamlMappingNode Map(YamlMappingNode m, string key, string source, bool required = true, string? path = null)
    {
        var n = Node(m, key);
        if (n is YamlMappingNode map) return map;
        if (n is null || IsNull(n))
            return required ? throw Error(source, path ?? key, "is missing") : null!;
        throw Error(source, path ?? key, "is not a mapping");
    }

    static bool IsNull(YamlNode n) => n is YamlScalarNode { Value: null or "null" or "~" or "None" or "" } s && s.Style == YamlDotNet.Core.ScalarStyle.Plain;

    static string? Str(YamlMappingNode m, string key) => Node(m, key) switch
    {
        null => null,
        YamlScalarNode s when IsNull(s) => null,
        YamlScalarNode s => s.Value,
        _ => throw new InvalidDataException($"{key}: expected a single value"),
    };

    static int? Int(YamlMappingNode m, string key) =>
        Str(m, key) is { } s ? int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : throw new InvalidDataException($"{key}: '{s}' is not an integer") : null;

    static double? Double(YamlMappingNode m, string key) => Str(m, key) is { } s ? ParseDouble(s, "model_config.yaml", key) : null;

    static double ParseDouble(string s, string source, string key) =>
        double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : throw Error(source, key, $"'{s}' is not a number");

    static bool? Bool(YamlMappingNode m, string key) => Str(m, key)?.ToLowerInvariant() switch
    {
        null => null,
        "true" => true,
        "false" => false,
        var s => throw new InvalidDataException($"{key}: '{s}' is not true or false"),
    };

    static List<long>? Ints(YamlMappingNode m, string key) => Node(m, key) switch
    {
        null => null,
        YamlScalarNode s when IsNull(s) => null,
        YamlSequenceNode seq => seq.Children.Select(c => c is YamlScalarNode { Value: { } v } && long.TryParse(v, CultureInfo.InvariantCulture, out var x) ? x : long.MinValue).ToList(),
        _ => throw new InvalidDataException($"{key}: expected a list"),
    };

    static void Require(bool ok, string source, string key, string why)
    {
        if (!ok) throw Error(source, key, why);
    }

    static InvalidDataException Error(string source, string key, string why) => new($"{source}: {NemoArchive.ConfigName}: {key} {why}");
}
