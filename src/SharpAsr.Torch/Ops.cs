namespace SharpTorch;

/// <summary>
/// The ATen operators SharpASR calls, by schema name: one declaration per overload; the handle is looked
/// up on first use and cached. Adding an op = one line here, then its typed wrapper in Tensor.*.cs,
/// Functional.cs or Torch.cs is one expression over it: <c>=> Ops.Gather.Call(this, dim, index)</c>
/// (<see cref="Op.Call"/>, <see cref="Op.CallTuple"/>, <see cref="Op.CallList"/>, <see cref="Op.InPlace"/>; the
/// arguments in schema order, converted to <see cref="OpArg"/>).
/// </summary>
internal static class Ops
{
    // factories
    public static readonly Op Zeros = new("aten::zeros"), Ones = new("aten::ones"), Full = new("aten::full");
    public static readonly Op Empty = new("aten::empty", "memory_format");
    public static readonly Op ArangeStartStep = new("aten::arange", "start_step");
    public static readonly Op RandnGen = new("aten::randn", "generator"), RandGen = new("aten::rand", "generator");
    public static readonly Op RandintGen = new("aten::randint", "low_generator");
    public static readonly Op ZerosLike = new("aten::zeros_like"), OnesLike = new("aten::ones_like"), FullLike = new("aten::full_like");
    public static readonly Op HannWindow = new("aten::hann_window", "periodic");

    // conversion, copies
    public static readonly Op ToCopy = new("aten::_to_copy"), Clone = new("aten::clone"), Detach = new("aten::detach");
    public static readonly Op Contiguous = new("aten::contiguous"), Item = new("aten::item");

    // arithmetic
    public static readonly Op AddT = new("aten::add", "Tensor"), AddS = new("aten::add", "Scalar");
    public static readonly Op SubT = new("aten::sub", "Tensor"), SubS = new("aten::sub", "Scalar");
    public static readonly Op MulT = new("aten::mul", "Tensor"), MulS = new("aten::mul", "Scalar");
    public static readonly Op DivT = new("aten::div", "Tensor"), DivS = new("aten::div", "Scalar");
    public static readonly Op DivMode = new("aten::div", "Tensor_mode");
    public static readonly Op RemainderS = new("aten::remainder", "Scalar");
    public static readonly Op PowS = new("aten::pow", "Tensor_Scalar"), PowT = new("aten::pow", "Tensor_Tensor");
    public static readonly Op Neg = new("aten::neg"), Exp = new("aten::exp"), Log = new("aten::log"), Log1p = new("aten::log1p");
    public static readonly Op Sqrt = new("aten::sqrt"), Rsqrt = new("aten::rsqrt"), Abs = new("aten::abs");
    public static readonly Op Sign = new("aten::sign"), Floor = new("aten::floor"), Ceil = new("aten::ceil"), Round = new("aten::round");
    public static readonly Op Reciprocal = new("aten::reciprocal"), Sin = new("aten::sin"), Cos = new("aten::cos");
    public static readonly Op Clamp = new("aten::clamp"), ClampT = new("aten::clamp", "Tensor");
    public static readonly Op Maximum = new("aten::maximum"), Minimum = new("aten::minimum");
    public static readonly Op Where = new("aten::where", "self");
    public static readonly Op IsNan = new("aten::isnan"), IsInf = new("aten::isinf"), IsFinite = new("aten::isfinite");

    // comparison, logic
    public static readonly Op EqT = new("aten::eq", "Tensor"), EqS = new("aten::eq", "Scalar");
    public static readonly Op NeT = new("aten::ne", "Tensor"), NeS = new("aten::ne", "Scalar");
    public static readonly Op LtT = new("aten::lt", "Tensor"), LtS = new("aten::lt", "Scalar");
    public static readonly Op LeT = new("aten::le", "Tensor"), LeS = new("aten::le", "Scalar");
    public static readonly Op GtT = new("aten::gt", "Tensor"), GtS = new("aten::gt", "Scalar");
    public static readonly Op GeT = new("aten::ge", "Tensor"), GeS = new("aten::ge", "Scalar");
    public static readonly Op LogicalAnd = new("aten::logical_and"), LogicalOr = new("aten::logical_or"), LogicalNot = new("aten::logical_not");

    // reductions
    public static readonly Op SumAll = new("aten::sum"), SumDim = new("aten::sum", "dim_IntList");
    public static readonly Op MeanAll = new("aten::mean"), MeanDim = new("aten::mean", "dim");
    public static readonly Op MaxAll = new("aten::max"), MaxDim = new("aten::max", "dim");
    public static readonly Op MinAll = new("aten::min"), MinDim = new("aten::min", "dim");
    public static readonly Op Amax = new("aten::amax"), Amin = new("aten::amin"), Argmax = new("aten::argmax");
    public static readonly Op Std = new("aten::std", "correction"), Var = new("aten::var", "correction");
    public static readonly Op Cumsum = new("aten::cumsum"), Logsumexp = new("aten::logsumexp");
    public static readonly Op Norm = new("aten::norm", "ScalarOpt_dim");
    public static readonly Op All = new("aten::all"), Any = new("aten::any");
    public static readonly Op TopK = new("aten::topk"), Sort = new("aten::sort"), Argsort = new("aten::argsort");

    // linear algebra
    public static readonly Op Matmul = new("aten::matmul"), Bmm = new("aten::bmm"), Mm = new("aten::mm"), Addmm = new("aten::addmm");

    // indexing
    public static readonly Op IndexSelect = new("aten::index_select"), Gather = new("aten::gather");
    public static readonly Op ScatterSrc = new("aten::scatter", "src"), ScatterValue = new("aten::scatter", "value");
    public static readonly Op ScatterAdd = new("aten::scatter_add");
    public static readonly Op MaskedFillS = new("aten::masked_fill", "Scalar"), MaskedFillT = new("aten::masked_fill", "Tensor");
    public static readonly Op Narrow = new("aten::narrow"), Index = new("aten::index", "Tensor"), IndexPut = new("aten::index_put_");
    public static readonly Op Select = new("aten::select", "int"), Slice = new("aten::slice", "Tensor");
    public static readonly Op MaskedSelect = new("aten::masked_select"), Nonzero = new("aten::nonzero");

    // shape
    public static readonly Op View = new("aten::view"), Reshape = new("aten::reshape"), Permute = new("aten::permute");
    public static readonly Op Transpose = new("aten::transpose", "int"), Unsqueeze = new("aten::unsqueeze");
    public static readonly Op SqueezeDim = new("aten::squeeze", "dim"), Expand = new("aten::expand");
    public static readonly Op Flatten = new("aten::flatten", "using_ints"), Repeat = new("aten::repeat"), Flip = new("aten::flip");
    public static readonly Op Unfold = new("aten::unfold"), Chunk = new("aten::chunk"), SplitWithSizes = new("aten::split_with_sizes");
    public static readonly Op Cat = new("aten::cat"), Stack = new("aten::stack"), ConstantPad = new("aten::constant_pad_nd");
    public static readonly Op ForeachNorm = new("aten::_foreach_norm", "Scalar"), ForeachMulScalar_ = new("aten::_foreach_mul_", "Scalar");
    public static readonly Op Pad = new("aten::pad"), Tril = new("aten::tril"), Triu = new("aten::triu");
    public static readonly Op ViewAsReal = new("aten::view_as_real");

    // activations, normalisation, neural-network functions
    public static readonly Op Softmax = new("aten::softmax", "int"), LogSoftmax = new("aten::log_softmax", "int");
    public static readonly Op CtcLoss = new("aten::ctc_loss", "Tensor");
    public static readonly Op ReluInplace = new("aten::relu_");
    public static readonly Op Relu = new("aten::relu"), Silu = new("aten::silu"), Tanh = new("aten::tanh"), Sigmoid = new("aten::sigmoid");
    public static readonly Op Glu = new("aten::glu");
    public static readonly Op Linear = new("aten::linear"), Embedding = new("aten::embedding");
    public static readonly Op Conv1d = new("aten::conv1d"), Conv2d = new("aten::conv2d");
    public static readonly Op LayerNorm = new("aten::layer_norm"), BatchNorm = new("aten::batch_norm");
    public static readonly Op LstmInput = new("aten::lstm", "input"), LstmData = new("aten::lstm", "data");
    public static readonly Op PackPadded = new("aten::_pack_padded_sequence"), PadPacked = new("aten::_pad_packed_sequence");
    public static readonly Op Stft = new("aten::stft");
    public static readonly Op MseLoss = new("aten::mse_loss"), CrossEntropy = new("aten::cross_entropy_loss");

    // in place (optimizers, initialisation; call under no-grad on parameters)
    public static readonly Op AddInplace = new("aten::add_", "Tensor"), SubInplace = new("aten::sub_", "Tensor");
    public static readonly Op MulInplaceT = new("aten::mul_", "Tensor"), MulInplaceS = new("aten::mul_", "Scalar");
    public static readonly Op DivInplace = new("aten::div_", "Tensor");
    public static readonly Op Addcmul = new("aten::addcmul_"), Addcdiv = new("aten::addcdiv_"), Lerp = new("aten::lerp_", "Scalar");
    public static readonly Op Copy = new("aten::copy_"), Zero = new("aten::zero_"), Fill = new("aten::fill_", "Scalar");
    public static readonly Op Normal = new("aten::normal_"), Uniform = new("aten::uniform_"), Bernoulli = new("aten::bernoulli_", "float");

    // ---- loss (RNN-T): in-place ops that turn the log-softmax buffer into the logits gradient -----
    public static readonly Op ExpInplace = new("aten::exp_"), ScatterAddInplace = new("aten::scatter_add_");
    public static readonly Op ClampInplace = new("aten::clamp_");
}
