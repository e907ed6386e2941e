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

public sealed class ExecutableLayeringTests
{
    private static readonly string[] s_executables = ["expecto", "expecto-worker", "expecto-seed"];

    /// <summary>Assembly references read from the file's metadata (the worker is not loaded into this process).</summary>
    private static List<string> References(string dll)
    {
        using var stream = File.OpenRead(dll);
        using var pe = new System.Reflection.PortableExecutable.PEReader(stream);
        var md = System.Reflection.Metadata.PEReaderExtensions.GetMetadataReader(pe);
        return md.AssemblyReferences.Select(h => md.GetString(md.GetAssemblyReference(h).Name)).ToList();
    }

    [Fact]
    public void No_executable_references_another_and_the_science_adapter_is_a_shared_library()
    {
        var nodes = new[] { Processes.NodeProcess.Expecto, Processes.NodeProcess.Worker, Processes.NodeProcess.Seed };
        foreach (string dll in nodes)
            Assert.DoesNotContain(References(dll), n => s_executables.Contains(n));
        // Both executables that run genes get the science from the same library.
        Assert.Equal("ExPecto.Mutagenesis", typeof(ExPecto.Mutagenesis.MutagenesisGeneProcessor).Assembly.GetName().Name);
        Assert.Contains("ExPecto.Mutagenesis", References(Processes.NodeProcess.Worker));
        Assert.Contains("ExPecto.Mutagenesis", References(Processes.NodeProcess.Expecto));
        // The worker role's actors know the science only through IGeneProcessor.
        var workerRole = References(typeof(ExPecto.Worker.Actors.DeviceWorkerActor).Assembly.Location);
        Assert.DoesNotContain(workerRole, n => n.StartsWith("TorchSharp", StringComparison.Ordinal) || n is "ExPecto.Beluga" or "ExPecto.Mutagenesis");
    }
}
