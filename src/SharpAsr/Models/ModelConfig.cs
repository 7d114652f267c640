namespace SharpAsr.Models;

/// <summary>The model section of a config: encoder, predictor and joint, each chosen and sized here.</summary>
public sealed class ModelConfig
{
    public EncoderConfig Encoder { get; set; } = new();
    public PredictorConfig Predictor { get; set; } = new();
    public JointConfig Joint { get; set; } = new();
}

public sealed class EncoderConfig
{
    /// <summary>lstm (caiman-style); further types are added by the models issue.</summary>
    public string Type { get; set; } = "lstm";
    /// <summary>LSTM layers before the time-stacking step.</summary>
    public int PreLayers { get; set; } = 2;
    /// <summary>LSTM layers after it.</summary>
    public int PostLayers { get; set; } = 3;
    public int Hidden { get; set; } = 1024;
    /// <summary>Frames concatenated (and the frame rate divided) between pre and post layers.</summary>
    public int StackTimeFactor { get; set; } = 2;
    public double Dropout { get; set; } = 0.1;
    /// <summary>Initial bias of the LSTM forget gates (caiman: 1.0) so early training remembers.</summary>
    public double ForgetGateBias { get; set; } = 1.0;
    /// <summary>Scale applied to PyTorch's default uniform LSTM weight init (caiman: 0.5).</summary>
    public double WeightInitScale { get; set; } = 0.5;
}

public sealed class PredictorConfig
{
    /// <summary>lstm (NeMo RNNTDecoder / caiman); stateless is added by the models issue.</summary>
    public string Type { get; set; } = "lstm";
    public int EmbedDim { get; set; } = 512;
    public int Hidden { get; set; } = 512;
    public int Layers { get; set; } = 2;
    public double Dropout { get; set; } = 0.3;
    public double ForgetGateBias { get; set; } = 1.0;
    public double WeightInitScale { get; set; } = 0.5;
}

public sealed class JointConfig
{
    public int Hidden { get; set; } = 512;
    /// <summary>relu or tanh.</summary>
    public string Activation { get; set; } = "relu";
    public double Dropout { get; set; } = 0.3;
}
