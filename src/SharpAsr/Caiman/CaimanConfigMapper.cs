using SharpAsr.Config;
using YamlDotNet.RepresentationModel;

namespace SharpAsr.Caiman;

/// <summary>
/// caiman-asr's model config (training/configs/*.yaml: <c>tokenizer</c>, <c>input_val</c>, <c>input_train</c>,
/// <c>rnnt</c>, <c>grad_noise_scheduler</c>, <c>ngram</c>) → SharpASR's config with caiman's meaning: its LSTM transducer,
/// filterbank, frame stacking, augmentation and data filters. Training settings (learning rate, batch, steps) are
/// caiman's command-line flags, which <c>sharpasr train</c> also accepts. Keys read are tracked; the rest are reported.
/// </summary>
public static class CaimanConfigMapper
{
    public static LoadedConfig FromFile(YamlMappingNode root, TrackedYaml y)
    {
        var cfg = new AsrConfig { Name = "caiman" };
        var run = new LoadedConfig { Config = cfg, Layout = "caiman" };
        Tokenizer(y, y.Map(root, "tokenizer")!, cfg);
        var train = y.Map(root, "input_train")!;
        var val = y.Map(root, "input_val", required: false);
        Features(y, train, cfg);
        TrainAudio(y, y.Map(train, "audio_dataset", path: "input_train.audio_dataset")!, cfg);
        if (val is not null && y.Map(val, "audio_dataset", required: false) is { } valAudio)
        {
            // validation: transcripts normalised as for training; WER is the error rate reported
            y.Require(y.Bool(valAudio, "trim_silence", "input_val.audio_dataset.trim_silence") is null or false, "input_val.audio_dataset.trim_silence", "must be false (validation audio is not trimmed)");
            y.Require(y.Str(valAudio, "error_rate", "input_val.audio_dataset.error_rate") is null or "word", "input_val.audio_dataset.error_rate", "must be word (WER; CER is reported beside it)");
        }
        SpecAugmentation(y, y.Map(train, "spec_augment", required: false, path: "input_train.spec_augment"), cfg);
        Model(y, y.Map(root, "rnnt")!, cfg, run);
        if (y.Map(root, "grad_noise_scheduler", required: false) is { } noise && y.Double(noise, "noise_level", "grad_noise_scheduler.noise_level") is null or 0)
            y.Use(noise);   // noise level 0: no gradient noise, as here
        return run;
    }

    static void Tokenizer(TrackedYaml y, YamlMappingNode tok, AsrConfig cfg)
    {
        // with a SentencePiece model the labels only list the characters caiman keeps in transcripts (text.* here)
        if (y.Str(tok, "sentpiece_model", "tokenizer.sentpiece_model") is { } model)
            cfg.Tokenizer = new TokenizerConfig { Type = "spe", ModelPath = model };
        else
            cfg.Tokenizer = new TokenizerConfig { Type = "char", Labels = y.Strings(tok, "labels", "tokenizer.labels") };
    }

    static void Features(TrackedYaml y, YamlMappingNode train, AsrConfig cfg)
    {
        const string S = "input_train.filterbank_features.";
        var f = y.Map(train, "filterbank_features", path: "input_train.filterbank_features")!;
        var p = cfg.Preprocessor;
        p.SampleRate = y.Int(f, "sample_rate", S + "sample_rate") ?? p.SampleRate;
        p.WindowSize = y.Double(f, "window_size", S + "window_size") ?? p.WindowSize;
        p.WindowStride = y.Double(f, "window_stride", S + "window_stride") ?? p.WindowStride;
        p.Window = y.Str(f, "window", S + "window") ?? p.Window;
        p.NFft = y.Int(f, "n_fft", S + "n_fft") ?? p.NFft;
        p.Features = y.Int(f, "n_filt", S + "n_filt") ?? p.Features;
        p.Dither = y.Double(f, "dither", S + "dither") ?? p.Dither;
        p.Normalize = y.Str(f, "normalize", S + "normalize") ?? p.Normalize;
        // caiman's padding and log floor (natural log of the power, floored at 1e-20)
        p.PadTo = 0;
        p.LogZeroGuardType = "clamp";
        p.LogZeroGuardValue = 1e-20;
        var splicing = y.Map(train, "frame_splicing", required: false, path: "input_train.frame_splicing");
        p.FrameStacking = y.Int(splicing, "frame_stacking", "input_train.frame_splicing.frame_stacking") ?? 1;
        p.FrameSubsampling = y.Int(splicing, "frame_subsampling", "input_train.frame_splicing.frame_subsampling") ?? 1;
        // validation uses the training features: caiman's files share them through anchors (&val_features), so the
        // keys read here are input_val's too; a separate input_val copy would be listed as not used
    }

    static void TrainAudio(TrackedYaml y, YamlMappingNode a, AsrConfig cfg)
    {
        const string S = "input_train.audio_dataset.";
        var t = cfg.Train;
        y.Require(y.Int(a, "sample_rate", S + "sample_rate") is not { } audioRate || audioRate == cfg.Preprocessor.SampleRate,
            S + "sample_rate", $"must equal the filterbank's sample_rate {cfg.Preprocessor.SampleRate}");
        t.MaxDuration = y.Double(a, "max_duration", S + "max_duration") ?? t.MaxDuration;
        t.MinDuration = y.Double(a, "min_duration", S + "min_duration") ?? t.MinDuration;
        t.MaxTranscriptChars = y.Int(a, "max_transcript_len", S + "max_transcript_len") ?? t.MaxTranscriptChars;
        var normalize = y.Str(a, "normalize_transcripts", S + "normalize_transcripts") ?? "lowercase";
        y.Require(normalize is "lowercase" or "none", S + "normalize_transcripts", $"'{normalize}' is not supported (lowercase or none)");
        cfg.Text.Lowercase = normalize == "lowercase";
        if (y.Bool(a, "trim_silence", S + "trim_silence") == true)
        {
            cfg.Augment.Audio ??= new AudioAugmentation();
            cfg.Augment.Audio.TrimSilence = new SilenceTrim();
        }
        if (y.Map(a, "speed_perturbation", required: false, path: S + "speed_perturbation") is { } sp)
        {
            cfg.Augment.Audio ??= new AudioAugmentation();
            cfg.Augment.Audio.Speed = new SpeedPerturbation
            {
                MinRate = y.Double(sp, "min_rate", S + "speed_perturbation.min_rate") ?? 0.85,
                MaxRate = y.Double(sp, "max_rate", S + "speed_perturbation.max_rate") ?? 1.15,
                Probability = y.Double(sp, "p", S + "speed_perturbation.p") ?? 1.0,
            };
        }
    }

    static void SpecAugmentation(TrackedYaml y, YamlMappingNode? s, AsrConfig cfg)
    {
        if (s is null) return;
        const string S = "input_train.spec_augment.";
        // caiman draws widths in [min, max]; here in [0, width], so the minimums must be 0
        y.Require(y.Int(s, "min_freq", S + "min_freq") is null or 0, S + "min_freq", "must be 0");
        y.Require(y.Double(s, "min_time", S + "min_time") is null or 0, S + "min_time", "must be 0");
        var a = new SpecAugment
        {
            FreqMasks = y.Int(s, "freq_masks", S + "freq_masks") ?? 0,
            FreqWidth = y.Int(s, "max_freq", S + "max_freq") ?? 0,
            TimeMasks = y.Int(s, "time_masks", S + "time_masks") ?? 0,
            TimeWidth = y.Double(s, "max_time", S + "max_time") ?? 0,
        };
        cfg.Augment.SpecAugment = a.Enabled ? a : null;
    }

    static void Model(TrackedYaml y, YamlMappingNode r, AsrConfig cfg, LoadedConfig run)
    {
        string K(string k) => "rnnt." + k;
        var e = cfg.Model.Encoder;
        var d = cfg.Model.Predictor;
        var j = cfg.Model.Joint;
        e.Type = "lstm";
        d.Type = "lstm";
        if (y.Int(r, "in_feats", K("in_feats")) is { } inFeats)
            y.Require(inFeats == cfg.Preprocessor.OutputFeatures, K("in_feats"), $"{inFeats} differs from n_filt × frame_stacking = {cfg.Preprocessor.OutputFeatures}");
        e.Hidden = y.Int(r, "enc_n_hid", K("enc_n_hid")) ?? e.Hidden;
        e.PreLayers = y.Int(r, "enc_pre_rnn_layers", K("enc_pre_rnn_layers")) ?? e.PreLayers;
        e.PostLayers = y.Int(r, "enc_post_rnn_layers", K("enc_post_rnn_layers")) ?? e.PostLayers;
        e.StackTimeFactor = y.Int(r, "enc_stack_time_factor", K("enc_stack_time_factor")) ?? e.StackTimeFactor;
        e.Dropout = y.Double(r, "enc_dropout", K("enc_dropout")) ?? e.Dropout;
        d.Hidden = y.Int(r, "pred_n_hid", K("pred_n_hid")) ?? d.Hidden;
        d.EmbedDim = d.Hidden;   // caiman embeds to the predictor's width
        d.Layers = y.Int(r, "pred_rnn_layers", K("pred_rnn_layers")) ?? d.Layers;
        d.Dropout = y.Double(r, "pred_dropout", K("pred_dropout")) ?? d.Dropout;
        j.Hidden = y.Int(r, "joint_n_hid", K("joint_n_hid")) ?? j.Hidden;
        j.Dropout = y.Double(r, "joint_dropout", K("joint_dropout")) ?? j.Dropout;
        if (y.Double(r, "forget_gate_bias", K("forget_gate_bias")) is { } bias) e.ForgetGateBias = d.ForgetGateBias = bias;
        foreach (var key in new[] { "enc_batch_norm", "pred_batch_norm", "quantize" })
            y.Require(y.Bool(r, key, K(key)) is null or false, K(key), "must be false");
        foreach (var key in new[] { "enc_rw_dropout", "pred_rw_dropout" })
            y.Require(y.Double(r, key, K(key)) is null or 0, K(key), "must be 0 (no recurrent-weight dropout)");
        y.Require(y.Double(r, "joint_net_lr_factor", K("joint_net_lr_factor")) is null or 1.0, K("joint_net_lr_factor"), "must be 1.0 (one learning rate for all parameters)");
        // caiman's apex joint: 'pack' drops the padded (t, u) cells before the joint, as joint_mode packed does; the
        // fused relu+dropout computes the same function
        cfg.Loss.JointMode = y.Str(r, "joint_apex_transducer", K("joint_apex_transducer")) switch
        {
            null or "not_apex" => "plain",
            "pack" => "packed",
            var m => throw y.Error(K("joint_apex_transducer"), $"'{m}' is not supported (pack or null)"),
        };
        y.Node(r, "joint_apex_relu_dropout");
        if (y.Bool(r, "enc_freeze", K("enc_freeze")) == true) run.FreezeEncoder = true;
    }
}
