using ExPecto.Admin.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace ExPecto.Admin.Tests;

/// <summary>The admin options bind like every other section: "Admin", i.e. EXPECTO_ADMIN__ENDPOINT and EXPECTO_ADMIN__TOKENFILE.</summary>
public sealed class OptionsBindingTests
{
    private static AdminOptions Bind(Dictionary<string, string?> values)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        using var provider = new ServiceCollection().AddExPectoAdmin(configuration).BuildServiceProvider();
        return provider.GetRequiredService<IOptions<AdminOptions>>().Value;
    }

    [Fact]
    public void The_Admin_section_binds_endpoint_and_token_file_and_a_chosen_endpoint_must_bind()
    {
        var options = Bind(new() { ["Admin:Endpoint"] = "127.0.0.1:0", ["Admin:TokenFile"] = "/run/token" });
        Assert.Equal("127.0.0.1:0", options.Endpoint);
        Assert.Equal("/run/token", options.TokenFile);
        Assert.True(options.FailIfUnavailable);
    }

    [Fact]
    public void The_default_endpoint_is_loopback_9110_and_a_busy_default_only_warns()
    {
        var options = Bind(new());
        Assert.Equal("127.0.0.1:9110", options.Endpoint);
        Assert.False(options.FailIfUnavailable);
    }
}
