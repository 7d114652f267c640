using SharpAsr.Config;
using SharpTorch;
using SharpTorch.Nn;

namespace SharpAsr.Models.ContextNet;

/// <summary>
/// NeMo's JasperBlock as ContextNet configures it. <c>mconv</c> = repeat × [depthwise conv (k) → pointwise conv
/// → BatchNorm → swish → dropout], the last repeat without swish/dropout and with the block's stride, then
/// squeeze-and-excitation; <c>res.0</c> = pointwise conv (same stride) + BatchNorm of the block input, added;
/// <c>mout</c> = swish → dropout. Indices follow NeMo's nn.ModuleList, in which activation and dropout take
/// an index but hold no weights: separable → mconv.0 depthwise, .1 pointwise, .2 BN, (.3 act, .4 dropout),
/// .5 next depthwise …; SE last. BatchNorm eps 1e-3 as NeMo's JasperBlock.
/// </summary>
public sealed class ContextNetBlock : Module
{
    const double BatchNormEps = 1e-3;
    readonly List<Step> _mconv = new();
    readonly SqueezeExcite? _se;
    readonly (MaskedConv1d Conv, BatchNorm1d Norm)? _res;
    readonly Dropout _dropout;
    readonly Func<Tensor, Tensor> _activation;
    public int Stride { get; }
    public long OutputDim { get; }

    // one unit of mconv: convolutions (depthwise + pointwise, or one full), batch norm, and whether swish + dropout follow
    sealed record Step(MaskedConv1d[] Convs, BatchNorm1d Norm, bool ActivationAfter);

    public ContextNetBlock(long inChannels, ContextNetBlockConfig cfg, int seReductionRatio, Func<Tensor, Tensor> activation, string where)
    {
        if (cfg.Filters <= 0 || cfg.Repeat <= 0) throw new ArgumentException($"{where}: filters and repeat must be positive");
        if (cfg.Stride is not (1 or 2)) throw new ArgumentException($"{where}.stride {cfg.Stride}: use 1 or 2");
        if (cfg.SeContextSize != -1) throw new ArgumentException($"{where}.se_context_size {cfg.SeContextSize}: only -1 (global context) is implemented");
        _activation = activation;
        Stride = cfg.Stride;
        OutputDim = cfg.Filters;
        var mconv = RegisterModule("mconv", new IndexedList());
        long inLoop = inChannels;
        for (int r = 0; r < cfg.Repeat; r++)
        {
            bool last = r == cfg.Repeat - 1;
            long stride = last ? cfg.Stride : 1;    // NeMo stride_last: only the last repeat strides
            MaskedConv1d[] convs = cfg.Separable
                ? new[]
                {
                    mconv.Add(new MaskedConv1d(inLoop, inLoop, cfg.Kernel, stride, groups: inLoop)),
                    mconv.Add(new MaskedConv1d(inLoop, cfg.Filters, 1)),
                }
                : new[] { mconv.Add(new MaskedConv1d(inLoop, cfg.Filters, cfg.Kernel, stride)) };
            var norm = mconv.Add(new BatchNorm1d(cfg.Filters, BatchNormEps));
            if (!last) mconv.Skip(2);               // activation, dropout
            _mconv.Add(new Step(convs, norm, !last));
            inLoop = cfg.Filters;
        }
        if (cfg.Se) _se = mconv.Add(new SqueezeExcite(cfg.Filters, seReductionRatio, activation));
        if (cfg.Residual)
        {
            var res = RegisterModule("res", new ModuleList<IndexedList>(new[] { new IndexedList() }))[0];
            _res = (res.Add(new MaskedConv1d(inChannels, cfg.Filters, 1, cfg.Stride)), res.Add(new BatchNorm1d(cfg.Filters, BatchNormEps)));
        }
        _dropout = RegisterModule("mout", new Dropout(cfg.Dropout));
    }

    /// <summary>All convolutions, for weight initialisation.</summary>
    public IEnumerable<MaskedConv1d> Convolutions =>
        _mconv.SelectMany(s => s.Convs).Concat(_res is { } r ? new[] { r.Conv } : Array.Empty<MaskedConv1d>());

    public Tensor OutLengths(Tensor lengths) => _mconv[^1].Convs[0].OutLengths(lengths);

    /// <summary>x [B, C, T] with lengths → [B, filters, T'] and T' lengths.</summary>
    public (Tensor Output, Tensor Lengths) Forward(Tensor x, Tensor lengths)
    {
        using var scope = Torch.NewScope();
        var h = x;
        var l = lengths;
        foreach (var step in _mconv)
        {
            foreach (var conv in step.Convs) (h, l) = conv.Forward(h, l);
            h = step.Norm.Forward(h);
            if (step.ActivationAfter) h = _dropout.Forward(_activation(h));
        }
        if (_se is not null) h = _se.Forward(h, l);
        if (_res is { } res) h = h + res.Norm.Forward(res.Conv.Forward(x, lengths).Output);
        h = _dropout.Forward(_activation(h));
        return (h.MoveToOuterScope(), l.MoveToOuterScope());
    }

    /// <summary>A container whose children are named by nn.Sequential/ModuleList index, with gaps for weightless layers.</summary>
    sealed class IndexedList : Module
    {
        int _next;
        public T Add<T>(T m) where T : Module => RegisterModule((_next++).ToString(), m);
        public void Skip(int n) => _next += n;
    }
}
