using TorchSharp;

namespace ExPecto.Beluga.Tests;

/// <summary>TorchDevices.UseCpuThreads sets libtorch's CPU threads for the thread that then computes (a worker's device thread).</summary>
public sealed class CpuThreadsTests
{
    [Fact]
    public void The_count_set_on_a_thread_is_the_one_libtorch_uses_there()
    {
        int before = torch.get_num_threads();
        int seen = -1;
        var thread = new Thread(() =>
        {
            TorchDevices.UseCpuThreads(1);
            seen = torch.get_num_threads();
            TorchDevices.UseCpuThreads(0); // 0 leaves the setting as it is
            if (torch.get_num_threads() != 1) seen = -2;
        });
        thread.Start();
        thread.Join();
        Assert.Equal(1, seen);
        TorchDevices.UseCpuThreads(before); // libtorch's count is process-wide: leave it as the other tests had it
    }
}
