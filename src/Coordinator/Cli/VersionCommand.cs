using System.CommandLine;
using System.Reflection;

namespace ExPecto.Coordinator.Cli;

internal static class VersionCommand
{
    public static Command Create()
    {
        var command = new Command("version", "Print the version of expecto and of its native runtime");
        command.SetAction(_ =>
        {
            var v = typeof(VersionCommand).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0";
            Console.WriteLine($"expecto {v}");
            return 0;
        });
        return command;
    }
}
