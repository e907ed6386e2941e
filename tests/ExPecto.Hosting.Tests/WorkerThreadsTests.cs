using Microsoft.Extensions.Configuration;

namespace ExPecto.Hosting.Tests;

/// <summary>Worker:Threads: the worker's `--threads` switch, its default and its check.</summary>
public sealed class WorkerThreadsTests
{
    private static WorkerOptions Bind(params string[] args) =>
        ExPectoHostingExtensions.Bind<WorkerOptions>(
            new ConfigurationBuilder().AddExPectoSources(args, ExPectoHostingExtensions.CommonSwitches()).Build(), WorkerOptions.Section);

    [Fact]
    public void The_threads_switch_sets_the_workers_cpu_threads()
    {
        var options = Bind("--device", "cpu", "--threads", "3");
        Assert.Equal(3, options.Threads);
        Assert.Equal(3, options.CpuThreads());
    }

    [Fact]
    public void By_default_a_worker_takes_one_thread_per_cpu_it_may_use()
    {
        var options = Bind();
        Assert.Equal(0, options.Threads);
        Assert.Equal(Environment.ProcessorCount, options.CpuThreads());
    }

    [Fact]
    public void A_negative_thread_count_is_refused_naming_the_setting()
    {
        var e = Assert.Throws<ExPecto.Core.InputException>(() => Bind("--threads", "-2"));
        Assert.Contains("Worker:Threads (EXPECTO_WORKER__THREADS)", e.Message);
        Assert.Contains("a whole number ≥ 0", e.Message);
    }
}
