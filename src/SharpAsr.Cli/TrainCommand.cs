using System.CommandLine;
using SharpAsr.Config;
using SharpAsr.Training;
using SharpAsr.Training.Distributed;

namespace SharpAsr.Cli;

/// <summary>
/// <c>sharpasr train --config X.yaml [caiman-style flags] [dotted.overrides=v …]</c>. Precedence: the
/// config file, then the flags, then the dotted overrides (last wins).
/// </summary>
internal static class TrainCommand
{
    public static Command Create()
    {
        var cmd = new Command("train", "train or fine-tune a transducer");
        var config = new Option<string>("--config") { Description = "model + training YAML (configs/*.yaml)", Required = true };
        var train = new Option<string[]>("--train-manifests") { Description = "NeMo JSON-lines manifests to train on; path:weight samples a manifest weight times per epoch (2 = twice, 0.5 = a random half); with train.is_tarred the tarred_audio_manifest.json", AllowMultipleArgumentsPerToken = true, Required = true };
        var val = new Option<string[]>("--val-manifests") { Description = "manifests to validate on (WER)", AllowMultipleArgumentsPerToken = true };
        var dataDir = new Option<string?>("--data-dir") { Description = "relative audio paths resolve here instead of the manifest's folder" };
        var output = new Option<string>("--output-dir") { Description = "checkpoints, logs, TensorBoard files", DefaultValueFactory = _ => "out" };
        var resume = new Option<bool>("--resume") { Description = "continue the run in --output-dir from its last checkpoint" };
        // fine-tuning (README "Training"): weights only, fresh optimizer and schedule
        var initFrom = new Option<string?>("--init-from") { Description = "fine-tune: initial weights from a checkpoint folder or .sasr file (tensors that do not fit are reported, not fatal)" };
        var initInclude = new Option<string[]>("--init-include") { Description = "take only tensors whose name contains one of these (or matches it as a regular expression)", AllowMultipleArgumentsPerToken = true };
        var initExclude = new Option<string[]>("--init-exclude") { Description = "do not take tensors whose name contains one of these (or matches it as a regular expression)", AllowMultipleArgumentsPerToken = true };
        var freezeEncoder = new Option<bool>("--freeze-encoder") { Description = "do not train the encoder (its parameters stay out of the optimizer)" };
        var profile = new Option<bool>("--profile") { Description = "time each training phase (sets train.profile)" };
        // data parallelism (README "Distributed training"): --nproc launches local workers; torchrun-style
        // variables (RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT) make this process one of them
        var nproc = new Option<int>("--nproc") { Description = "start N local worker processes (data-parallel, c10d)", DefaultValueFactory = _ => 1 };
        var distBackend = new Option<string?>("--dist-backend") { Description = "gloo or nccl (default: nccl with CUDA, else gloo)" };
        var distTimeout = new Option<double>("--dist-timeout") { Description = "seconds a rank waits for rendezvous or a collective before failing", DefaultValueFactory = _ => 300 };
        // caiman-style flags: each is shorthand for one config key
        var flagKeys = new (Option<string?> Option, string Key)[]
        {
            (new Option<string?>("--training-steps"), "train.steps"),
            (new Option<string?>("--global-batch-size"), "train.batch_size"),
            (new Option<string?>("--grad-accumulation-batches"), "train.grad_accumulation"),
            (new Option<string?>("--lr"), "optim.lr"),
            (new Option<string?>("--min-lr"), "schedule.min_lr"),
            (new Option<string?>("--warmup-steps"), "schedule.warmup_steps"),
            (new Option<string?>("--hold-steps"), "schedule.hold_steps"),
            (new Option<string?>("--half-life-steps"), "schedule.half_life_steps"),
            (new Option<string?>("--save-frequency"), "train.save_every"),
            (new Option<string?>("--val-frequency"), "train.val_every"),
            (new Option<string?>("--seed"), "train.seed"),
        };
        var rest = new Argument<string[]>("overrides") { Description = "dotted config overrides, e.g. optim.lr=1e-3 train.max_duration=16.7", Arity = ArgumentArity.ZeroOrMore };
        foreach (var o in new Option[] { config, train, val, dataDir, output, resume, initFrom, initInclude, initExclude, freezeEncoder, profile, nproc, distBackend, distTimeout }) cmd.Options.Add(o);
        foreach (var (o, key) in flagKeys)
        {
            o.Description = $"sets {key}";
            cmd.Options.Add(o);
        }
        cmd.Arguments.Add(rest);
        cmd.SetAction(parse => CliErrors.Run(() =>
        {
            if (parse.GetValue(nproc) > 1)
            {
                var (program, arguments) = LocalLauncher.SelfCommand(LocalLauncher.WithoutOption(Environment.GetCommandLineArgs()[1..], "--nproc"));
                return LocalLauncher.Run(new LaunchOptions { Program = program, Arguments = arguments, NProc = parse.GetValue(nproc) });
            }
            var known = cmd.Options.Select(o => o.Name);
            var overrides = flagKeys.Where(f => parse.GetValue(f.Option) is not null)
                .Select(f => $"{f.Key}={parse.GetValue(f.Option)}").ToList();
            if (parse.GetValue(profile)) overrides.Add("train.profile=true");
            // manifest lists take several values, so words after them land there: dotted overrides and mistyped
            // --flags are taken back out (a manifest path never holds '=' and never starts with '-')
            var trainManifests = CliErrors.SplitManifests(parse.GetValue(train), out var trainExtra);
            var valManifests = CliErrors.SplitManifests(parse.GetValue(val), out var valExtra);
            overrides.AddRange(CliErrors.CheckOverrides(trainExtra.Concat(valExtra).Concat(parse.GetValue(rest) ?? Array.Empty<string>()), known));
            var options = new TrainOptions
            {
                ConfigPath = parse.GetValue(config)!,
                Overrides = overrides,
                TrainManifests = trainManifests,
                ValManifests = valManifests,
                DataDir = parse.GetValue(dataDir),
                OutputDir = parse.GetValue(output)!,
                Resume = parse.GetValue(resume),
                InitFrom = parse.GetValue(initFrom),
                InitInclude = (parse.GetValue(initInclude) ?? Array.Empty<string>()).ToList(),
                InitExclude = (parse.GetValue(initExclude) ?? Array.Empty<string>()).ToList(),
                FreezeEncoder = parse.GetValue(freezeEncoder),
            };
            var cfg = AsrConfig.Load(options.ConfigPath, options.Overrides);
            using var dist = DistributedContext.FromEnvironment(parse.GetValue(distBackend), TimeSpan.FromSeconds(parse.GetValue(distTimeout)));
            using var trainer = new Trainer(cfg, options, dist);
            using var cancel = new CancellationTokenSource();
            // Ctrl-C / SIGTERM: finish the current step, save 'last', exit cleanly
            using var sigint = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGINT, c => { c.Cancel = true; cancel.Cancel(); });
            using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, c => { c.Cancel = true; cancel.Cancel(); });
            trainer.Run(cancel.Token);
            return 0;
        }, parse.InvocationConfiguration.Error));
        return cmd;
    }
}
