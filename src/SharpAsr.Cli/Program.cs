using SharpTorch;
Console.WriteLine($"libtorch {Torch.Version}");
