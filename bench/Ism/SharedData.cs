namespace ExPecto.Bench.Ism;

/// <summary>The shared reference data folder: $EXPECTO_SHARED_DIR, else a `shared` folder beside the repository.</summary>
internal static class SharedData
{
    /// <summary>The path of <paramref name="relative"/> under shared/data, or null (with the reason) when absent.</summary>
    public static string? Find(string relative, out string reason)
    {
        string? root = Environment.GetEnvironmentVariable("EXPECTO_SHARED_DIR");
        if (root is null)
        {
            // Walk up from the working directory to the repository (the folder holding ExPecto.Cluster.sln); ../shared.
            for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "ExPecto.Cluster.sln")))
                {
                    root = Path.Combine(dir.FullName, "..", "shared");
                    break;
                }
            }
        }
        string? path = root is null ? null : Path.GetFullPath(Path.Combine(root, "data", relative));
        reason = path is null ? "no EXPECTO_SHARED_DIR and no ../shared beside the repository"
            : File.Exists(path) || Directory.Exists(path) ? "" : $"{path} is absent (set EXPECTO_SHARED_DIR)";
        return path is not null && reason.Length == 0 ? path : null;
    }
}
