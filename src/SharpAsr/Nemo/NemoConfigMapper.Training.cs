using SharpAsr.Config;
using YamlDotNet.RepresentationModel;

namespace SharpAsr.Nemo;

public static partial class NemoConfigMapper
{
    /// <summary>
    /// A NeMo ASR training file (examples/asr/conf/…: <c>name</c>, <c>model</c>, <c>trainer</c>, <c>exp_manager</c>,
    /// after overrides and interpolation) → SharpASR's config with NeMo's meaning for every key it honours: the model
    /// sections as for an import, then data, tokenizer, augmentation, loss, optimizer, schedule and trainer settings.
    /// </summary>
    public static LoadedConfig FromTrainingFile(YamlMappingNode root, TrackedYaml y)
    {
        var cfg = new AsrConfig();
        var run = new LoadedConfig { Config = cfg, Layout = "NeMo" };
        cfg.Name = y.Str(root, "name") ?? cfg.Name;
        var model = y.Map(root, "model")!;
        var m = y.Under("model.");
        MapModel(m, model, cfg, run.Notes);
        int rate = m.Int(model, "sample_rate") ?? cfg.Preprocessor.SampleRate;
        m.Require(rate == cfg.Preprocessor.SampleRate, "sample_rate", $"{rate} differs from preprocessor.sample_rate {cfg.Preprocessor.SampleRate}");
        // the values other keys interpolate; NeMo's model code also reads enc_hidden, which is the encoder's width here
        y.Use(m.Node(model, "model_defaults"));
        // a sample of references and hypotheses is logged at every validation
        m.Node(model, "log_prediction");
        cfg.Loss.Reduction = m.Str(model, "rnnt_reduction") ?? cfg.Loss.Reduction;
        Tokenizer(m, model, cfg);
        TrainData(m, m.Map(model, "train_ds", required: false), cfg, run, rate);
        ValidationData(m, m.Map(model, "validation_ds", required: false), cfg, run, rate);
        SpecAugmentation(m, m.Map(model, "spec_augment", required: false), cfg);
        Loss(m, model, cfg);
        Optimizer(m, m.Map(model, "optim", required: false), cfg, run);
        if (m.Map(model, "variational_noise", required: false) is { } noise && m.Double(noise, "std", "variational_noise.std") is null or 0)
            y.Use(noise);   // std 0: no noise, as here
        // no trainer section: PyTorch Lightning's defaults, as NeMo would run it
        Trainer(y.Under("trainer."), y.Map(root, "trainer", required: false) ?? new YamlMappingNode(), cfg);
        if (y.Map(root, "exp_manager", required: false) is { } exp && y.Bool(exp, "create_tensorboard_logger", "exp_manager.create_tensorboard_logger") is false)
            run.Notes.Add("exp_manager.create_tensorboard_logger: false, but TensorBoard event files are always written");
        InitFrom(y, root, run);
        return run;
    }

    static void Tokenizer(TrackedYaml m, YamlMappingNode model, AsrConfig cfg)
    {
        // char models list their labels; BPE models name a tokenizer folder
        if (m.Node(model, "labels") is YamlSequenceNode labels)
        {
            cfg.Tokenizer = new TokenizerConfig { Type = "char", Labels = labels.Children.Select(l => ((YamlScalarNode)l).Value ?? "").ToList() };
            return;
        }
        var tok = m.Map(model, "tokenizer", required: false) ?? throw m.Error("tokenizer", "is missing (a BPE model needs model.tokenizer.dir; a char model lists model.labels)");
        var type = m.Str(tok, "type", "tokenizer.type") ?? "bpe";
        if (type != "bpe") throw m.Error("tokenizer.type", $"'{type}' is not supported: bpe (a SentencePiece tokenizer.model in tokenizer.dir); WordPiece 'wpe' is not");
        cfg.Tokenizer = new TokenizerConfig { Type = "spe", Dir = m.Str(tok, "dir", "tokenizer.dir") ?? throw m.Error("tokenizer.dir", "is missing (the folder holding tokenizer.model)") };
    }

    static void TrainData(TrackedYaml m, YamlMappingNode? ds, AsrConfig cfg, LoadedConfig run, int rate)
    {
        if (ds is null) return;
        const string S = "train_ds.";
        var t = cfg.Train;
        run.TrainManifests.AddRange(Manifests(m.Strings(ds, "manifest_filepath", S + "manifest_filepath")));
        CheckRate(m, ds, S, rate);
        t.BatchSize = m.Int(ds, "batch_size", S + "batch_size") ?? t.BatchSize;
        t.NumWorkers = m.Int(ds, "num_workers", S + "num_workers") ?? t.NumWorkers;
        t.MaxDuration = m.Double(ds, "max_duration", S + "max_duration") ?? t.MaxDuration;
        t.MinDuration = m.Double(ds, "min_duration", S + "min_duration") ?? t.MinDuration;
        t.IsTarred = m.Bool(ds, "is_tarred", S + "is_tarred") ?? t.IsTarred;
        t.TarredAudioFilepaths = m.Str(ds, "tarred_audio_filepaths", S + "tarred_audio_filepaths") ?? t.TarredAudioFilepaths;
        t.ShuffleN = m.Int(ds, "shuffle_n", S + "shuffle_n") ?? t.ShuffleN;
        t.ShardStrategy = m.Str(ds, "tarred_shard_strategy", S + "tarred_shard_strategy") ?? t.ShardStrategy;
        // training batches are always shuffled here (within duration buckets)
        m.Require(m.Bool(ds, "shuffle", S + "shuffle") is null or true, S + "shuffle", "must be true (training data is always shuffled)");
        m.Require(m.Bool(ds, "use_start_end_token", S + "use_start_end_token") is null or false, S + "use_start_end_token", "must be false (transducers here have no BOS/EOS tokens)");
        if (m.Bool(ds, "trim_silence", S + "trim_silence") == true)
        {
            cfg.Augment.Audio ??= new AudioAugmentation();
            cfg.Augment.Audio.TrimSilence = new SilenceTrim();   // librosa.effects.trim's defaults, as NeMo's
        }
        Augmentor(m, m.Map(ds, "augmentor", required: false, path: S + "augmentor"), cfg);
    }

    // NeMo's process_augmentations: the perturbations with the same meaning here; the others stay in the "not used" report
    static void Augmentor(TrackedYaml m, YamlMappingNode? a, AsrConfig cfg)
    {
        if (a is null) return;
        const string S = "train_ds.augmentor.";
        if (m.Map(a, "silence", required: false, path: S + "silence") is { } s)
        {
            const string P = S + "silence.";
            var d = new SilencePerturbation();
            (cfg.Augment.Audio ??= new AudioAugmentation()).Silence = new SilencePerturbation
            {
                Probability = m.Double(s, "prob", P + "prob") ?? d.Probability,
                MinStartSeconds = m.Double(s, "min_start_silence_secs", P + "min_start_silence_secs") ?? d.MinStartSeconds,
                MaxStartSeconds = m.Double(s, "max_start_silence_secs", P + "max_start_silence_secs") ?? d.MaxStartSeconds,
                MinEndSeconds = m.Double(s, "min_end_silence_secs", P + "min_end_silence_secs") ?? d.MinEndSeconds,
                MaxEndSeconds = m.Double(s, "max_end_silence_secs", P + "max_end_silence_secs") ?? d.MaxEndSeconds,
                Value = m.Double(s, "value", P + "value") ?? d.Value,
            };
        }
        if (m.Map(a, "gain", required: false, path: S + "gain") is { } g)
        {
            const string P = S + "gain.";
            var d = new GainPerturbation();
            (cfg.Augment.Audio ??= new AudioAugmentation()).Gain = new GainPerturbation
            {
                Probability = m.Double(g, "prob", P + "prob") ?? d.Probability,
                MinGainDb = m.Double(g, "min_gain_dbfs", P + "min_gain_dbfs") ?? d.MinGainDb,
                MaxGainDb = m.Double(g, "max_gain_dbfs", P + "max_gain_dbfs") ?? d.MaxGainDb,
            };
        }
    }

    static void ValidationData(TrackedYaml m, YamlMappingNode? ds, AsrConfig cfg, LoadedConfig run, int rate)
    {
        if (ds is null) return;
        const string S = "validation_ds.";
        var given = m.Strings(ds, "manifest_filepath", S + "manifest_filepath");
        run.ValManifests.AddRange(Manifests(given));
        CheckRate(m, ds, S, rate);
        cfg.Train.ValBatchSize = m.Int(ds, "batch_size", S + "batch_size") ?? cfg.Train.ValBatchSize;
        m.Require(m.Bool(ds, "shuffle", S + "shuffle") is null or false, S + "shuffle", "must be false");
        m.Require(m.Bool(ds, "use_start_end_token", S + "use_start_end_token") is null or false, S + "use_start_end_token", "must be false");
    }

    // NeMo takes a list or one comma-separated string
    static IEnumerable<string> Manifests(List<string>? given) =>
        (given ?? new List<string>()).SelectMany(s => s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    // NeMo resamples the audio to the dataset's rate, which must be the preprocessor's; here audio is resampled to the preprocessor's
    static void CheckRate(TrackedYaml m, YamlMappingNode ds, string section, int rate) =>
        m.Require(m.Int(ds, "sample_rate", section + "sample_rate") is not { } dsRate || dsRate == rate,
            section + "sample_rate", $"must equal model.sample_rate {rate}");

    static void SpecAugmentation(TrackedYaml m, YamlMappingNode? s, AsrConfig cfg)
    {
        if (s is null) return;
        const string S = "spec_augment.";
        if (m.Str(s, "_target_", S + "_target_") is { } t && !t.EndsWith("SpectrogramAugmentation", StringComparison.Ordinal))
            throw m.Error(S + "_target_", $"'{t}' is not SpectrogramAugmentation");
        var a = new SpecAugment
        {
            FreqMasks = m.Int(s, "freq_masks", S + "freq_masks") ?? 0,
            FreqWidth = m.Int(s, "freq_width", S + "freq_width") ?? 10,
            TimeMasks = m.Int(s, "time_masks", S + "time_masks") ?? 0,
            TimeWidth = m.Double(s, "time_width", S + "time_width") ?? 10,
            MaskValue = m.Double(s, "mask_value", S + "mask_value") ?? 0,
        };
        cfg.Augment.SpecAugment = a.Enabled ? a : null;
    }

    static void Loss(TrackedYaml m, YamlMappingNode model, AsrConfig cfg)
    {
        var loss = m.Map(model, "loss", required: false);
        var name = m.Str(loss, "loss_name", "loss.loss_name") ?? "default";
        m.Require(name is "default" or "warprnnt_numba" or "warprnnt" or "pytorch", "loss.loss_name", $"'{name}' is not supported (the plain RNN-T loss: default)");
        var kwargs = m.Map(loss, "warprnnt_numba_kwargs", required: false, path: "loss.warprnnt_numba_kwargs");
        cfg.Loss.FastemitLambda = m.Double(kwargs, "fastemit_lambda", "loss.warprnnt_numba_kwargs.fastemit_lambda") ?? 0;
        if (m.Double(kwargs, "clamp", "loss.warprnnt_numba_kwargs.clamp") is > 0 and var clamp) cfg.Loss.Clamp = clamp;
        var greedy = m.Map(m.Map(model, "decoding", required: false), "greedy", required: false, path: "decoding.greedy");
        cfg.Train.MaxSymbolsPerFrame = m.Int(greedy, "max_symbols", "decoding.greedy.max_symbols") ?? cfg.Train.MaxSymbolsPerFrame;
    }

    static void Optimizer(TrackedYaml m, YamlMappingNode? o, AsrConfig cfg, LoadedConfig run)
    {
        if (o is null) return;
        var c = cfg.Optim;
        var name = (m.Str(o, "name", "optim.name") ?? "adamw").ToLowerInvariant();
        c.Name = name is "sgd" ? "sgd" : "adamw";
        if (name is not ("adamw" or "sgd"))
            run.Notes.Add($"model.optim.name: {name} is not available here; AdamW is used with the lr, betas and weight_decay given");
        c.Lr = m.Double(o, "lr", "optim.lr") ?? c.Lr;
        if (m.Node(o, "betas") is YamlSequenceNode betas)
            c.Betas = betas.Children.Select((b, i) => m.ParseDouble(((YamlScalarNode)b).Value ?? "", $"optim.betas[{i}]")).ToList();
        c.WeightDecay = m.Double(o, "weight_decay", "optim.weight_decay") ?? 0;   // PyTorch's optimizers default to none
        c.Eps = m.Double(o, "eps", "optim.eps") ?? c.Eps;
        c.Momentum = m.Double(o, "momentum", "optim.momentum") ?? c.Momentum;
        c.NoDecay = new List<string>();   // NeMo decays every parameter (SharpASR's own default leaves out biases, norms, embeddings)
        var sched = m.Map(o, "sched", required: false, path: "optim.sched");
        if (sched is null)
        {
            cfg.Schedule.Name = "constant";
            return;
        }
        var s = cfg.Schedule;
        var kind = m.Str(sched, "name", "optim.sched.name") ?? "CosineAnnealing";
        s.Name = kind switch
        {
            "NoamAnnealing" => "noam",
            "CosineAnnealing" => "cosine",
            _ => throw m.Error("optim.sched.name", $"'{kind}' is not available (NoamAnnealing or CosineAnnealing)"),
        };
        s.DModel = m.Int(sched, "d_model", "optim.sched.d_model") ?? s.DModel;
        s.WarmupSteps = m.Int(sched, "warmup_steps", "optim.sched.warmup_steps") ?? 0;
        if (m.Double(sched, "warmup_ratio", "optim.sched.warmup_ratio") is { } ratio) s.WarmupRatio = ratio;
        s.MinLr = m.Double(sched, "min_lr", "optim.sched.min_lr") ?? 0;
        // PyTorch's "start from the beginning"; a run continues with --resume instead
        m.Require(m.Int(sched, "last_epoch", "optim.sched.last_epoch") is null or -1, "optim.sched.last_epoch", "must be -1 (continue a run with --resume)");
    }

    static void Trainer(TrackedYaml tr, YamlMappingNode t, AsrConfig cfg)
    {
        var train = cfg.Train;
        // max_steps null or -1: NeMo trains max_epochs epochs; both set: whichever comes first
        // (Lightning: neither set means 1000 epochs)
        train.Steps = tr.Int(t, "max_steps") is { } steps and > 0 ? steps : 0;
        train.MaxEpochs = tr.Int(t, "max_epochs") is { } epochs and > 0 ? epochs : train.Steps > 0 ? 0 : 1000;
        train.GradAccumulation = tr.Int(t, "accumulate_grad_batches") ?? 1;
        cfg.Optim.ClipNorm = tr.Double(t, "gradient_clip_val") ?? 0;
        tr.Require(tr.Str(t, "gradient_clip_algorithm") is null or "norm", "gradient_clip_algorithm", "must be norm");
        train.LogEvery = tr.Int(t, "log_every_n_steps") ?? train.LogEvery;
        train.Precision = (tr.Str(t, "precision") ?? "32") switch
        {
            "32" or "32-true" => "fp32",
            "16" or "16-mixed" => "fp16",
            "bf16" or "bf16-mixed" => "bf16",
            var p => throw tr.Error("precision", $"'{p}' is not supported (32, 16 or bf16)"),
        };
        // val_check_interval: a fraction of an epoch (float) or a number of steps (int), every check_val_every_n_epoch epochs
        var interval = tr.Str(t, "val_check_interval") ?? "1.0";
        int everyN = tr.Int(t, "check_val_every_n_epoch") ?? 1;
        if (interval.Contains('.') || interval.Contains('e')) train.ValEveryEpochs = tr.ParseDouble(interval, "val_check_interval") * everyN;
        else train.ValEvery = int.Parse(interval, System.Globalization.CultureInfo.InvariantCulture);
        tr.Require(tr.Str(t, "resume_from_checkpoint") is null, "resume_from_checkpoint", "is not read here: continue a run with --resume and its --output-dir");
    }

    /// <summary>init_from_nemo_model (a path, or NeMo's dict form with include/exclude); a download cannot happen here.</summary>
    static void InitFrom(TrackedYaml y, YamlMappingNode root, LoadedConfig run)
    {
        foreach (var key in new[] { "init_from_pretrained_model", "init_from_ptl_ckpt" })
            if (y.Node(root, key) is { } n && !TrackedYaml.IsNull(n))
                throw y.Error(key, key == "init_from_pretrained_model"
                    ? "names a model to download from NGC or Hugging Face; nothing is downloaded here: fetch the .nemo file and give init_from_nemo_model=PATH"
                    : "(a PyTorch Lightning checkpoint) is not read here: give init_from_nemo_model=PATH.nemo");
        switch (y.Node(root, "init_from_nemo_model"))
        {
            case null:
                return;
            case YamlScalarNode s when !TrackedYaml.IsNull(s):
                run.InitFrom = s.Value;
                return;
            case YamlMappingNode sources:
                if (sources.Children.Count != 1) throw y.Error("init_from_nemo_model", "names several models; SharpASR initialises from one");
                var (name, value) = sources.Children.First();
                var source = value as YamlMappingNode ?? throw y.Error($"init_from_nemo_model.{name}", "is not a mapping (path, include, exclude)");
                var where = $"init_from_nemo_model.{name}.";
                run.InitFrom = y.Str(source, "path", where + "path") ?? throw y.Error(where + "path", "is missing");
                run.InitInclude.AddRange(y.Strings(source, "include", where + "include") ?? new List<string>());
                run.InitExclude.AddRange(y.Strings(source, "exclude", where + "exclude") ?? new List<string>());
                return;
        }
    }
}
