using SharpAsr.Features.Augmentation;
using YamlDotNet.Serialization;

namespace SharpAsr.Data;

/// <summary>
/// Training-time augmentation (config section <c>augment:</c>), all off by default: waveform augmentations
/// (<c>audio:</c> speed_perturb, noise, narrowband, trim_silence), vocal tract length perturbation of the mel filters
/// (<c>vtlp:</c>), then SpecAugment (<c>spec_augment:</c>, NeMo's keys), applied to the features before frame stacking. Seeded by (seed, epoch, batch position), so a
/// resumed run sees the same augmented batches.
/// </summary>
public sealed class AugmentConfig
{
    [YamlMember(Alias = "audio")] public AudioAugmentation? Audio { get; set; }
    [YamlMember(Alias = "vtlp")] public VocalTractPerturbation? Vtlp { get; set; }
    [YamlMember(Alias = "spec_augment")] public SpecAugment? SpecAugment { get; set; }
}
