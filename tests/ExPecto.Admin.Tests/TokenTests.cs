using System.Reflection;
using System.Reflection.Emit;
using System.Security.Cryptography;
using ExPecto.Admin.Client;
using ExPecto.Admin.Security;
using ExPecto.Admin.Tests.Support;

namespace ExPecto.Admin.Tests;

[Collection(TwoNodeCollection.Name)]
public sealed class TokenTests(TwoNodeClusterFixture fixture)
{
    private LoopbackCluster.Node A => fixture.Cluster.Nodes[0];

    [Fact]
    public async Task A_mutating_command_without_a_token_is_refused_with_one_line()
    {
        var run = await Cli.AdminAsync(A.Endpoint, "cluster", "down-unreachable");

        Assert.Equal(AdminCli.ExitRefused, run.ExitCode);
        Assert.Contains("'cluster down-unreachable' needs the admin token", Assert.Single(run.ErrLines));
    }

    [Fact]
    public async Task A_mutating_command_with_a_wrong_token_is_refused_and_neither_token_is_echoed()
    {
        var run = await Cli.AdminAsync(A.Endpoint, "cluster", "down-unreachable", "--token-file", Cli.TokenFile("wrong-token-value"));

        Assert.Equal(AdminCli.ExitRefused, run.ExitCode);
        Assert.Equal("expecto admin: admin token refused", Assert.Single(run.ErrLines));
        Assert.DoesNotContain("wrong-token-value", run.Err + run.Out);
        Assert.DoesNotContain(LoopbackCluster.Token, run.Err + run.Out);
    }

    [Fact]
    public async Task A_mutating_command_with_the_right_token_runs()
    {
        var run = await Cli.AdminAsync(A.Endpoint, "cluster", "down-unreachable", "--token-file", Cli.TokenFile(LoopbackCluster.Token));

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("no unreachable members", run.Out);
    }

    [Fact]
    public void Matches_accepts_only_the_identical_token()
    {
        Assert.True(AdminToken.Matches("abc-123", "abc-123"));
        Assert.False(AdminToken.Matches("abc-123", "abc-124"));
        Assert.False(AdminToken.Matches("abc-123", "abc-1234"));
        Assert.False(AdminToken.Matches("abc-123", ""));
        Assert.Equal("tok", AdminToken.FromFileText("  tok \nsecond line"));
        Assert.Null(AdminToken.FromFileText("\n"));
    }

    [Fact]
    public void Matches_compares_with_CryptographicOperations_FixedTimeEquals_and_no_string_equality()
    {
        var called = CalledMethods(typeof(AdminToken).GetMethod(nameof(AdminToken.Matches))!);

        Assert.Contains(called, m => m.DeclaringType == typeof(CryptographicOperations) && m.Name == nameof(CryptographicOperations.FixedTimeEquals));
        Assert.DoesNotContain(called, m => m.DeclaringType == typeof(string) && m.Name is "Equals" or "op_Equality" or "CompareOrdinal" or "Compare");
        Assert.DoesNotContain(called, m => m.Name is "SequenceEqual");
    }

    [Fact]
    public void A_token_file_is_reread_after_rotation()
    {
        var path = Cli.TokenFile("first");
        var source = new AdminTokenSource(new AdminOptions { TokenFile = path });
        Assert.Equal("first", source.Current());

        File.WriteAllText(path, "second\n");
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddSeconds(5));

        Assert.Equal("second", source.Current());
    }

    /// <summary>The methods a method body calls, read from its IL (call / callvirt operands).</summary>
    private static List<MethodBase> CalledMethods(MethodInfo method)
    {
        var il = method.GetMethodBody()!.GetILAsByteArray()!;
        var found = new List<MethodBase>();
        for (var i = 0; i + 4 < il.Length; i++)
        {
            if (il[i] != OpCodes.Call.Value && il[i] != OpCodes.Callvirt.Value)
                continue;
            var token = BitConverter.ToInt32(il, i + 1);
            try
            {
                if (method.Module.ResolveMethod(token) is { } m)
                    found.Add(m);
            }
            catch (ArgumentException)
            {
                // A byte that merely looks like a call opcode; its "token" resolves to nothing.
            }
        }
        return found;
    }
}
