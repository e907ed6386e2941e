using ExPecto.Core;

namespace ExPecto.Protocol.Processing;

/// <summary>
/// The processor factories a node offers, by engine name (the job spec's Engine), each with the job parameters it
/// reads. Built by whoever wires the science in (the real engines); test engines are registered only on nodes
/// started with the test-hooks switch. Jobs are checked against it when they are resolved (`run`, `submit`,
/// schedules, the admin console) and again by the worker before it runs a gene.
/// </summary>
public sealed class EngineCatalog
{
    private readonly Dictionary<string, IGeneProcessorFactory> _factories = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Appended to the error about an engine this catalog lacks (e.g. how to get the test engines).</summary>
    public string? MissingEngineHint { get; set; }

    public EngineCatalog Register(string engine, IGeneProcessorFactory factory)
    {
        _factories[engine] = factory;
        return this;
    }

    public IReadOnlyCollection<string> Engines => _factories.Keys;

    /// <summary>
    /// Throws <see cref="InputException"/> (naming <paramref name="source"/>) when the engine is not offered or a
    /// parameter is not one the engine reads: a parameter changes the job id, so one nothing reads would make a
    /// different job of identical work.
    /// </summary>
    public void Check(string engine, IReadOnlyDictionary<string, string> parameters, string? source = null)
    {
        if (!_factories.TryGetValue(engine, out var factory))
            throw new InputException(source, null,
                $"unknown engine '{engine}'; expected one of {string.Join(", ", Engines.Order(StringComparer.Ordinal))}{(MissingEngineHint is null ? "" : " (" + MissingEngineHint + ")")}");
        foreach (string key in parameters.Keys)
            if (!factory.Parameters.Contains(key, StringComparer.Ordinal))
                throw new InputException(source, null,
                    $"engine '{engine}' does not read parameter '{key}'; " +
                    (factory.Parameters.Count == 0 ? "it reads no parameters" : "it reads " + string.Join(", ", factory.Parameters.Order(StringComparer.Ordinal))));
    }

    /// <summary>Throws as <see cref="Check(string, IReadOnlyDictionary{string, string}, string?)"/> for a job spec.</summary>
    public void Check(JobSpec spec, string? source = null) => Check(spec.Engine, spec.Parameters, source);

    /// <summary>A processor for one device that hands each item to the engine its job names (created on first use).</summary>
    public IGeneProcessor ForDevice(string device) => new Routing(this, device);

    private sealed class Routing(EngineCatalog catalog, string device) : IGeneProcessor, IDisposable
    {
        private readonly Dictionary<string, IGeneProcessor> _byEngine = new(StringComparer.OrdinalIgnoreCase);

        public Task<GeneOutcome> ProcessAsync(GeneWorkItem item, CancellationToken ct)
        {
            // A job submitted past the checks (another client, another build) is refused here, gene by gene.
            catalog.Check(item.Spec, "job " + item.JobId);
            if (!_byEngine.TryGetValue(item.Spec.Engine, out var processor))
            {
                processor = catalog._factories[item.Spec.Engine].Create(device);
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
