namespace SharpAsr; public static class Info { public const string Name = "SharpASR"; }
