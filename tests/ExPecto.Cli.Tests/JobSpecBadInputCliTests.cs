using System.Text;

namespace ExPecto.Cli.Tests;

/// <summary>
/// Bad job spec files (`expecto run --spec`; submit, admin `job submit` and schedules read them with the same
/// JobSpecFile): one "expecto: error:" line naming the spec file (and the line where there is one), exit code 2,
/// no stack trace, nothing written.
/// </summary>
public sealed class JobSpecBadInputCliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("expecto-spec-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private ExpectoRun RunSpec(byte[] content)
    {
        string spec = Path.Combine(_dir, "job.json");
        File.WriteAllBytes(spec, content);
        return ExpectoProcess.Run(_dir, "run", "--spec", spec);
    }

    private void AssertOneErrorLine(ExpectoRun run, params string[] mentions)
    {
        Assert.True(run.ExitCode == 2, $"expected exit code 2 (bad input)\n{run}");
        Assert.DoesNotContain("   at ", run.StdErr + run.StdOut);
        Assert.True(run.ErrLines.Length == 1, $"expected exactly one line on stderr\n{run}");
        Assert.StartsWith("expecto: error: ", run.ErrLines[0]);
        foreach (string m in mentions)
            Assert.Contains(m, run.ErrLines[0]);
        Assert.Equal("job.json", string.Join(",", Directory.EnumerateFileSystemEntries(_dir).Select(Path.GetFileName)));
    }

    [Theory]
    [InlineData("malformed JSON", "{\n \"radius\": 10,\n \"out\": \n}", "job.json:4:", "column 1")]
    [InlineData("empty file", "", "job.json:1:", "empty")]
    [InlineData("unknown key", "{\n \"radius\": 10,\n \"raduis\": 5\n}", "job.json:3:", "unknown key 'raduis'")]
    [InlineData("radius not a number", "{\n \"radius\": \"abc\"\n}", "job.json:2:", "'radius' must be an integer", "\"abc\"")]
    [InlineData("radius a fraction", "{\n \"radius\": 1.5\n}", "job.json:2:", "'radius' must be an integer")]
    [InlineData("negative radius", "{ \"radius\": -1 }", "job.json", "radius must be ≥ 0, found -1")]
    [InlineData("negative batch size", "{ \"batchSize\": -1 }", "job.json", "batch size must be ≥ 1 (or 0: each worker's device default), found -1")]
    [InlineData("negative threshold", "{ \"threshold\": -0.5 }", "job.json", "threshold must be ≥ 0")]
    [InlineData("path not a string", "{\n \"genome\": 5\n}", "job.json:2:", "'genome' must be a string")]
    [InlineData("params not an object", "{\n\n \"params\": [1]\n}", "job.json:3:", "'params' must be an object")]
    [InlineData("duplicate key", "{\n \"radius\": 1,\n \"radius\": 2\n}", "job.json:3:", "key 'radius' appears more than once", "first on line 2")]
    [InlineData("top level an array", "[1, 2]", "job.json:1:", "expected a JSON object, found Array")]
    [InlineData("top level a string", "\"genome.fa\"", "job.json:1:", "expected a JSON object, found String")]
    [InlineData("test engine without the switch", "{ \"engine\": \"fake\" }", "job.json", "unknown engine 'fake'; expected one of incremental, naive", "--enable-test-hooks")]
    [InlineData("parameter no engine reads", "{ \"params\": { \"fake.delayMs\": \"5\" } }", "job.json", "engine 'incremental' does not read parameter 'fake.delayMs'; it reads no parameters")]
    public void Bad_spec_is_one_error_line_naming_file_and_line(string row, string text, params string[] mentions)
    {
        _ = row;
        AssertOneErrorLine(RunSpec(Encoding.UTF8.GetBytes(text)), mentions);
    }

    [Fact]
    public void A_param_flag_the_engine_does_not_read_is_one_error_line_naming_the_parameter_and_the_engine()
    {
        // It would change the job id while nothing reads it: the same work under another id.
        var run = ExpectoProcess.Run(_dir, "run", "--engine", "naive", "--param", "seed=7", "--out", Path.Combine(_dir, "out"));
        Assert.True(run.ExitCode == 2, $"expected exit code 2 (bad input)\n{run}");
        Assert.Equal(["expecto: error: engine 'naive' does not read parameter 'seed'; it reads no parameters"], run.ErrLines);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_dir));
    }

    [Fact]
    public void Missing_spec_file_is_one_error_line_naming_it()
    {
        string missing = Path.Combine(_dir, "no-such-spec.json");
        var run = ExpectoProcess.Run(_dir, "run", "--spec", missing);
        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.DoesNotContain("   at ", run.StdErr + run.StdOut);
        Assert.Single(run.ErrLines);
        Assert.Contains(missing, run.ErrLines[0]);
        Assert.Contains("does not exist", run.ErrLines[0]);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_dir));
    }

    [Fact]
    public void Path_in_spec_that_does_not_exist_names_the_path_and_the_spec()
    {
        var run = RunSpec(Encoding.UTF8.GetBytes("{ \"genome\": \"nope.fa\", \"annotation\": \"a.bed\", \"beluga\": \"b.pth\", \"models\": \"modellist\" }"));
        AssertOneErrorLine(run, "job.json", "genome", Path.Combine(_dir, "nope.fa"), "does not exist");
    }

    [Fact]
    public void Bom_and_crlf_are_accepted_and_lines_still_count()
    {
        // The BOM and CRLF parse; the bad value on line 3 proves the parser read past them and counted lines right.
        byte[] bom = [0xEF, 0xBB, 0xBF];
        var run = RunSpec([.. bom, .. Encoding.UTF8.GetBytes("{\r\n \"out\": \"o\",\r\n \"radius\": \"x\"\r\n}\r\n")]);
        AssertOneErrorLine(run, "job.json:3:", "'radius' must be an integer");
        var ok = RunSpec([.. bom, .. Encoding.UTF8.GetBytes("{\r\n \"genome\": \"nope.fa\",\r\n \"annotation\": \"a\", \"beluga\": \"b\", \"models\": \"m\"\r\n}\r\n")]);
        AssertOneErrorLine(ok, "genome", Path.Combine(_dir, "nope.fa"));
    }
}
