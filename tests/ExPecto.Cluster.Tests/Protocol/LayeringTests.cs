using ExPecto.Protocol.Processing;

namespace ExPecto.Cluster.Tests.Protocol;

public sealed class LayeringTests
{
    [Fact]
    public void The_protocol_references_the_core_but_neither_the_network_nor_torch_nor_the_roles()
    {
        var referenced = typeof(IGeneProcessor).Assembly.GetReferencedAssemblies().Select(a => a.Name!).ToList();
        Assert.Contains("ExPecto.Core", referenced);
        Assert.DoesNotContain(referenced, n => n.StartsWith("TorchSharp", StringComparison.Ordinal)
                                               || n is "ExPecto.Beluga" or "expecto" or "expecto-worker" or "ExPecto.Hosting");
    }
}
