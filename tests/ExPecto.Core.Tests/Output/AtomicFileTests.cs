using ExPecto.Core.Output;

namespace ExPecto.Core.Tests.Output;

public sealed class AtomicFileTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void A_write_that_cannot_land_names_the_path_in_one_line_and_leaves_no_temp_file()
    {
        // A folder where the file must go: rename(2) cannot replace it, not even as root (chmod would not stop root).
        string target = _dir.File("gene.tsv");
        Directory.CreateDirectory(Path.Combine(target, "obstacle"));

        var e = Assert.Throws<IOException>(() => AtomicFile.WriteAllText(target, "rows\n"));

        Assert.StartsWith($"cannot write {target}: ", e.Message);
        Assert.DoesNotContain('\n', e.Message);
        Assert.DoesNotContain(Directory.EnumerateFiles(_dir.Path), f => AtomicFile.IsTempName(Path.GetFileName(f)));
    }

    [Fact]
    public void A_folder_that_cannot_be_created_is_reported_the_same_way()
    {
        string blocker = _dir.Write("not-a-folder", "x");
        string target = Path.Combine(blocker, "sub", "gene.tsv");

        var e = Assert.Throws<IOException>(() => AtomicFile.WriteAllBytes(target, [1, 2, 3]));

        Assert.StartsWith($"cannot write {target}: ", e.Message);
    }

    [Fact]
    public void Write_if_changed_leaves_an_identical_file_untouched_and_replaces_a_different_one()
    {
        string path = _dir.File("manifest.json");
        Assert.True(AtomicFile.WriteIfChanged(path, "{\"a\":1}"u8));
        var stamp = new DateTime(2001, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        File.SetLastWriteTimeUtc(path, stamp);

        Assert.False(AtomicFile.WriteIfChanged(path, "{\"a\":1}"u8));
        Assert.Equal(stamp, File.GetLastWriteTimeUtc(path));

        Assert.True(AtomicFile.WriteIfChanged(path, "{\"a\":2}"u8));
        Assert.Equal("{\"a\":2}", File.ReadAllText(path));
    }
}
