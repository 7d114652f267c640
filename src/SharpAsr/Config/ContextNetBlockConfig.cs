namespace SharpAsr.Config;

/// <summary>
/// One entry of <c>model.encoder.jasper</c> (NeMo ConvASREncoder's block list, with ContextNet's defaults).
/// NeMo writes kernel/stride as one-element lists ([5], [2]); here they are plain integers. Stride applies to
/// the last repeat only and the residual is strided with it (NeMo stride_last: true, residual_mode: stride_add),
/// the only combination ContextNet uses.
/// </summary>
public sealed class ContextNetBlockConfig
{
    /// <summary>Output channels of every convolution in the block.</summary>
    public int Filters { get; set; } = 1024;
    /// <summary>Separable convolution + batch norm (+ swish) units in the block.</summary>
    public int Repeat { get; set; } = 5;
    /// <summary>Depthwise kernel size (odd: symmetric "same" padding).</summary>
    public int Kernel { get; set; } = 5;
    /// <summary>1, or 2 for a block that halves the frame rate (on its last repeat and its residual).</summary>
    public int Stride { get; set; } = 1;
    /// <summary>Dropout after each repeat (not the last, strided one).</summary>
    public double Dropout { get; set; } = 0.1;
    /// <summary>Add a pointwise conv + batch norm projection of the block input to its output.</summary>
    public bool Residual { get; set; } = true;
    /// <summary>Depthwise (kernel k) + pointwise convolution instead of one full convolution.</summary>
    public bool Separable { get; set; } = true;
    /// <summary>Squeeze-and-excitation after the last repeat.</summary>
    public bool Se { get; set; } = true;
    /// <summary>Frames the squeeze-and-excitation averages over: -1 = the whole utterance (the only mode implemented).</summary>
    public int SeContextSize { get; set; } = -1;
}
