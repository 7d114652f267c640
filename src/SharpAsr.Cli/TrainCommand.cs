using System.CommandLine;
using SharpAsr.Config;
using SharpAsr.Data.Prepare;
using SharpAsr.Data.Tarred;
using SharpAsr.Training;
using SharpAsr.Training.Distributed;

namespace SharpAsr.Cli;

/// <summary>
/// <c>sharpasr train --config X.yaml [flags] [dotted.overrides=v …]</c>. The config may be SharpASR's, NeMo's or
/// caiman's own file (see TrainingConfigFile); NeMo's <c>--config-path/--config-name</c> name it too. Every flag is also
/// accepted with underscores as caiman writes them (<c>--train_manifests</c>), and caiman's own names are aliases
/// (<c>--model_config</c>, <c>--num_gpus</c>, <c>--min_learning_rate</c>). Precedence: the file, then the dotted
/// overrides on the file's own keys, then the flags (for SharpASR's files: the flags, then the overrides, last wins).
/// </summary>
internal static class TrainCommand
{
    public static Command Create()
    {
        var cmd = new Command("train", "train or fine-tune a transducer");
        var config = new Option<string?>("--config", "--model_config") { Description = "model + training YAML: SharpASR's (configs/*.yaml), NeMo's or caiman's" };
        var configPath = new Option<string?>("--config-path") { Description = "NeMo/Hydra: the folder of --config-name" };
        var configName = new Option<string?>("--config-name") { Description = "NeMo/Hydra: the config file in --config-path (.yaml may be left out)" };
        var train = new Option<string[]>("--train-manifests") { Description = "NeMo JSON-lines manifests to train on (default: the config's model.train_ds.manifest_filepath); path:weight samples a manifest weight times per epoch (2 = twice, 0.5 = a random half); with train.is_tarred the tarred_audio_manifest.json", AllowMultipleArgumentsPerToken = true };
        var val = new Option<string[]>("--val-manifests") { Description = "manifests to validate on (WER)", AllowMultipleArgumentsPerToken = true };
        var valAudioDir = new Option<string?>("--val-audio-dir") { Description = "caiman: validate on this audio folder, with --val-txt-dir's same-stem .txt transcripts" };
        var valTxtDir = new Option<string?>("--val-txt-dir") { Description = "caiman: the transcripts of --val-audio-dir" };
        // caiman's WebDataset shards (docs/caiman.md): audio + same-key .txt members; names/globs in --data-dir, or paths
        var trainTars = new Option<string[]>("--train-tar-files") { Description = "caiman: train on WebDataset tar shards (each audio member beside its same-key .txt transcript) instead of manifests: names or globs of files in --data-dir, or paths when --data-dir is / or not given", AllowMultipleArgumentsPerToken = true };
        var valTars = new Option<string[]>("--val-tar-files") { Description = "caiman: validate on WebDataset tar shards (as --train-tar-files; unpacked once into a temporary folder)", AllowMultipleArgumentsPerToken = true };
        var readFromTar = new Option<bool>("--read-from-tar") { Description = "caiman: the data are --train-tar-files / --val-tar-files (accepted; giving those is enough)" };
        var dataDir = new Option<string?>("--data-dir", "--dataset_dir") { Description = "relative audio paths resolve here instead of the manifest's folder" };
        var output = new Option<string>("--output-dir") { Description = "checkpoints, logs, TensorBoard files", DefaultValueFactory = _ => "out" };
        var resume = new Option<bool>("--resume") { Description = "continue the run in --output-dir from its last checkpoint" };
        // fine-tuning (docs/training.md): weights only, fresh optimizer and schedule
        var initFrom = new Option<string?>("--init-from", "--ckpt") { Description = "fine-tune: initial weights from a checkpoint folder, .sasr or .nemo file (tensors that do not fit are reported, not fatal)" };
        var fineTune = new Option<bool>("--fine-tune") { Description = "caiman: start from --init-from (--ckpt) with a fresh optimizer and schedule, which is what --init-from does" };
        var skipCheck = new Option<bool>("--skip-state-dict-check") { Description = "caiman: load the --init-from tensors that fit and report the rest, which --init-from always does" };
        var initInclude = new Option<string[]>("--init-include") { Description = "take only tensors whose name contains one of these (or matches it as a regular expression)", AllowMultipleArgumentsPerToken = true };
        var initExclude = new Option<string[]>("--init-exclude") { Description = "do not take tensors whose name contains one of these (or matches it as a regular expression)", AllowMultipleArgumentsPerToken = true };
        var freezeEncoder = new Option<bool>("--freeze-encoder") { Description = "do not train the encoder (its parameters stay out of the optimizer)" };
        var dryRun = new Option<bool>("--dry-run") { Description = "print the resolved config, the model size, the hours of data and the number of steps, then exit" };
        var profile = new Option<bool>("--profile") { Description = "time each training phase (sets train.profile)" };
        var timestamp = new Option<string?>("--timestamp") { Description = "caiman: the timestamp in training_log_TIMESTAMP.txt and training_args_TIMESTAMP.json (default: now)" };
        // data parallelism (docs/distributed.md): --nproc launches local workers; torchrun-style
        // variables (RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT) make this process one of them
        var nproc = new Option<int>("--nproc", "--num_gpus") { Description = "start N local worker processes (data-parallel, c10d)", DefaultValueFactory = _ => 1 };
        var distBackend = new Option<string?>("--dist-backend") { Description = "gloo or nccl (default: nccl with CUDA, else gloo)" };
        var distTimeout = new Option<double>("--dist-timeout") { Description = "seconds a rank waits for rendezvous or a collective before failing", DefaultValueFactory = _ => 300 };
        // caiman-style flags: each is shorthand for one config key
        var flagKeys = new (Option<string?> Option, string Key)[]
        {
            (new Option<string?>("--training-steps"), "train.steps"),
            (new Option<string?>("--global-batch-size") { Description = "utterances per optimizer step over all processes and accumulated micro-batches (caiman's meaning); each process takes global ÷ (processes × accumulation)" }, "train.global_batch_size"),
            (new Option<string?>("--micro-batch-size") { Description = "utterances per micro-batch on each process (NeMo's train_ds.batch_size); --global-batch-size replaces it" }, "train.batch_size"),
            (new Option<string?>("--grad-accumulation-batches"), "train.grad_accumulation"),
            (new Option<string?>("--val-batch-size"), "train.val_batch_size"),
            (new Option<string?>("--lr"), "optim.lr"),
            (new Option<string?>("--min-lr", "--min_learning_rate"), "schedule.min_lr"),
            (new Option<string?>("--warmup-steps"), "schedule.warmup_steps"),
            (new Option<string?>("--hold-steps"), "schedule.hold_steps"),
            (new Option<string?>("--half-life-steps"), "schedule.half_life_steps"),
            (new Option<string?>("--save-frequency"), "train.save_every"),
            (new Option<string?>("--val-frequency"), "train.val_every"),
            (new Option<string?>("--seed"), "train.seed"),
        };
        var rest = new Argument<string[]>("overrides") { Description = "dotted overrides of the config file's own keys, e.g. optim.lr=1e-3 (SharpASR), model.encoder.n_layers=2 (NeMo, Hydra rules: +new.key=v, ~drop.key)", Arity = ArgumentArity.ZeroOrMore };
        foreach (var o in new Option[] { config, configPath, configName, train, val, valAudioDir, valTxtDir, trainTars, valTars, readFromTar, dataDir, output, resume, initFrom, fineTune, skipCheck, initInclude, initExclude, freezeEncoder, dryRun, profile, timestamp, nproc, distBackend, distTimeout }) cmd.Options.Add(o);
        foreach (var (o, key) in flagKeys)
        {
            o.Description ??= $"sets {key}";
            cmd.Options.Add(o);
        }
        // caiman writes every flag with underscores
        foreach (var o in cmd.Options.Where(o => o.Name.StartsWith("--") && o.Name.IndexOf('-', 2) > 0))
            o.Aliases.Add(o.Name.Replace('-', '_').Replace("__", "--"));
        cmd.Arguments.Add(rest);
        cmd.SetAction(parse => CliErrors.Run(() =>
        {
            if (parse.GetValue(nproc) > 1 && !parse.GetValue(dryRun))   // a dry run launches nothing
            {
                var args = Environment.GetCommandLineArgs()[1..];
                foreach (var name in nproc.Aliases.Append(nproc.Name)) args = LocalLauncher.WithoutOption(args, name).ToArray();
                var (program, arguments) = LocalLauncher.SelfCommand(args);
                return LocalLauncher.Run(new LaunchOptions { Program = program, Arguments = arguments, NProc = parse.GetValue(nproc) });
            }
            var known = cmd.Options.Select(o => o.Name);
            var settings = flagKeys.Where(f => parse.GetValue(f.Option) is not null)
                .Select(f => $"{f.Key}={parse.GetValue(f.Option)}").ToList();
            if (parse.GetValue(profile)) settings.Add("train.profile=true");
            // manifest lists take several values, so words after them land there: dotted overrides and mistyped
            // --flags are taken back out (a manifest path never holds '=' and never starts with '-')
            var trainManifests = CliErrors.SplitManifests(parse.GetValue(train), out var trainExtra);
            var valManifests = CliErrors.SplitManifests(parse.GetValue(val), out var valExtra);
            var trainTarFiles = CliErrors.SplitManifests(parse.GetValue(trainTars), out var trainTarExtra);
            var valTarFiles = CliErrors.SplitManifests(parse.GetValue(valTars), out var valTarExtra);
            // the same for the tensor-name patterns (a regular expression never needs '=')
            var includes = CliErrors.SplitManifests(parse.GetValue(initInclude), out var includeExtra);
            var excludes = CliErrors.SplitManifests(parse.GetValue(initExclude), out var excludeExtra);
            var overrides = CliErrors.CheckOverrides(trainExtra.Concat(valExtra).Concat(trainTarExtra).Concat(valTarExtra).Concat(includeExtra).Concat(excludeExtra)
                .Concat(parse.GetValue(rest) ?? Array.Empty<string>()), known);
            var path = ConfigFile(parse.GetValue(config), parse.GetValue(configPath), parse.GetValue(configName));
            var loaded = TrainingConfigFile.Load(path, overrides, settings);
            var report = loaded.Report(path).ToList();
            valManifests.AddRange(FromFolders(parse.GetValue(valAudioDir), parse.GetValue(valTxtDir), report));
            if (parse.GetValue(readFromTar) && trainTarFiles.Count + valTarFiles.Count == 0)
                throw new ArgumentException("--read_from_tar reads WebDataset shards: give them with --train_tar_files and/or --val_tar_files");
            var trainTarPaths = trainTarFiles.Count > 0 ? WebDatasetFiles.Resolve(parse.GetValue(dataDir), trainTarFiles, "--train_tar_files") : new List<string>();
            var valTarPaths = valTarFiles.Count > 0 ? WebDatasetFiles.Resolve(parse.GetValue(dataDir), valTarFiles, "--val_tar_files") : new List<string>();
            WebDatasetFiles.CheckDisjoint(trainTarPaths, valTarPaths);
            if (!parse.GetValue(dryRun)) valManifests.AddRange(FromTars(valTarPaths, report));
            var initFromPath = parse.GetValue(initFrom) ?? loaded.InitFrom;
            if (parse.GetValue(fineTune) && initFromPath is null)
                throw new ArgumentException("--fine-tune starts from a checkpoint's weights: give it with --init-from (caiman: --ckpt)");
            if (parse.GetValue(skipCheck)) report.Add("--skip_state_dict_check: --init-from always loads the tensors that fit and reports the others");
            var options = new TrainOptions
            {
                ConfigPath = path,
                Overrides = overrides.Concat(settings).ToList(),
                // tar files replace the training manifests, including a NeMo file's own
                TrainManifests = trainManifests.Count > 0 || trainTarPaths.Count > 0 ? trainManifests : loaded.TrainManifests,
                TrainTarFiles = trainTarPaths,
                ValManifests = valManifests.Count > 0 ? valManifests : loaded.ValManifests,
                DataDir = parse.GetValue(dataDir),
                OutputDir = parse.GetValue(output)!,
                Resume = parse.GetValue(resume),
                InitFrom = initFromPath,
                InitInclude = includes.Count > 0 ? includes : loaded.InitInclude,
                InitExclude = excludes.Count > 0 ? excludes : loaded.InitExclude,
                FreezeEncoder = parse.GetValue(freezeEncoder) || loaded.FreezeEncoder,
                ConfigReport = report,
                Timestamp = parse.GetValue(timestamp),
            };
            if (options.TrainManifests.Count == 0 && options.TrainTarFiles.Count == 0)
                throw new ArgumentException("no training manifests: give --train-manifests (in a NeMo file: model.train_ds.manifest_filepath=…; caiman's tar shards: --train_tar_files)");
            if (parse.GetValue(dryRun))
                return TrainDryRun.Print(loaded.Config, options, Math.Max(1, parse.GetValue(nproc)), parse.InvocationConfiguration.Output);
            using var dist = DistributedContext.FromEnvironment(parse.GetValue(distBackend), TimeSpan.FromSeconds(parse.GetValue(distTimeout)));
            using var trainer = new Trainer(loaded.Config, options, dist);
            using var cancel = new CancellationTokenSource();
            // Ctrl-C / SIGTERM: finish the current step, save 'last', exit cleanly
            using var sigint = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGINT, c => { c.Cancel = true; cancel.Cancel(); });
            using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, c => { c.Cancel = true; cancel.Cancel(); });
            trainer.Run(cancel.Token);
            return 0;
        }, parse.InvocationConfiguration.Error));
        return cmd;
    }

    /// <summary>--config, or NeMo's --config-path + --config-name (Hydra adds .yaml to the name).</summary>
    static string ConfigFile(string? config, string? folder, string? name)
    {
        if (config is not null && name is not null) throw new ArgumentException("give the config either as --config or as --config-path/--config-name, not both");
        if (config is not null) return config;
        if (name is null) throw new ArgumentException("no config: give --config FILE (NeMo: --config-path=DIR --config-name=NAME; caiman: --model_config FILE)");
        if (!Path.HasExtension(name)) name += ".yaml";
        return folder is null ? name : Path.Combine(folder, name);
    }

    /// <summary>caiman's --val_tar_files: the shards' pairs unpacked into a temporary folder, with a manifest.</summary>
    static IEnumerable<string> FromTars(List<string> tars, List<string> report)
    {
        if (tars.Count == 0) yield break;
        var folder = Directory.CreateTempSubdirectory("sharpasr-val-tar-").FullName;
        var (manifest, count) = WebDatasetExtract.ToManifest(tars, folder);
        report.Add($"validation from {tars.Count} tar file(s) (--val_tar_files): {count} utterances unpacked into {folder}");
        yield return manifest;
    }

    /// <summary>caiman's --val_audio_dir + --val_txt_dir: a manifest of the pairs, written to a temporary folder.</summary>
    static IEnumerable<string> FromFolders(string? audioDir, string? txtDir, List<string> report)
    {
        if (audioDir is null && txtDir is null) yield break;
        if (audioDir is null || txtDir is null) throw new ArgumentException("--val-audio-dir and --val-txt-dir go together (audio files and their same-stem .txt transcripts)");
        var manifest = Path.Combine(Directory.CreateTempSubdirectory("sharpasr-val-").FullName, "val_from_dirs.json");
        var prepared = FromDirPreparer.FromTextFolder(audioDir, txtDir, manifest);
        report.Add($"validation from {audioDir} + {txtDir}: {prepared.Entries.Count} utterances in {manifest}" +
                   (prepared.Problems.Count > 0 ? $" ({prepared.Problems.Count} files left out: {prepared.Problems[0]} …)" : ""));
        yield return manifest;
    }
}
