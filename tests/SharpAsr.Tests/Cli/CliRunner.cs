using System.CommandLine;
using SharpAsr.Cli;

namespace SharpAsr.Tests.Cli;

/// <summary>Runs <c>sharpasr</c> in-process with captured output, as a user would call it.</summary>
internal static class CliRunner
{
    public sealed record Result(int ExitCode, string Output, string Error)
    {
        public string[] OutputLines => Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToArray();
    }

    public static Result Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var rc = CliApp.Create().Parse(args).Invoke(new InvocationConfiguration { Output = output, Error = error });
        return new Result(rc, output.ToString(), error.ToString());
    }

    /// <summary>configs/NAME of this checkout.</summary>
    public static string Config(string name)
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d != null; d = d.Parent)
        {
            var p = Path.Combine(d.FullName, "configs", name);
            if (File.Exists(p)) return p;
        }
        throw new FileNotFoundException($"configs/{name} not found above {AppContext.BaseDirectory}");
    }

    public static string TempDir() => Directory.CreateTempSubdirectory("sharpasr-cli-").FullName;
}
