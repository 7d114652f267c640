namespace SharpAsr.Data.Tarred;

/// <summary>A tar shard or tarred manifest cannot be used; the message names the tar (and entry) and why.</summary>
public sealed class TarredDataException(string message, Exception? inner = null) : IOException(message, inner);
