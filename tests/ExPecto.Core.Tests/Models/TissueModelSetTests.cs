using ExPecto.Core.Models;
using ExPecto.Testing;

namespace ExPecto.Core.Tests.Models;

public sealed class TissueModelSetTests : IDisposable
{
    private readonly string _temp = Directory.CreateTempSubdirectory("expecto-models-").FullName;

    public void Dispose() => Directory.Delete(_temp, recursive: true);

    [Fact]
    public void Expecto_modellist_resolves_dot_models_from_the_repository_root_like_predict_py()
    {
        string list = TestPaths.RequireSharedData("expecto/resources/modellist");
        var entries = TissueModelSet.ReadModelList(list);
        Assert.Equal(218, entries.Count);
        string root = Path.GetDirectoryName(Path.GetDirectoryName(Path.GetFullPath(list)))!;
        Assert.Equal("Adipose Subcutaneous", entries[0].Tissue);
        Assert.Equal(Path.Combine(root, "models",
            "allhistones2000.1.fixed.all.pseudocount0.0001.lambda100.round100.basescore2.Adipose_Subcutaneous.save"), entries[0].Path);
        Assert.All(entries, e => Assert.True(File.Exists(e.Path)));

        var set = TissueModelSet.Load(list, BelugaLayout.F);
        Assert.Equal(218, set.Count);
        Assert.Equal(entries.Select(e => e.Tissue), set.TissueNames);
    }

    [Fact]
    public void Relative_paths_resolve_against_the_list_folder_first()
    {
        var model = new TissueModel("a", 2.0, 0.5, new double[BelugaLayout.Canonical]);
        Directory.CreateDirectory(Path.Combine(_temp, "lists"));
        XgbLinearBinaryFormat.Write(Path.Combine(_temp, "lists", "m1.model"), model.ToXgb(paddedLayout: false));
        XgbLinearJsonFormat.Write(Path.Combine(_temp, "m2.json"), model.ToXgb(paddedLayout: false));
        string list = Path.Combine(_temp, "lists", "modellist");
        File.WriteAllText(list, "ModelName\tTissue\nm1.model\tTissue One\n ./m2.json \tTissue Two\n");

        var entries = TissueModelSet.ReadModelList(list);
        Assert.Equal(Path.Combine(_temp, "lists", "m1.model"), entries[0].Path);
        Assert.Equal(Path.Combine(_temp, "m2.json"), entries[1].Path); // from the list folder's parent
        var set = TissueModelSet.Load(list, BelugaLayout.F);
        Assert.Equal(["Tissue One", "Tissue Two"], set.TissueNames);
        Assert.Equal(2.5, set.Predict(new double[BelugaLayout.Canonical])[1]);

        // An explicit base folder is the only place looked at.
        Assert.Throws<InputException>(() => TissueModelSet.ReadModelList(list, Path.Combine(_temp, "lists")));
    }

    [Fact]
    public void Bad_model_lists_name_the_file_and_line()
    {
        string list = Path.Combine(_temp, "bad");
        File.WriteAllText(list, "Model\tTissue\nx\ty\n");
        var e = Assert.Throws<InputException>(() => TissueModelSet.ReadModelList(list));
        Assert.Equal(1, e.Line);

        File.WriteAllText(list, "ModelName\tTissue\nmissing.model\tT\n");
        e = Assert.Throws<InputException>(() => TissueModelSet.ReadModelList(list));
        Assert.Equal(2, e.Line);
        Assert.Contains("missing.model", e.Message);
    }
}
