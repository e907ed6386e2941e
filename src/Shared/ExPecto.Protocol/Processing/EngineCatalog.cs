namespace ExPecto.Protocol.Processing;

/// <summary>
/// The processor factories a worker build offers, by engine name (the job spec's Engine). One catalog per worker
/// process; "fake" is always there. The real engines are registered by whoever wires the science in.
/// </summary>
public sealed class EngineCatalog
{
    private readonly Dictionary<string, IGeneProcessorFactory> _factories = new(StringComparer.OrdinalIgnoreCase);

    /// <param name="fakeDelay">Simulated time per gene of the fake engine.</param>
    /// <param name="fakeHangGenes">Comma-separated genes on which the fake engine hangs ("*" = all); tests only.</param>
    public EngineCatalog(TimeSpan fakeDelay = default, string? fakeHangGenes = null) =>
        _factories[FakeGeneProcessor.EngineName] = new FakeGeneProcessorFactory(fakeDelay, FakeGeneProcessor.HangPredicate(fakeHangGenes));

    public EngineCatalog Register(string engine, IGeneProcessorFactory factory)
    {
        _factories[engine] = factory;
        return this;
    }

    public IReadOnlyCollection<string> Engines => _factories.Keys;

    /// <summary>A processor for one device that hands each item to the engine its job names (created on first use).</summary>
    public IGeneProcessor ForDevice(string device) => new Routing(this, device);

    private sealed class Routing(EngineCatalog catalog, string device) : IGeneProcessor, IDisposable
    {
        private readonly Dictionary<string, IGeneProcessor> _byEngine = new(StringComparer.OrdinalIgnoreCase);

        public Task<GeneOutcome> ProcessAsync(GeneWorkItem item, CancellationToken ct)
        {
            if (!_byEngine.TryGetValue(item.Spec.Engine, out var processor))
            {
                if (!catalog._factories.TryGetValue(item.Spec.Engine, out var factory))
                    throw new InvalidOperationException(
                        $"engine '{item.Spec.Engine}' is not available on this worker (have: {string.Join(", ", catalog.Engines)})");
                processor = factory.Create(device);
                _byEngine[item.Spec.Engine] = processor;
            }
            return processor.ProcessAsync(item, ct);
        }

        public void Dispose()
        {
            foreach (var p in _byEngine.Values)
                (p as IDisposable)?.Dispose();
        }
    }
}
