namespace SharpAsr.Config;

/// <summary>
/// A whole config file: featurizer, tokenizer, text normalisation, model, loss, optimizer, schedule and
/// training sections. Keys are snake_case; docs/configs.md lists each key (generated from these classes).
/// </summary>
public sealed class AsrConfig
{
    /// <summary>The config's name (NeMo's top-level name), shown by <c>sharpasr model info</c> and dry runs.</summary>
    public string Name { get; set; } = "model";
    public FeaturizerConfig Preprocessor { get; set; } = new();
    public TokenizerConfig Tokenizer { get; set; } = new();
    public TextNormalizerOptions Text { get; set; } = new();
    public ModelConfig Model { get; set; } = new();
    public LossConfig Loss { get; set; } = new();
    public OptimConfig Optim { get; set; } = new();
    public ScheduleConfig Schedule { get; set; } = new();
    public TrainConfig Train { get; set; } = new();
    public AugmentConfig Augment { get; set; } = new();

    public static AsrConfig Load(string path, IEnumerable<string>? overrides = null) => ConfigLoader.Load<AsrConfig>(path, overrides);
}

public sealed class TokenizerConfig
{
    /// <summary>char (labels below, or built from the training text when empty) or spe (a SentencePiece folder in dir).</summary>
    public string Type { get; set; } = "char";
    /// <summary>char: the tokens in id order, one character each (NeMo labels); unset = built from the training text.</summary>
    public List<string>? Labels { get; set; }
    /// <summary>SentencePiece: folder holding tokenizer.model (as NeMo's tokenizer.dir).</summary>
    public string? Dir { get; set; }
    /// <summary>SentencePiece: the .model file itself (caiman's tokenizer.sentpiece_model), instead of <see cref="Dir"/>.</summary>
    public string? ModelPath { get; set; }
    /// <summary>
    /// Tokens (blank excluded) when neither labels nor a tokenizer folder are at hand, e.g. to size a
    /// model in <c>sharpasr model info</c> before the tokenizer is trained. Labels or the model file win.
    /// </summary>
    public int? VocabSize { get; set; }
}

public sealed class LossConfig
{
    /// <summary>rnnt (the exact loss) or pruned (k2's pruned RNN-T: simple loss + pruned loss, mixed by a warm-up schedule).</summary>
    public string Type { get; set; } = "rnnt";
    public PrunedLossConfig Pruned { get; set; } = new();
    /// <summary>mean_batch (NeMo's default), mean_volume (÷ target tokens), mean, sum.</summary>
    public string Reduction { get; set; } = "mean_batch";
    /// <summary>plain (the padded box), packed (each utterance's own cells) or sub_batched (joint + loss sub_batch utterances at a time); docs/training.md.</summary>
    public string JointMode { get; set; } = "plain";
    /// <summary>Utterances per joint call with joint_mode sub_batched (NeMo fused_batch_size).</summary>
    public int SubBatch { get; set; } = 4;
    /// <summary>FastEmit λ: label-path gradients × (1 + λ), the loss value unchanged (0 = off).</summary>
    public double FastemitLambda { get; set; }
    /// <summary>Delay penalty λ: the label log-prob at frame t gets + λ·((T−1)/2 − t) (0 = off).</summary>
    public double DelayPenalty { get; set; }
    /// <summary>Clamp each logits-gradient element to ±clamp (unset = off).</summary>
    public double? Clamp { get; set; }
    /// <summary>Weight w of an auxiliary CTC loss on the encoder (NeMo hybrid models' aux_ctc.ctc_loss_weight): the loss is (1 − w)·transducer + w·CTC, the CTC term reduced as loss.reduction; 0 = off.</summary>
    public double CtcWeight { get; set; }
}

/// <summary>loss.pruned: k2/icefall's pruned RNN-T settings.</summary>
public sealed class PrunedLossConfig
{
    /// <summary>Predictor positions kept per frame (k2 s_range).</summary>
    public int SRange { get; set; } = 5;
    /// <summary>
    /// Weight of the predictor-only log-probs in the simple loss. k2/icefall use 0.25 (BPE, far fewer tokens than
    /// frames); 0 here because that term is highest for alignments that emit every token before the audio says it,
    /// and on a character model (about one token per frame) it drove the pruned ranges, and with them the model,
    /// ahead of the speech: demo test WER 49 % with 0.25 vs 19 % with 0 (docs/performance.md, what was tried).
    /// </summary>
    public double LmScale { get; set; }
    /// <summary>Weight of the encoder-only log-probs in the simple loss (k2 am_only_scale; 0.25 was worse on the demo).</summary>
    public double AmScale { get; set; }
    /// <summary>Weight of the simple loss after the warm-up (it starts at 1; the pruned loss goes 0.1 → 1).</summary>
    public double SimpleScale { get; set; } = 0.5;
    /// <summary>Steps over which the simple/pruned mix moves from (1, 0.1) to (simple_scale, 1).</summary>
    public int WarmupSteps { get; set; } = 2000;
}

public sealed class OptimConfig
{
    /// <summary>adamw or sgd.</summary>
    public string Name { get; set; } = "adamw";
    /// <summary>Peak learning rate (the schedule scales it).</summary>
    public double Lr { get; set; } = 4e-3;
    /// <summary>Adam β1, β2.</summary>
    public List<double> Betas { get; set; } = new() { 0.9, 0.999 };
    /// <summary>Adam's ε.</summary>
    public double Eps { get; set; } = 1e-8;
    /// <summary>Decoupled weight decay (AdamW) or L2 (SGD), except for no_decay parameters.</summary>
    public double WeightDecay { get; set; } = 1e-2;
    /// <summary>SGD momentum.</summary>
    public double Momentum { get; set; } = 0.9;
    /// <summary>Regular expressions of parameter names that get no weight decay (biases, norms, embeddings).</summary>
    public List<string> NoDecay { get; set; } = new() { @"\.bias$", @"norm", @"embed" };
    /// <summary>Global gradient-norm clip (0 = off).</summary>
    public double ClipNorm { get; set; } = 1.0;
}

public sealed class TrainConfig
{
    /// <summary>Utterances per micro-batch on each rank (NeMo's train_ds.batch_size, per GPU).</summary>
    public int BatchSize { get; set; } = 16;
    /// <summary>
    /// Utterances per optimizer step over all ranks and accumulated micro-batches (caiman's --global_batch_size); when set
    /// (above 0), batch_size becomes global_batch_size ÷ (ranks × grad_accumulation), which must divide exactly.
    /// </summary>
    public int GlobalBatchSize { get; set; }
    /// <summary>Micro-batches accumulated per optimizer step.</summary>
    public int GradAccumulation { get; set; } = 1;
    /// <summary>Optimizer steps to train; 0 = as many as max_epochs takes.</summary>
    public int Steps { get; set; } = 1000;
    /// <summary>Stop after this many epochs (NeMo trainer.max_epochs); 0 = no limit. With steps too, whichever comes first.</summary>
    public int MaxEpochs { get; set; }
    /// <summary>Validate every this many steps.</summary>
    public int ValEvery { get; set; } = 250;
    /// <summary>Validate every this many epochs (NeMo val_check_interval 0.25 = four times an epoch); above 0 it sets val_every.</summary>
    public double ValEveryEpochs { get; set; }
    /// <summary>Utterances per validation batch; 0 = batch_size.</summary>
    public int ValBatchSize { get; set; }
    /// <summary>Save a step-N checkpoint every this many steps.</summary>
    public int SaveEvery { get; set; } = 500;
    /// <summary>Print a progress line every this many steps.</summary>
    public int LogEvery { get; set; } = 10;
    /// <summary>Training utterances shorter than this (seconds) are dropped and counted.</summary>
    public double MinDuration { get; set; } = 0.1;
    /// <summary>Training utterances longer than this (seconds) are dropped and counted.</summary>
    public double MaxDuration { get; set; } = 20;
    /// <summary>Duration buckets of the batch sampler (similar lengths batched together).</summary>
    public int NumBuckets { get; set; } = 8;
    /// <summary>SortaGrad (Deep Speech 2; ESPnet's <c>sortagrad</c>): the first this many epochs take the same batches shortest first instead of shuffled (and without the longest batch first); 0 = off. Audio-file manifests only.</summary>
    public int Sortagrad { get; set; }
    /// <summary>Background workers that decode and featurize batches.</summary>
    public int NumWorkers { get; set; } = 1;
    /// <summary>libtorch threads of the training steps (torch.set_num_threads); 0: OMP_NUM_THREADS when set (the distributed launcher sets cores ÷ processes), else 1 — matmuls run in single-threaded OpenBLAS and the loader needs a core, so on 2 cores a second thread was slower with an LSTM encoder; oneDNN splits convolutions over the threads, so a convolutional encoder trained faster with two (Training/TrainingThreads).</summary>
    public int NumThreads { get; set; }
    /// <summary>Batches prepared ahead of training.</summary>
    public int Prefetch { get; set; } = 4;
    /// <summary>Seed of every random choice (batch order, dither, augmentation, initial weights).</summary>
    public int Seed { get; set; } = 1;
    /// <summary>fail, drop_line or drop_character, for transcripts the tokenizer cannot encode.</summary>
    public string Unencodable { get; set; } = "fail";
    /// <summary>Validation uses at most this many utterances per set (0 = all).</summary>
    public int MaxValUtterances { get; set; }
    /// <summary>Abort after this many steps in a row skipped for a non-finite loss or gradient norm.</summary>
    public int MaxBadSteps { get; set; } = 20;
    /// <summary>Greedy decoding: most symbols emitted per encoder frame.</summary>
    public int MaxSymbolsPerFrame { get; set; } = 5;
    /// <summary>Decay of the weights' exponential moving average (caiman: 0.999); 0 switches EMA off. With EMA on, validation and the final evaluation use the averaged weights.</summary>
    public double EmaDecay { get; set; } = 0.999;
    /// <summary>Time each training phase (the --profile flag): a line every log_every steps and a table at the end.</summary>
    public bool Profile { get; set; }
    /// <summary>Beam of the final evaluation on the validation sets after training (modified beam search); 1 or less: greedy only.</summary>
    public int FinalBeamSize { get; set; } = 4;
    /// <summary>beam (Graves / NeMo: several symbols per frame, the safe choice for character models) or modified_beam (icefall: faster, one symbol per frame).</summary>
    public string FinalBeamStrategy { get; set; } = "beam";
    /// <summary>fp32, bf16 (the joint and a contextnet encoder's convolutions in bfloat16, fp32 master weights, batch norms and loss) or fp16 (CUDA only; refused on CPU). See Training/MixedPrecision.</summary>
    public string Precision { get; set; } = "fp32";
    /// <summary>
    /// Flush denormal floats to zero while training (torch.set_flush_denormal): RNN-T gradients far from the alignment
    /// underflow to denormals, which make CPU matmuls several times slower; values below 1e-38 change nothing a
    /// model learns.
    /// </summary>
    public bool FlushDenormal { get; set; } = true;

    // ---- training data (issue 5): transcript filter, tarred shards (NeMo's key names) ----
    /// <summary>Drop training utterances whose normalised transcript is longer than this many characters (0 = no limit).</summary>
    public int MaxTranscriptChars { get; set; }
    /// <summary>Drop training utterances with more tokens than this (0 = no limit).</summary>
    public int MaxTokens { get; set; }
    /// <summary>The --train-manifests manifest is a tarred_audio_manifest.json and the audio is read from tar shards.</summary>
    public bool IsTarred { get; set; }
    /// <summary>With is_tarred: the shards, one brace pattern (audio_{0..127}.tar, _OP_/_CL_ for braces), relative to the manifest's folder unless rooted.</summary>
    public string? TarredAudioFilepaths { get; set; }
    /// <summary>With is_tarred: samples held in the shuffle buffer (0 or 1: stream order).</summary>
    public int ShuffleN { get; set; } = 2048;
    /// <summary>With is_tarred and several ranks: scatter (each rank its own shards) or replicate (every rank all shards).</summary>
    public string ShardStrategy { get; set; } = "scatter";
}
