using ExPecto.Testing;
using System.Buffers.Binary;
using ExPecto.Core.Models;

namespace ExPecto.Core.Tests.BadInput;

/// <summary>Bad tissue model files not covered by the Models tests (see docs/bad-input.md).</summary>
public sealed class ModelBadInputTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private static XgbLinearModel Small => new(2f, -0.5f, [0.1f, -0.2f, 0.3f]);

    [Fact]
    public void Missing_model_file_is_an_input_error_naming_it()
    {
        string path = _dir.File("absent.save");
        var ex = Assert.Throws<InputException>(() => TissueModel.Load(path, "Liver", BelugaLayout.F));
        Assert.Equal(path, ex.FilePath);
        Assert.Contains("cannot read model file", ex.Message);
    }

    [Fact]
    public void Model_with_the_wrong_feature_count_names_the_file_and_both_counts()
    {
        string path = _dir.File("small.json");
        XgbLinearJsonFormat.Write(path, Small);
        var ex = Assert.Throws<InputException>(() => TissueModel.Load(path, "Liver", BelugaLayout.F));
        Assert.Equal(path, ex.FilePath);
        Assert.Contains("tissue model has 3 feature columns; the chromatin model has 2002 outputs, so expected 20020 (10·2002, canonical) or 20030 (10·2003, padded)", ex.Message);
    }

    [Fact]
    public void Binary_model_whose_weight_count_is_huge_is_refused_without_overflow_or_allocation()
    {
        // The count (u64) sits just before the weights; 2^63 + 4 used to overflow a checked cast.
        byte[] bytes = XgbLinearBinaryFormat.ToBytes(Small);
        int countAt = bytes.Length - 4 * 4 - 8;
        Assert.Equal(4UL, BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(countAt)));
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(countAt), (1UL << 63) + 4);
        string path = _dir.File("corrupt.save");
        File.WriteAllBytes(path, bytes);
        var ex = Assert.Throws<InputException>(() => XgbModelFile.Load(path));
        Assert.Equal(path, ex.FilePath);
        Assert.Contains("expected 4 weights (features + bias)", ex.Message);
    }

    [Fact]
    public void Binary_model_claiming_more_features_than_the_file_holds_is_refused_before_allocating()
    {
        byte[] bytes = XgbLinearBinaryFormat.ToBytes(Small);
        // num_feature (learner at 4 + 4, booster after the strings) and the count all say 4,000,000,000.
        const uint huge = 4_000_000_000;
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(8), huge);
        int boosterAt = 4 + 136 + 8 + "reg:linear".Length + 8 + "gblinear".Length;
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(boosterAt), huge);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(boosterAt + 136), (ulong)huge + 1);
        string path = _dir.File("corrupt.save");
        File.WriteAllBytes(path, bytes);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var ex = Assert.Throws<InputException>(() => XgbModelFile.Load(path));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 64 << 20, "allocated as if the count were true");
        Assert.Equal(path, ex.FilePath);
        Assert.Contains("file ends early", ex.Message);
    }

    [Fact]
    public void Truncated_json_model_is_an_input_error_naming_the_file()
    {
        byte[] json = XgbLinearJsonFormat.ToBytes(Small);
        string path = _dir.File("truncated.json");
        File.WriteAllBytes(path, json[..(json.Length / 2)]);
        var ex = Assert.Throws<InputException>(() => XgbModelFile.Load(path));
        Assert.Equal(path, ex.FilePath);
        Assert.Contains("XGBoost JSON model", ex.Message);
    }

    [Fact]
    public void Empty_model_file_is_an_input_error_naming_the_file()
    {
        string path = _dir.Write("empty.save", "");
        var ex = Assert.Throws<InputException>(() => XgbModelFile.Load(path));
        Assert.Equal(path, ex.FilePath);
        Assert.Contains("file ends early", ex.Message);
    }
}
