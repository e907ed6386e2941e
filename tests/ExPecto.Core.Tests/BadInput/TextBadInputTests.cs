using ExPecto.Core.Annotation;
using ExPecto.Core.Models;
using ExPecto.Core.Variants;

namespace ExPecto.Core.Tests.BadInput;

/// <summary>
/// Bad line-oriented inputs (gene annotation, closest-gene file, VCF, modellist) not covered by the per-parser
/// tests: each error names the file and the 1-based line and says what was expected (see docs/bad-input.md).
/// </summary>
public sealed class TextBadInputTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private static void AssertNames(InputException ex, string path, long? line, string expected)
    {
        Assert.Equal(path, ex.FilePath);
        Assert.Equal(line, ex.Line);
        Assert.Contains(expected, ex.Message);
        Assert.StartsWith(line is null ? $"{path}: " : $"{path}:{line}: ", ex.Message);
    }

    [Theory]
    [InlineData("chr1\t100\t101\t+\n", "found 4 columns")]
    [InlineData("chr1\t100\t101\t?\tG1\n", "expected a strand (+/-) in column 4")]
    [InlineData("chr1\t101\t100\t+\tG1\n", "expected BED start < end")]
    [InlineData("chr1\t-5\t100\t+\tG1\n", "expected BED start < end")]
    [InlineData("chr1\tstart\t100\t+\tG1\n", "expected BED start < end")]
    public void Malformed_bed_rows_name_the_file_and_line(string badRow, string expected)
    {
        string path = _dir.Write("genes.bed", "chr1\t10\t11\t+\tG0\n" + badRow);
        var ex = Assert.Throws<InputException>(() => GeneAnnotation.Load(path));
        AssertNames(ex, path, 2, expected);
    }

    [Fact]
    public void Bed_mixing_the_expecto_and_bed6_layouts_names_the_line()
    {
        string path = _dir.Write("genes.bed", "chr1\t10\t11\t+\tG0\nchr1\t20\t40\tG1\t0\t-\n");
        var ex = Assert.Throws<InputException>(() => GeneAnnotation.Load(path));
        AssertNames(ex, path, 2, "mixed BED layouts");
    }

    [Fact]
    public void Duplicate_gene_ids_in_a_bed_name_both_lines()
    {
        string path = _dir.Write("genes.bed", "chr1\t10\t11\t+\tG0\nchr2\t10\t11\t+\tG1\nchr1\t50\t51\t-\tG0\n");
        var ex = Assert.Throws<InputException>(() => GeneAnnotation.Load(path));
        AssertNames(ex, path, 3, "appears twice: on line 1 and on line 3");
    }

    [Fact]
    public void Csv_header_without_a_required_column_names_line_1()
    {
        string path = _dir.Write("genes.csv", "id,symbol,seqnames,strand,TSS,type\nG1,S,chr1,+,5,pc\n");
        var ex = Assert.Throws<InputException>(() => GeneAnnotation.Load(path));
        AssertNames(ex, path, 1, "expected a 'CAGE_representative_TSS' column");
    }

    [Fact]
    public void Missing_annotation_file_is_an_input_error_naming_it()
    {
        string path = _dir.File("absent.csv");
        var ex = Assert.Throws<InputException>(() => GeneAnnotation.Load(path));
        AssertNames(ex, path, null, "not found");
    }

    [Theory]
    [InlineData("chr1\tx\t5\tA\tC\tchr1\t9\t10\t+\tG1\t5\n", "expected a 0-based variant start in column 2")]
    [InlineData("chr1\t4\t5\tA\tC\tchr1\t9\t10\t.\tG1\t5\n", "expected strand '+' or '-' in column 9")]
    [InlineData("chr1\t4\t5\tA\tC\tchr1\t9\t10\t+\tG1\tfar\n", "expected a signed distance in column 11")]
    [InlineData("chr1\t4\t5\tA\tC\tchr1\t9\t10\t+\t\t5\n", "empty gene id in column 10")]
    public void Malformed_closest_gene_rows_name_the_file_and_line(string badRow, string expected)
    {
        string path = _dir.Write("v.closestgene", "chr1\t4\t5\tA\tC\tchr1\t9\t10\t+\tG1\t5\r\n" + badRow);
        var ex = Assert.Throws<InputException>(() => ClosestGeneFile.Read(path).ToList());
        AssertNames(ex, path, 2, expected);
    }

    [Fact]
    public void Missing_vcf_is_an_input_error_naming_it()
    {
        string path = _dir.File("absent.vcf");
        var ex = Assert.Throws<InputException>(() => VcfReader.ReadAll(path, null, out _));
        AssertNames(ex, path, null, "not found");
    }

    [Theory]
    [InlineData("chr1\t5.5\t.\tA\tC\n", "expected a numeric 1-based POS in column 2, found '5.5'")]
    [InlineData("chr1\t\t.\tA\tC\n", "expected a numeric 1-based POS in column 2")]
    [InlineData("chr1\t99999999999999999999\t.\tA\tC\n", "expected a numeric 1-based POS")]
    public void Non_numeric_or_overflowing_positions_name_the_file_and_line(string badLine, string expected)
    {
        string path = _dir.Write("v.vcf", "##fileformat=VCFv4.2\nchr1\t5\t.\tA\tC\n" + badLine);
        var ex = Assert.Throws<InputException>(() => VcfReader.ReadAll(path, null, out _));
        AssertNames(ex, path, 3, expected);
    }

    [Fact]
    public void Empty_model_list_names_line_1()
    {
        string path = _dir.Write("modellist", "");
        var ex = Assert.Throws<InputException>(() => TissueModelSet.ReadModelList(path));
        AssertNames(ex, path, 1, "expected header 'ModelName\\tTissue'");
    }

    [Fact]
    public void Model_list_row_with_too_few_columns_names_its_line()
    {
        string path = _dir.Write("modellist", "ModelName\tTissue\n\nm.json\n");
        var ex = Assert.Throws<InputException>(() => TissueModelSet.ReadModelList(path));
        AssertNames(ex, path, 3, "expected 2 tab-separated columns, found 1");
    }

    [Fact]
    public void Model_list_row_with_an_empty_model_name_names_its_line()
    {
        string path = _dir.Write("modellist", "ModelName\tTissue\n \tLiver\n");
        var ex = Assert.Throws<InputException>(() => TissueModelSet.ReadModelList(path));
        AssertNames(ex, path, 2, "expected a model file name");
    }

    [Fact]
    public void Model_list_with_only_a_header_is_an_input_error()
    {
        string path = _dir.Write("modellist", "ModelName\tTissue\n");
        var ex = Assert.Throws<InputException>(() => TissueModelSet.ReadModelList(path));
        AssertNames(ex, path, null, "expected at least one model row");
    }

    [Fact]
    public void Model_list_with_bom_and_crlf_is_read()
    {
        File.WriteAllText(_dir.File("m.json"), "{}");
        string path = _dir.File("modellist");
        File.WriteAllBytes(path, [0xEF, 0xBB, 0xBF, .. "ModelName\tTissue\r\nm.json\tLiver\r\n"u8.ToArray()]);
        var rows = TissueModelSet.ReadModelList(path);
        Assert.Equal([("Liver", _dir.File("m.json"))], rows);
    }

    [Fact]
    public void Missing_model_list_is_an_input_error_naming_it()
    {
        string path = _dir.File("absent-modellist");
        var ex = Assert.Throws<InputException>(() => TissueModelSet.ReadModelList(path));
        AssertNames(ex, path, null, "cannot read model list");
    }
}
