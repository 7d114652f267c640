namespace SharpAsr.Training;

/// <summary>
/// The files and folders a run reads, checked before any is loaded: a missing validation manifest is reported at
/// once, not after the training data has been read, and before anything is written to the output folder.
/// </summary>
internal static class TrainingInputs
{
    public static void CheckExist(TrainOptions o)
    {
        foreach (var m in TrainingData.Parse(o)) NeedFile(m.Path, "--train-manifests");
        foreach (var m in o.ValManifests) NeedFile(m, "--val-manifests");
        if (o.DataDir is { } data && !Directory.Exists(data)) throw new DirectoryNotFoundException($"--data-dir {data}: no such folder");
        if (o.InitFrom is { } init && !File.Exists(init) && !Directory.Exists(init))
            throw new FileNotFoundException($"--init-from {init}: no such file or folder", init);
    }

    static void NeedFile(string path, string option)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{option} {path}: no such file", path);
    }
}
