using SharpAsr.Config;
using SharpTorch;
using SharpTorch.Nn;

namespace SharpAsr.Models;

/// <summary>
/// NeMo's RNNTJoint: project encoder frames (<c>enc</c>) and predictor outputs (<c>pred</c>) to the
/// joint width, add with broadcasting, activation, dropout, output layer (<c>joint_net.2</c>) to V+1 logits.
/// The projections are separate calls so callers can project once and combine many times (decoding,
/// sub-batched or pruned losses).
/// </summary>
public sealed class Joint : Module
{
    readonly Linear _enc, _pred;
    readonly JointNet _net;

    public Joint(long encoderDim, long predictorDim, long vocabWithBlank, JointConfig cfg)
    {
        _enc = RegisterModule("enc", new Linear(encoderDim, cfg.Hidden));
        _pred = RegisterModule("pred", new Linear(predictorDim, cfg.Hidden));
        _net = RegisterModule("joint_net", new JointNet(cfg, vocabWithBlank));
    }

    /// <summary>
    /// Mixed precision (train.precision bf16/fp16): the combine (add, activation, output layer) runs in this type, its
    /// weights cast per call (their fp32 values stay the trained copy; autograd carries gradients back to them), and the
    /// logits come back in the inputs' type so log-softmax and the loss stay fp32. Null: the inputs' type throughout.
    /// </summary>
    public DType? ComputeType { get; set; }

    public Tensor ProjectEncoder(Tensor encoderOut) => _enc.Forward(encoderOut);
    public Tensor ProjectPredictor(Tensor predictorOut) => _pred.Forward(predictorOut);

    /// <summary>Logits from projected inputs that broadcast against each other (e.g. [B,T,1,J] + [B,1,U+1,J]).</summary>
    public Tensor Combine(Tensor encProjected, Tensor predProjected)
    {
        if (ComputeType is not DType low || low == encProjected.DType) return _net.Forward(encProjected + predProjected, null);
        return _net.Forward(encProjected.To(low) + predProjected.To(low), low).To(encProjected.DType);
    }

    /// <summary>
    /// Logits with the encoder's contribution left out ([N, J] projected predictor outputs → [N, V+1]): what the joint
    /// says from the predictor alone, the internal language model's estimate (<see cref="Decoding.LmFusion"/>).
    /// </summary>
    public Tensor CombinePredictorOnly(Tensor predProjected) => _net.Forward(predProjected.Clone(), null);

    /// <summary>Full joint: encoder [B, T, D] and predictor [B, U+1, D'] → logits [B, T, U+1, V+1].</summary>
    public Tensor Forward(Tensor encoderOut, Tensor predictorOut) =>
        Combine(ProjectEncoder(encoderOut).Unsqueeze(2), ProjectPredictor(predictorOut).Unsqueeze(1));

    // Sequential(activation, dropout, linear): only index 2 holds weights, as in NeMo's state dict.
    sealed class JointNet : Module
    {
        readonly string _activation;
        readonly Dropout _dropout;
        readonly Linear _out;

        public JointNet(JointConfig cfg, long vocabWithBlank)
        {
            _activation = cfg.Activation.ToLowerInvariant();
            if (_activation is not ("relu" or "tanh")) throw new ArgumentException($"joint.activation '{cfg.Activation}': use relu or tanh");
            _dropout = RegisterModule("1", new Dropout(cfg.Dropout));
            _out = RegisterModule("2", new Linear(cfg.Hidden, vocabWithBlank));
        }

        public Tensor Forward(Tensor x, DType? low)
        {
            // x is the fresh sum made by Combine: relu in place saves a full [B, T, U+1, J] buffer and a pass over it
            var a = _dropout.Forward(_activation == "relu" ? x.Relu_() : Functional.Tanh(x));
            if (low is not DType t) return _out.Forward(a);
            return Functional.Linear(a, _out.Weight.To(t), _out.Bias?.To(t));
        }
    }
}
