using SharpAsr.Config;
using SharpAsr.Models;
using SharpTorch;

namespace SharpAsr.Losses;

/// <summary>
/// The training loss of a transducer, chosen once from the config's <c>loss:</c> section: the full RNN-T loss over
/// the joint (plain, packed or sub-batched, <c>loss.joint_mode</c>), or k2's pruned RNN-T — the simple loss of the
/// trivial joiner plus the pruned loss, mixed by the warm-up schedule of <c>loss.pruned</c>. The trainer and the
/// validator call <see cref="Compute"/> and need not know which.
/// </summary>
public sealed class TransducerLoss
{
    readonly RnntLossOptions _options;
    readonly JointMemoryMode _jointMode;
    readonly int _subBatch;
    readonly PrunedRnntOptions? _pruned;
    readonly PrunedLossSchedule _prunedSchedule;
    readonly double _ctcWeight;

    public TransducerLoss(LossConfig cfg)
    {
        _pruned = cfg.Type.ToLowerInvariant() switch
        {
            "rnnt" => null,
            "pruned" => new PrunedRnntOptions { SRange = cfg.Pruned.SRange, LmScale = cfg.Pruned.LmScale, AmScale = cfg.Pruned.AmScale },
            var t => throw new ConfigException($"loss.type '{t}': use rnnt or pruned"),
        };
        _prunedSchedule = new PrunedLossSchedule(cfg.Pruned.SimpleScale, cfg.Pruned.WarmupSteps);
        _options = new RnntLossOptions
        {
            Blank = -1,
            Reduction = RnntReductions.Parse(cfg.Reduction),
            Clamp = cfg.Clamp,
            FastEmitLambda = cfg.FastemitLambda,
            DelayPenaltyLambda = cfg.DelayPenalty,
        };
        _jointMode = cfg.JointMode.ToLowerInvariant() switch
        {
            "plain" => JointMemoryMode.Plain,
            "packed" => JointMemoryMode.Packed,
            "sub_batched" => JointMemoryMode.SubBatched,
            var m => throw new ConfigException($"loss.joint_mode '{m}': use plain, packed or sub_batched"),
        };
        _subBatch = cfg.SubBatch;
        if (!(cfg.CtcWeight >= 0 && cfg.CtcWeight < 1)) throw new ConfigException($"loss.ctc_weight {cfg.CtcWeight}: use a weight in [0, 1) (0 = no CTC loss)");
        _ctcWeight = cfg.CtcWeight;
        // the sub-batched full loss puts the joint's gradients in place during the call, where a (1 − w) factor afterwards cannot reach them
        if (_ctcWeight > 0 && _pruned == null && _jointMode == JointMemoryMode.SubBatched)
            throw new ConfigException("loss.ctc_weight with loss.type rnnt and loss.joint_mode sub_batched: not supported (use joint_mode plain or packed, or loss.type pruned)");
    }

    /// <summary>The pruned loss needs the model's simple projections (<see cref="ModelConfig.SimpleProjections"/>).</summary>
    public bool NeedsSimpleProjections => _pruned != null;

    /// <summary>The auxiliary CTC loss needs the model's CTC head (<see cref="ModelConfig.CtcHead"/>).</summary>
    public bool NeedsCtcHead => _ctcWeight > 0;

    /// <summary>
    /// The loss of a batch from the encoder output (the encoder is run, and timed, by the caller): predictor, joint and
    /// loss. <paramref name="step"/> places the pruned loss in its warm-up.
    /// </summary>
    public Tensor Compute(Transducer model, Tensor encoded, Tensor encodedLengths, Tensor targets, Tensor targetLengths, long step)
    {
        var transducer = TransducerTerm(model, encoded, encodedLengths, targets, targetLengths, step);
        if (_ctcWeight == 0) return transducer;
        return (1 - _ctcWeight) * transducer + _ctcWeight * CtcTerm(model, encoded, encodedLengths, targets, targetLengths);
    }

    // CTC straight from the encoder: no predictor to lean on, so the encoder alone must put each token at its frames
    Tensor CtcTerm(Transducer model, Tensor encoded, Tensor encodedLengths, Tensor targets, Tensor targetLengths)
    {
        var head = model.CtcHead ?? throw new InvalidOperationException("loss.ctc_weight > 0 needs model.ctc_head (the trainer switches it on)");
        var logProbs = Functional.LogSoftmax(head.Forward(encoded), -1).Transpose(0, 1);   // [T, B, V+1]
        using var frames = encodedLengths.To(DType.Int64);
        using var tokens = targetLengths.To(DType.Int64);
        using var labels = targets.To(DType.Int64);
        var perUtterance = Functional.CtcLoss(logProbs, labels, frames, tokens, model.Blank);
        return RnntReductions.Apply(perUtterance, _options.Reduction, targetLengths.ToLongArray());
    }

    Tensor TransducerTerm(Transducer model, Tensor encoded, Tensor encodedLengths, Tensor targets, Tensor targetLengths, long step)
    {
        var predicted = model.Predictor.Forward(targets, targetLengths);
        var encoderProjected = model.Joint.ProjectEncoder(encoded);
        var predictorProjected = model.Joint.ProjectPredictor(predicted);
        if (_pruned != null)
        {
            var (simple, pruned) = PrunedRnntLoss.Compute(encoderProjected, predictorProjected, model.SimpleAm!.Forward(encoded), model.SimpleLm!.Forward(predicted),
                model.Joint.Combine, targets, encodedLengths, targetLengths, _options, _pruned,
                _jointMode == JointMemoryMode.SubBatched ? _subBatch : 0, model.Joint.Parameters());
            return _prunedSchedule.Mix(simple, pruned, step);
        }
        return TransducerJointLoss.Compute(_jointMode, encoderProjected, predictorProjected, model.Joint.Combine,
            targets, encodedLengths, targetLengths, _options, _subBatch);
    }
}
