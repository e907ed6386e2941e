using ExPecto.Protocol;
using ExPecto.Coordinator.Cli;
using ExPecto.Protocol.Messages;

namespace ExPecto.Cluster.Tests.Embedded;

/// <summary>
/// The progress display of `run`, `submit --wait` and `status --wait`, on a manual clock: one live line redrawn in
/// place on a terminal, a plain line every interval otherwise; settled/total, failed, mutations/s and ETA counted
/// from what this process saw.
/// </summary>
public sealed class JobProgressTests
{
    private DateTime _now = new(2026, 12, 3, 8, 0, 0, DateTimeKind.Utc);

    private static JobStatusView View(int committed, int failed, long mutations, JobPhase phase = JobPhase.Running) =>
        new("j0123456789abcdef", phase, 10, committed, failed, 2, "/out", []) { Mutations = mutations };

    [Fact]
    public void Without_a_terminal_a_line_comes_every_interval_and_once_at_the_end()
    {
        var output = new StringWriter();
        var progress = new JobProgress(output, live: false, TimeSpan.FromSeconds(10), () => _now);
        // A poll every half second for 25 s: 2 genes (300 mutations) settle every 5 s.
        for (int i = 0; i <= 50; i++)
        {
            int settled = Math.Min(10, i / 10 * 2);
            progress.Report(View(settled, 0, settled * 150L));
            _now += TimeSpan.FromSeconds(0.5);
        }
        progress.Done(View(9, 1, 1350, JobPhase.Partial));

        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(4, lines.Length); // t = 0, 10, 20 s, and the end
        Assert.DoesNotContain('\r', output.ToString());
        Assert.Equal("j0123456789abcdef: 0/10 genes settled, 0 failed, 0.0 mutations/s, ETA --:--:-- (running)", lines[0]);
        // At 10 s: 4 genes in 10 s = 0.4 genes/s, 6 left → 15 s; 600 mutations in 10 s.
        Assert.Equal("j0123456789abcdef: 4/10 genes settled, 0 failed, 60.0 mutations/s, ETA 0:00:15 (running)", lines[1]);
        Assert.StartsWith("j0123456789abcdef: 8/10 genes settled, 0 failed, 60.0 mutations/s, ETA 0:00:05", lines[2]);
        Assert.StartsWith("j0123456789abcdef: 10/10 genes settled, 1 failed,", lines[3]);
        Assert.EndsWith("ETA 0:00:00 (partial)", lines[3]);
    }

    [Fact]
    public void On_a_terminal_one_line_is_redrawn_in_place_with_a_bar_and_ends_with_a_newline()
    {
        var output = new StringWriter();
        var progress = new JobProgress(output, live: true, TimeSpan.FromSeconds(10), () => _now);
        progress.Report(View(0, 0, 0));
        _now += TimeSpan.FromSeconds(2);
        progress.Report(View(5, 0, 500));
        progress.Report(View(5, 0, 500)); // unchanged: not redrawn
        _now += TimeSpan.FromSeconds(2);
        progress.Done(View(10, 0, 1000, JobPhase.Complete));

        string text = output.ToString();
        Assert.Equal(1, text.Count(c => c == '\n'));
        Assert.EndsWith("\n", text);
        var frames = text.TrimEnd('\n').Split('\r', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, frames.Length);
        Assert.Contains("[............", frames[0]);
        Assert.Contains("[############............] 5/10 genes settled, 0 failed, 250.0 mutations/s, ETA 0:00:02", frames[1]);
        Assert.Contains("[########################] 10/10 genes settled", frames[2]);
    }

    [Fact]
    public void A_resumed_job_counts_rates_from_what_this_process_saw()
    {
        var output = new StringWriter();
        var progress = new JobProgress(output, live: false, TimeSpan.FromSeconds(1), () => _now);
        progress.Report(View(6, 0, 6000)); // settled before this process started watching
        _now += TimeSpan.FromSeconds(4);
        progress.Report(View(8, 0, 6200));
        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains("8/10 genes settled, 0 failed, 50.0 mutations/s, ETA 0:00:04", lines[1]);
    }
}
