namespace SharpAsr.Tests.Upstream;

/// <summary>
/// The upstream config files kept in data/upstream (NeMo's, the HF asr-rnnt repo's and caiman's, unchanged but for a
/// provenance header), and the command-line overrides a NeMo or caiman user would type to run them small.
/// </summary>
internal static class UpstreamConfigs
{
    public static string File(string name) => Path.Combine(AppContext.BaseDirectory, "data", "upstream", name);

    public const string Conformer = "nemo_conformer_transducer_bpe.yaml";
    public const string FastConformer = "nemo_fast-conformer_transducer_bpe.yaml";
    public const string ContextNet = "nemo_contextnet_rnnt.yaml";
    public const string HfContextNetDummy = "hf_contextnet_rnnt_dummy.yaml";
    public const string HfConformerDummy = "hf_conformer_transducer_bpe_dummy.yaml";
    public const string CaimanTesting = "caiman_testing-1023sp.yaml";

    /// <summary>
    /// Size overrides per file, as a user shrinking a recipe would write them: fewer or narrower layers, smaller
    /// batches; the ContextNet files also need the tokenizer type, which they leave as ??? upstream.
    /// </summary>
    public static string[] SizeOverrides(string name) => name switch
    {
        Conformer => new[] { "model.encoder.n_layers=2", "model.encoder.d_model=64", "model.encoder.n_heads=4", "model.model_defaults.pred_hidden=64", "model.model_defaults.joint_hidden=64", "model.train_ds.batch_size=4", "model.joint.fused_batch_size=4" },
        FastConformer => new[] { "model.encoder.n_layers=2", "model.encoder.d_model=64", "model.encoder.n_heads=4", "model.encoder.subsampling_conv_channels=32", "model.model_defaults.pred_hidden=64", "model.model_defaults.joint_hidden=64", "model.train_ds.batch_size=4" },
        ContextNet => new[] { "model.tokenizer.type=bpe", "model.model_defaults.filters=16", "model.model_defaults.repeat=1", "model.model_defaults.enc_hidden=32", "model.model_defaults.pred_hidden=32", "model.model_defaults.joint_hidden=32", "model.train_ds.batch_size=4", "model.train_ds.num_workers=1" },
        HfContextNetDummy => new[] { "model.tokenizer.type=bpe", "model.train_ds.num_workers=1" },
        HfConformerDummy => new[] { "model.train_ds.batch_size=4" },
        CaimanTesting => new[] { "input_train.audio_dataset.max_duration=16.7", "rnnt.enc_n_hid=32", "rnnt.pred_n_hid=32", "rnnt.joint_n_hid=32" },
        _ => throw new ArgumentException(name),
    };

    /// <summary>Where the data and tokenizer go, in the file's own keys (caiman names its data with flags instead).</summary>
    public static string[] DataOverrides(string name, string train, string val, string tokenizerDir) => name == CaimanTesting
        ? new[] { $"tokenizer.sentpiece_model={Path.Combine(tokenizerDir, "tokenizer.model")}" }
        : new[] { $"model.train_ds.manifest_filepath={train}", $"model.validation_ds.manifest_filepath={val}", $"model.tokenizer.dir={tokenizerDir}" };
}
