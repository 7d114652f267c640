using SharpAsr.Config;
using SharpAsr.Models;
using SharpAsr.Models.ContextNet;
using YamlDotNet.RepresentationModel;

namespace SharpAsr.Nemo;

/// <summary>
/// NeMo's RNN-T model config (the <c>model:</c> section of a training YAML, or a .nemo's model_config.yaml) →
/// <see cref="AsrConfig"/>: preprocessor (AudioToMelSpectrogramPreprocessor) → <c>preprocessor</c>, ConformerEncoder
/// (<c>striding</c> Conformer or <c>dw_striding</c> FastConformer) or ConvASREncoder (ContextNet) → <c>model.encoder</c>,
/// RNNTDecoder <c>prednet</c> → <c>model.predictor</c>, RNNTJoint <c>jointnet</c> → <c>model.joint</c>, tokenizer →
/// <c>tokenizer</c>. Settings our model cannot reproduce (limited attention context, layer-norm convolution, frame
/// splicing, other windows …) are errors naming the key; every key read is marked in the <see cref="TrackedYaml"/>, so
/// the caller can list the others as not used. The training sections are in NemoConfigMapper.Training.cs.
/// </summary>
public static partial class NemoConfigMapper
{
    /// <summary>A .nemo's model_config.yaml (import): the model sections; notes for what only NeMo's training loop reads.</summary>
    public static AsrConfig ToAsrConfig(YamlMappingNode root, string source, List<string> notes)
    {
        var y = new TrackedYaml(source, inner: NemoArchive.ConfigName);
        var target = y.Str(root, "target");
        if (target is not null && !target.EndsWith("EncDecRNNTBPEModel", StringComparison.Ordinal))
            throw y.Error("target", $"'{target}' is not an EncDecRNNTBPEModel (only BPE-tokenized RNN-T models are imported; CTC, TDT and hybrid models are not)");
        var cfg = new AsrConfig();
        MapModel(y, root, cfg, notes);
        if (root.Children.ContainsKey(new YamlScalarNode("spec_augment")))
            notes.Add("spec_augment: not imported (set SharpASR's augmentation keys for fine-tuning)");
        foreach (var key in new[] { "optim", "train_ds", "validation_ds", "test_ds", "loss", "decoding" })
            if (root.Children.ContainsKey(new YamlScalarNode(key))) notes.Add($"{key}: NeMo training setting, not imported");
        cfg.Tokenizer = new TokenizerConfig { Type = "spe" };
        return cfg;
    }

    /// <summary>The tokenizer file a config names (tokenizer.model_path, usually nemo:&lt;hex&gt;_tokenizer.model).</summary>
    public static string TokenizerModel(YamlMappingNode root, string source)
    {
        var y = new TrackedYaml(source, inner: NemoArchive.ConfigName);
        var tok = y.Map(root, "tokenizer");
        var type = y.Str(tok, "type") ?? "bpe";
        if (type != "bpe") throw y.Error("tokenizer.type", $"'{type}' is not supported (only SentencePiece 'bpe' tokenizers; WordPiece 'wpe' is not)");
        return y.Str(tok, "model_path") ?? throw y.Error("tokenizer.model_path", "is missing (the SentencePiece model)");
    }

    /// <summary>preprocessor, encoder, decoder and joint of a NeMo model section into <paramref name="cfg"/>.</summary>
    static void MapModel(TrackedYaml y, YamlMappingNode model, AsrConfig cfg, List<string> notes)
    {
        cfg.Preprocessor = Preprocessor(y, y.Map(model, "preprocessor")!, notes);
        var encoder = y.Map(model, "encoder")!;
        var type = y.Str(encoder, "_target_", "encoder._target_");
        cfg.Model.Encoder = type is not null && type.EndsWith("ConvASREncoder", StringComparison.Ordinal) ? ContextNet(y, encoder) : Conformer(y, encoder, notes);
        if (y.Int(encoder, "feat_in", "encoder.feat_in") is { } featIn && featIn != cfg.Preprocessor.Features)
            throw y.Error("encoder.feat_in", $"{featIn} differs from preprocessor.features {cfg.Preprocessor.Features}");
        cfg.Model.Predictor = Predictor(y, y.Map(model, "decoder")!);
        cfg.Model.Joint = Joint(y, y.Map(model, "joint")!, cfg);
        // NeMo trains on the manifest text as it is: no normalisation unless the user asks for it
        cfg.Text.Nfkc = false;
        cfg.Text.Lowercase = false;
        cfg.Text.RemovePunctuation = false;
        cfg.Text.Replacements = new List<string[]>();
    }

    static FeaturizerConfig Preprocessor(TrackedYaml y, YamlMappingNode p, List<string> notes)
    {
        var f = new FeaturizerConfig();
        string Key(string k) => "preprocessor." + k;
        if (y.Str(p, "_target_") is { } t && !t.EndsWith("AudioToMelSpectrogramPreprocessor", StringComparison.Ordinal))
            throw y.Error(Key("_target_"), $"'{t}' is not AudioToMelSpectrogramPreprocessor");
        f.SampleRate = y.Int(p, "sample_rate", Key("sample_rate")) ?? f.SampleRate;
        f.WindowSize = y.Double(p, "window_size", Key("window_size")) ?? f.WindowSize;
        f.WindowStride = y.Double(p, "window_stride", Key("window_stride")) ?? f.WindowStride;
        f.Window = y.Str(p, "window") ?? f.Window;
        if (f.Window != "hann") throw y.Error(Key("window"), $"'{f.Window}' is not supported (only hann)");
        f.NFft = y.Int(p, "n_fft", Key("n_fft")) ?? f.NFft;
        f.Features = y.Int(p, "features", Key("features")) ?? y.Int(p, "nfilt", Key("nfilt")) ?? f.Features;
        if (y.Has(p, "preemph")) f.Preemph = y.Double(p, "preemph", Key("preemph"));
        f.Dither = y.Double(p, "dither", Key("dither")) ?? f.Dither;
        f.PadTo = y.Int(p, "pad_to", Key("pad_to")) ?? f.PadTo;
        f.PadValue = y.Double(p, "pad_value", Key("pad_value")) ?? f.PadValue;
        var normalize = y.Str(p, "normalize") ?? f.Normalize;
        if (normalize is not ("per_feature" or "all_features" or "none"))
            throw y.Error(Key("normalize"), $"'{normalize}' is not supported (per_feature, all_features or none)");
        f.Normalize = normalize;
        f.Log = y.Bool(p, "log", Key("log")) ?? f.Log;
        f.LogZeroGuardType = y.Str(p, "log_zero_guard_type") ?? f.LogZeroGuardType;
        f.LogZeroGuardValue = y.Str(p, "log_zero_guard_value") switch
        {
            null => f.LogZeroGuardValue,
            "tiny" => 1.1754943508222875e-38,                                // torch.finfo(torch.float32).tiny
            "eps" => 1.1920928955078125e-07,                              // torch.finfo(torch.float32).eps
            var v => y.ParseDouble(v, Key("log_zero_guard_value")),
        };
        f.MagPower = y.Double(p, "mag_power", Key("mag_power")) ?? f.MagPower;
        f.LowFreq = y.Double(p, "lowfreq", Key("lowfreq")) ?? f.LowFreq;
        f.HighFreq = y.Double(p, "highfreq", Key("highfreq")) ?? f.HighFreq;
        y.Require(y.Int(p, "frame_splicing", Key("frame_splicing")) is null or 1, Key("frame_splicing"), "must be 1");
        y.Require(y.Str(p, "mel_norm") is null or "slaney", Key("mel_norm"), "must be slaney");
        y.Require(y.Bool(p, "exact_pad", Key("exact_pad")) is null or false, Key("exact_pad"), "must be false");
        y.Require(y.Str(p, "stft_exact_pad") is null or "false" or "False", Key("stft_exact_pad"), "must be false");
        // stft_conv computed the same STFT with a convolution (old NeMo); false is torch.stft, as here
        y.Require(y.Bool(p, "stft_conv", Key("stft_conv")) is null or false, Key("stft_conv"), "must be false");
        if (f.Dither == 0) notes.Add("preprocessor.dither: 0 in the NeMo config");
        try { f.Validate(); }
        catch (ArgumentException e) { throw y.Error("preprocessor", e.Message); }
        return f;
    }

    static EncoderConfig Conformer(TrackedYaml y, YamlMappingNode e, List<string> notes)
    {
        string Key(string k) => "encoder." + k;
        var t = y.Str(e, "_target_");
        if (t is not null && !t.EndsWith("ConformerEncoder", StringComparison.Ordinal))
            throw y.Error(Key("_target_"), $"'{t}' is not supported (ConformerEncoder: Conformer and FastConformer; ConvASREncoder: ContextNet)");
        var c = new EncoderConfig { Type = "conformer" };
        c.NLayers = y.Int(e, "n_layers", Key("n_layers")) ?? throw y.Error(Key("n_layers"), "is missing");
        c.DModel = y.Int(e, "d_model", Key("d_model")) ?? throw y.Error(Key("d_model"), "is missing");
        c.NHeads = y.Int(e, "n_heads", Key("n_heads")) ?? 4;
        c.FfExpansionFactor = y.Int(e, "ff_expansion_factor", Key("ff_expansion_factor")) ?? 4;
        c.ConvKernelSize = y.Int(e, "conv_kernel_size", Key("conv_kernel_size")) ?? 31;
        c.Subsampling = y.Str(e, "subsampling") ?? "striding";
        if (c.Subsampling is not ("striding" or "dw_striding"))
            throw y.Error(Key("subsampling"), $"'{c.Subsampling}' is not supported (striding or dw_striding)");
        c.SubsamplingFactor = y.Int(e, "subsampling_factor", Key("subsampling_factor")) ?? 4;
        c.SubsamplingConvChannels = y.Int(e, "subsampling_conv_channels", Key("subsampling_conv_channels")) ?? -1;
        c.Xscaling = y.Bool(e, "xscaling", Key("xscaling")) ?? true;
        c.UntieBiases = y.Bool(e, "untie_biases", Key("untie_biases")) ?? true;
        c.Dropout = y.Double(e, "dropout", Key("dropout")) ?? 0.1;
        c.DropoutPreEncoder = y.Double(e, "dropout_pre_encoder", Key("dropout_pre_encoder")) ?? 0.1;
        c.DropoutEmb = y.Double(e, "dropout_emb", Key("dropout_emb")) ?? 0.1;
        c.DropoutAtt = y.Double(e, "dropout_att", Key("dropout_att")) ?? 0.0;
        y.Require(y.Int(e, "feat_out", Key("feat_out")) is null or -1, Key("feat_out"), "must be -1 (no output projection)");
        y.Require(y.Str(e, "self_attention_model") is null or "rel_pos", Key("self_attention_model"), "must be rel_pos");
        y.Require(y.Str(e, "conv_norm_type") is null or "batch_norm", Key("conv_norm_type"), "must be batch_norm");
        y.Require(y.Bool(e, "causal_downsampling", Key("causal_downsampling")) is null or false, Key("causal_downsampling"), "must be false");
        y.Require(y.Str(e, "reduction") is null, Key("reduction"), "must be null (no intermediate reduction)");
        if (y.Str(e, "reduction") is null)
        {
            y.Node(e, "reduction_position");   // only read with a reduction
            y.Node(e, "reduction_factor");
        }
        if (y.Node(e, "att_context_size") is YamlSequenceNode { Children.Count: > 0 } seq && seq.Children[0] is YamlSequenceNode)
            throw y.Error(Key("att_context_size"), "multi-context (lists of context sizes) is not supported");
        var context = y.Ints(e, "att_context_size", Key("att_context_size"));
        y.Require(context is null || context.All(v => v == -1), Key("att_context_size"),
            $"[{string.Join(", ", context ?? new List<long>())}] is limited-context (streaming) attention, which SharpASR's Conformer does not have; only [-1, -1]");
        // the attention style only matters with a limited context
        y.Require(y.Str(e, "att_context_style") is null or "regular" || context is null || context.All(v => v == -1), Key("att_context_style"), "must be regular");
        var convContext = y.Ints(e, "conv_context_size", Key("conv_context_size"));
        long half = (c.ConvKernelSize - 1) / 2;
        y.Require(convContext is null || convContext.SequenceEqual(new[] { half, half }), Key("conv_context_size"),
            $"must be null or [{half}, {half}] (symmetric, non-causal convolution)");
        // positions are encoded for any length here; NeMo's table size changes nothing below it
        y.Node(e, "pos_emb_max_len");
        if (y.Double(e, "stochastic_depth_drop_prob", Key("stochastic_depth_drop_prob")) is > 0)
            notes.Add("encoder.stochastic_depth_drop_prob: layer drop is not applied here");
        else
        {
            y.Node(e, "stochastic_depth_mode");   // only read with a drop probability
            y.Node(e, "stochastic_depth_start_layer");
        }
        return c;
    }

    /// <summary>
    /// NeMo's ConvASREncoder with ContextNet blocks (<c>jasper:</c>). Every block key is honoured or refused: kernel and
    /// stride are one-element lists, dilation 1, a strided block strides its last repeat and its residual
    /// (<c>stride_last: true</c>, <c>residual_mode: stride_add</c>), squeeze-and-excitation over the whole utterance.
    /// </summary>
    static EncoderConfig ContextNet(TrackedYaml y, YamlMappingNode e)
    {
        string Key(string k) => "encoder." + k;
        var c = new EncoderConfig { Type = "contextnet", Activation = y.Str(e, "activation") ?? "relu" };
        // padded frames are masked before every convolution here: NeMo's conv_mask true
        y.Require(y.Bool(e, "conv_mask", Key("conv_mask")) is null or true, Key("conv_mask"), "must be true (padded frames are always masked)");
        // the encoder initialises as NeMo's tds_uniform
        y.Require(y.Str(e, "init_mode") is null or "tds_uniform", Key("init_mode"), "must be tds_uniform");
        var list = y.Node(e, "jasper") as YamlSequenceNode ?? throw y.Error(Key("jasper"), "is missing (the list of blocks)");
        c.Jasper = new List<ContextNetBlockConfig>();
        var ratios = new HashSet<int>();
        for (int i = 0; i < list.Children.Count; i++)
        {
            string K(string k) => $"encoder.jasper[{i}].{k}";
            var b = list.Children[i] as YamlMappingNode ?? throw y.Error($"encoder.jasper[{i}]", "is not a mapping");
            var block = new ContextNetBlockConfig
            {
                Filters = y.Int(b, "filters", K("filters")) ?? throw y.Error(K("filters"), "is missing"),
                Repeat = y.Int(b, "repeat", K("repeat")) ?? 1,
                Kernel = One(y, b, "kernel", K("kernel")) ?? 11,
                Stride = One(y, b, "stride", K("stride")) ?? 1,
                Dropout = y.Double(b, "dropout", K("dropout")) ?? 0.2,
                Residual = y.Bool(b, "residual", K("residual")) ?? true,
                Separable = y.Bool(b, "separable", K("separable")) ?? false,
                Se = y.Bool(b, "se", K("se")) ?? false,
                SeContextSize = y.Int(b, "se_context_size", K("se_context_size")) ?? -1,
            };
            y.Require(One(y, b, "dilation", K("dilation")) is null or 1, K("dilation"), "must be [1]");
            y.Require(block.SeContextSize == -1, K("se_context_size"), "must be -1 (squeeze-and-excitation over the whole utterance)");
            double factor = y.Double(b, "kernel_size_factor", K("kernel_size_factor")) ?? 1.0;
            y.Require(factor == 1.0, K("kernel_size_factor"), "must be 1.0 (scale the kernel itself instead)");
            if (block.Stride > 1)
            {
                y.Require(y.Bool(b, "stride_last", K("stride_last")) is null or true, K("stride_last"), "must be true (the stride is on the block's last repeat)");
                y.Require(y.Str(b, "residual_mode") is null or "stride_add", K("residual_mode"), "must be stride_add (the residual is strided with the block)");
            }
            else
            {
                y.Node(b, "stride_last");   // without a stride they change nothing
                y.Node(b, "residual_mode");
            }
            ratios.Add(y.Int(b, "se_reduction_ratio", K("se_reduction_ratio")) ?? 8);
            c.Jasper.Add(block);
        }
        y.Require(ratios.Count <= 1, Key("jasper"), "blocks must share one se_reduction_ratio");
        c.SeReductionRatio = ratios.FirstOrDefault(8);
        return c;
    }

    /// <summary>NeMo writes kernel, stride and dilation as one-element lists ([5]); a plain number is read too.</summary>
    static int? One(TrackedYaml y, YamlMappingNode b, string key, string path) => y.Node(b, key) switch
    {
        null => null,
        YamlSequenceNode { Children.Count: 1 } => (int)y.Ints(b, key, path)![0],
        YamlSequenceNode => throw y.Error(path, "must hold one value"),
        _ => y.Int(b, key, path),
    };

    static PredictorConfig Predictor(TrackedYaml y, YamlMappingNode d)
    {
        string Key(string k) => "decoder." + k;
        var t = y.Str(d, "_target_");
        if (t is not null && !t.EndsWith("RNNTDecoder", StringComparison.Ordinal))
            throw y.Error(Key("_target_"), $"'{t}' is not supported (only RNNTDecoder)");
        var net = y.Map(d, "prednet", path: Key("prednet"))!;
        y.Require(y.Str(d, "normalization_mode") is null, Key("normalization_mode"), "must be null (no layer norm in the prediction LSTM)");
        y.Require(y.Bool(d, "blank_as_pad", Key("blank_as_pad")) is null or true, Key("blank_as_pad"), "must be true (blank is the last token and the start symbol)");
        y.Require(y.Bool(d, "random_state_sampling", Key("random_state_sampling")) is null or false, Key("random_state_sampling"), "must be false");
        y.Require(y.Str(net, "t_max") is null, Key("prednet.t_max"), "must be null (no chrono initialisation)");
        int hidden = y.Int(net, "pred_hidden", Key("prednet.pred_hidden")) ?? throw y.Error(Key("prednet.pred_hidden"), "is missing");
        return new PredictorConfig
        {
            Type = "lstm",
            EmbedDim = hidden,          // RNNTDecoder embeds to pred_hidden
            Hidden = hidden,
            Layers = y.Int(net, "pred_rnn_layers", Key("prednet.pred_rnn_layers")) ?? 1,
            Dropout = y.Double(net, "dropout", Key("prednet.dropout")) ?? 0.0,
            ForgetGateBias = y.Double(net, "forget_gate_bias", Key("prednet.forget_gate_bias")) ?? 1.0,
            WeightInitScale = 1.0,      // NeMo does not scale PyTorch's LSTM initialisation
        };
    }

    static JointConfig Joint(TrackedYaml y, YamlMappingNode j, AsrConfig cfg)
    {
        string Key(string k) => "joint." + k;
        var t = y.Str(j, "_target_");
        if (t is not null && !t.EndsWith("RNNTJoint", StringComparison.Ordinal))
            throw y.Error(Key("_target_"), $"'{t}' is not supported (only RNNTJoint)");
        var net = y.Map(j, "jointnet", path: Key("jointnet"))!;
        var activation = y.Str(net, "activation") ?? "relu";
        if (activation is not ("relu" or "tanh")) throw y.Error(Key("jointnet.activation"), $"'{activation}' is not supported (relu or tanh)");
        // fused_batch_size: predictor + joint + loss on sub-batches of that many utterances
        if (y.Bool(j, "fuse_loss_wer", Key("fuse_loss_wer")) == true && y.Int(j, "fused_batch_size", Key("fused_batch_size")) is { } fused and > 0)
        {
            cfg.Loss.JointMode = "sub_batched";
            cfg.Loss.SubBatch = fused;
        }
        // the joint's log-softmax placement and memory trade-offs are this implementation's own
        y.Node(j, "log_softmax");
        y.Node(j, "preserve_memory");
        return new JointConfig
        {
            Hidden = y.Int(net, "joint_hidden", Key("jointnet.joint_hidden")) ?? throw y.Error(Key("jointnet.joint_hidden"), "is missing"),
            Activation = activation,
            Dropout = y.Double(net, "dropout", Key("jointnet.dropout")) ?? 0.0,
        };
    }
}
