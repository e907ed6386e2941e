using ExPecto.Admin.Client;
using ExPecto.Admin.Hosting;
using ExPecto.Admin.Protocol;

namespace ExPecto.Admin.Tests;

public sealed class ClientTests
{
    private static readonly IReadOnlyList<AdminPaletteInfo> Catalogue = AdminServer
        .StandardPalettes(() => throw new InvalidOperationException(), null, null, null)
        .Select(p => new AdminPaletteInfo(p.Name, p.Description, p.Commands.Select(c => c.Info).ToList()))
        .ToList();

    [Theory]
    [InlineData("", new[] { "cluster", "cluster-sharding", "exit", "help", "job", "quit" })]
    [InlineData("clu", new[] { "cluster", "cluster-sharding" })]
    [InlineData("cluster d", new[] { "down", "down-unreachable" })]
    [InlineData("cluster-sharding r", new[] { "region-stats", "regions" })]
    [InlineData("job re", new[] { "resume", "retry-failed" })]
    [InlineData("help cluster-", new[] { "cluster-sharding" })]
    [InlineData("job pause j", new string[0])]
    public void Tab_completes_palettes_then_commands(string line, string[] expected)
    {
        var (candidates, start) = AdminCompleter.Complete(line, Catalogue);

        Assert.Equal(expected, candidates);
        Assert.Equal(line.LastIndexOf(' ') + 1, start);
    }

    [Fact]
    public void Common_prefix_extends_a_partial_word()
    {
        Assert.Equal("down", AdminCompleter.CommonPrefix(["down", "down-unreachable"]));
        Assert.Equal("", AdminCompleter.CommonPrefix([]));
    }

    [Fact]
    public void Prompt_lines_split_on_spaces_and_keep_quoted_cron_expressions_whole()
    {
        Assert.Equal(["schedule", "add", "weekly", "0 3 * * 0", "spec.json"], AdminCli.SplitWords("schedule add weekly \"0 3 * * 0\"  spec.json"));
        Assert.Equal(["a", ""], AdminCli.SplitWords("a ''"));
    }

    [Fact]
    public void Client_options_are_taken_from_anywhere_and_other_words_pass_through_in_order()
    {
        var args = AdminCli.Parse(["--json", "127.0.0.1:9110", "cluster-sharding", "shard-stats", "-r", "gene", "--token-file", "/t"]);

        Assert.Equal("127.0.0.1:9110", args.Endpoint);
        Assert.Equal(["cluster-sharding", "shard-stats", "-r", "gene"], args.Words);
        Assert.True(args.Json);
        Assert.Equal("/t", args.TokenFile);
    }

    [Fact]
    public async Task An_unreachable_endpoint_is_one_line_and_exit_1()
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();

        var code = await AdminCli.RunAsync(["127.0.0.1:1", "cluster", "show"], TextReader.Null, stdout, stderr, TestContext.Current.CancellationToken);

        Assert.Equal(AdminCli.ExitFailure, code);
        Assert.StartsWith("expecto admin: cannot reach the admin endpoint 127.0.0.1:1", Assert.Single(stderr.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries)));
    }

    [Theory]
    [InlineData("localhost:notaport")]
    [InlineData("localhost:70000")]
    [InlineData("::::")]
    public async Task A_malformed_endpoint_is_one_usage_line_naming_it(string endpoint)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();

        var code = await AdminCli.RunAsync([endpoint, "cluster", "show"], TextReader.Null, stdout, stderr, TestContext.Current.CancellationToken);

        Assert.Equal(AdminCli.ExitUsage, code);
        string line = Assert.Single(stderr.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("expecto admin: expected an admin endpoint like 127.0.0.1:9110", line);
        Assert.Contains($"'{endpoint}'", line);
    }

    [Theory]
    [InlineData("127.0.0.1:9110", "127.0.0.1", 9110)]
    [InlineData("0.0.0.0:0", "0.0.0.0", 0)]
    [InlineData("*:9110", "0.0.0.0", 9110)]
    [InlineData("[::1]:9110", "::1", 9110)]
    public void Endpoints_parse_to_listen_addresses(string endpoint, string address, int port)
    {
        var (ip, p) = AdminServer.ParseEndpoint(endpoint);

        Assert.Equal(address, ip.ToString());
        Assert.Equal(port, p);
    }
}
