using TorchSharp;
foreach (var m in typeof(torch.Tensor).GetMembers().Where(m => m.Name.Contains("bytes") || m.Name.Contains("ptr", StringComparison.OrdinalIgnoreCase) || m.Name == "CopyTo")) Console.WriteLine($"{m.MemberType} {m}");
foreach (var m in typeof(TorchSharp.Utils.TensorAccessor<float>).GetMembers().Where(m => m.Name.Contains("Copy") || m.Name.Contains("Span"))) Console.WriteLine($"acc {m.MemberType} {m}");
