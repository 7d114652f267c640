using System.Diagnostics;
using Xunit;

namespace SharpAsr.Tests.Nemo;

/// <summary>Runs a snippet in Debian's python3 with python3-torch (a CI package, scripts/setup.sh) to read what we wrote.</summary>
internal static class PythonTorch
{
    /// <summary>The snippet's stdout, or null where python3 or its torch is missing (the check is then skipped).</summary>
    public static string? Run(string script, params string[] args)
    {
        if (!File.Exists("/usr/bin/python3")) return null;
        var psi = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(script);
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEnd();
        var error = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (error.Contains("No module named 'torch'")) return null;
        Assert.True(p.ExitCode == 0, error);
        return output;
    }
}
