using System.Reflection;

namespace ExPecto.Analysis.Tests;

public class LayeringTests
{
    [Fact]
    public void Analysis_references_neither_akka_nor_torchsharp()
    {
        var refs = typeof(Training.GblinearTrainer).Assembly.GetReferencedAssemblies().Select(a => a.Name ?? "").ToArray();
        Assert.DoesNotContain(refs, n => n.StartsWith("Akka", StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain(refs, n => n.StartsWith("TorchSharp", StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain(refs, n => n.StartsWith("ExPecto.Beluga", StringComparison.OrdinalIgnoreCase));
    }
}
