using System.CommandLine;
using ExPecto.Coordinator.Cli;

// `expecto`: the user-facing command line. Each command lives in Cli/<Name>Command.cs and is registered here.
var root = new RootCommand("ExPecto.Cluster: ab initio prediction of expression effects of sequence variants (Zhou et al. 2018)");
foreach (var command in CommandCatalog.All())
    root.Subcommands.Add(command);
return await CliRunner.InvokeAsync(root, args);
