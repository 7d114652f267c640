namespace SharpAsr.Config;

/// <summary>
/// A key of a section whose <c>type</c> key chooses what is built (model.encoder: lstm, conformer, contextnet):
/// the key means something only to these types. Keys without it apply to every type.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class ForTypeAttribute(params string[] types) : Attribute
{
    public IReadOnlyList<string> Types { get; } = types;
}
