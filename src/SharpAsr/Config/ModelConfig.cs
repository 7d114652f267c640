
namespace SharpAsr.Config;

/// <summary>The model section of a config: encoder, predictor and joint, each chosen and sized here.</summary>
public sealed class ModelConfig
{
    public EncoderConfig Encoder { get; set; } = new();
    public PredictorConfig Predictor { get; set; } = new();
    public JointConfig Joint { get; set; } = new();
    /// <summary>
    /// Vocabulary-sized projections of the encoder and predictor outputs (icefall's <c>simple_am_proj</c>,
    /// <c>simple_lm_proj</c>) for the pruned loss's trivial joiner; switched on by the trainer with loss.type pruned.
    /// </summary>
    public bool SimpleProjections { get; set; }
    /// <summary>An encoder → V+1 projection for the auxiliary CTC loss (NeMo's hybrid models' ctc_decoder); switched on by the trainer with loss.ctc_weight above 0.</summary>
    public bool CtcHead { get; set; }
}

public sealed class EncoderConfig
{
    /// <summary>lstm (caiman-style), conformer (NeMo ConformerEncoder) or contextnet.</summary>
    public string Type { get; set; } = "lstm";
    /// <summary>LSTM layers before the time-stacking step.</summary>
    [ForType("lstm")]
    public int PreLayers { get; set; } = 2;
    /// <summary>LSTM layers after it.</summary>
    [ForType("lstm")]
    public int PostLayers { get; set; } = 3;
    [ForType("lstm")]
    public int Hidden { get; set; } = 1024;
    /// <summary>Frames concatenated (and the frame rate divided) between pre and post layers.</summary>
    [ForType("lstm")]
    public int StackTimeFactor { get; set; } = 2;
    /// <summary>Each LSTM layer also reads the utterance backwards (NeMo RNNEncoder's bidirectional): 2·hidden outputs, full-utterance context, no streaming.</summary>
    [ForType("lstm")]
    public bool Bidirectional { get; set; }
    [ForType("lstm", "conformer")]
    public double Dropout { get; set; } = 0.1;
    /// <summary>Initial bias of the LSTM forget gates (caiman: 1.0) so early training remembers.</summary>
    [ForType("lstm")]
    public double ForgetGateBias { get; set; } = 1.0;
    /// <summary>Scale applied to PyTorch's default uniform LSTM weight init (caiman: 0.5).</summary>
    [ForType("lstm")]
    public double WeightInitScale { get; set; } = 0.5;

    // ---- conformer (NeMo ConformerEncoder key names) ----
    [ForType("conformer")]
    public int DModel { get; set; } = 512;
    [ForType("conformer")]
    public int NHeads { get; set; } = 8;
    [ForType("conformer")]
    public int NLayers { get; set; } = 17;
    [ForType("conformer")]
    public int FfExpansionFactor { get; set; } = 4;
    [ForType("conformer")]
    public int ConvKernelSize { get; set; } = 31;
    /// <summary>striding (Conformer, 2-D convs) or dw_striding (FastConformer, depthwise-separable).</summary>
    [ForType("conformer")]
    public string Subsampling { get; set; } = "striding";
    /// <summary>Frame-rate reduction of the subsampling: a power of two (4 or 8).</summary>
    [ForType("conformer")]
    public int SubsamplingFactor { get; set; } = 4;
    /// <summary>Channels of the subsampling convolutions; -1 = d_model (NeMo's default).</summary>
    [ForType("conformer")]
    public int SubsamplingConvChannels { get; set; } = -1;
    /// <summary>Scale the subsampled frames by sqrt(d_model) before the layers.</summary>
    [ForType("conformer")]
    public bool Xscaling { get; set; } = true;
    /// <summary>Per-layer positional biases u, v (NeMo untie_biases).</summary>
    [ForType("conformer")]
    public bool UntieBiases { get; set; } = true;
    /// <summary>Dropout after positional encoding (NeMo dropout_pre_encoder).</summary>
    [ForType("conformer")]
    public double DropoutPreEncoder { get; set; } = 0.1;
    /// <summary>Dropout on the relative positional embeddings (NeMo dropout_emb).</summary>
    [ForType("conformer")]
    public double DropoutEmb { get; set; } = 0.0;
    /// <summary>Dropout on attention weights (NeMo dropout_att).</summary>
    [ForType("conformer")]
    public double DropoutAtt { get; set; } = 0.1;

    // ---- contextnet (NeMo ConvASREncoder key names) ----
    /// <summary>The blocks, in order (NeMo's list is called jasper after the architecture it came from).</summary>
    [ForType("contextnet")]
    public List<ContextNetBlockConfig>? Jasper { get; set; }
    /// <summary>Squeeze-and-excitation bottleneck: channels ÷ this (NeMo ConvASREncoder default 8).</summary>
    [ForType("contextnet")]
    public int SeReductionRatio { get; set; } = 8;
    /// <summary>swish or relu, after every batch norm but a block's last and in squeeze-and-excitation.</summary>
    [ForType("contextnet")]
    public string Activation { get; set; } = "swish";
}

public sealed class PredictorConfig
{
    /// <summary>lstm (NeMo RNNTDecoder / caiman) or stateless (icefall: embedding + conv over the last tokens).</summary>
    public string Type { get; set; } = "lstm";
    /// <summary>stateless: tokens the convolution sees (icefall: 2).</summary>
    [ForType("stateless")]
    public int ContextSize { get; set; } = 2;
    /// <summary>Size of the token embedding (NeMo pred_hidden).</summary>
    public int EmbedDim { get; set; } = 512;
    [ForType("lstm")]
    public int Hidden { get; set; } = 512;
    [ForType("lstm")]
    public int Layers { get; set; } = 2;
    /// <summary>Dropout in the predictor.</summary>
    public double Dropout { get; set; } = 0.3;
    [ForType("lstm")]
    public double ForgetGateBias { get; set; } = 1.0;
    [ForType("lstm")]
    public double WeightInitScale { get; set; } = 0.5;
}

public sealed class JointConfig
{
    /// <summary>Width of the joint network (NeMo joint_hidden).</summary>
    public int Hidden { get; set; } = 512;
    /// <summary>relu or tanh.</summary>
    public string Activation { get; set; } = "relu";
    /// <summary>Dropout in the joint, before its output layer.</summary>
    public double Dropout { get; set; } = 0.3;
}
