using System.Globalization;
using SharpAsr.Config;
using YamlDotNet.RepresentationModel;

namespace SharpAsr.Nemo;

public static partial class NemoConfigMapper
{
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
}
