namespace ExPecto.Testing;

/// <summary>Locates the repository and the ../shared folder (licensed reference data lives there, never in the repo).</summary>
internal static class TestPaths
{
    /// <summary>The repository root (the folder holding ExPecto.Cluster.sln).</summary>
    public static string RepoRoot { get; } = FindRepoRoot();

    /// <summary>
    /// The shared data folder: $EXPECTO_SHARED_DIR, else ../shared beside the repository. Null when absent.
    /// </summary>
    public static string? SharedDir
    {
        get
        {
            string? env = Environment.GetEnvironmentVariable("EXPECTO_SHARED_DIR");
            if (!string.IsNullOrEmpty(env) && Directory.Exists(env)) return env;
            string sibling = Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared"));
            return Directory.Exists(sibling) ? sibling : null;
        }
    }

    /// <summary>A folder under ../shared/data, or a skip (xunit v3 dynamic skip) naming what is missing.</summary>
    public static string RequireSharedData(string relative)
    {
        string? shared = SharedDir;
        string? path = shared is null ? null : Path.Combine(shared, "data", relative);
        if (path is null || !(Directory.Exists(path) || File.Exists(path)))
            Assert.Skip($"reference data ../shared/data/{relative} is absent (set EXPECTO_SHARED_DIR); skipping");
        return path!;
    }

    /// <summary>A file under tests/fixtures.</summary>
    public static string Fixture(string relative) => Path.Combine(RepoRoot, "tests", "fixtures", relative);

    private static string FindRepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "ExPecto.Cluster.sln")))
            dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("repository root not found above " + AppContext.BaseDirectory);
    }
}
