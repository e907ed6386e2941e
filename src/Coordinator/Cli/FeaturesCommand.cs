using System.CommandLine;
using ExPecto.Analysis.Training;
using ExPecto.Beluga;
using ExPecto.Core.Effects;
using ExPecto.Core.Genome;

namespace ExPecto.Coordinator.Cli;

/// <summary>
/// `expecto features`: the 10·F spatially transformed TSS features per gene (F = the Beluga weight file's outputs: 20,020 for Beluga) (200 Beluga windows at 200 bp steps,
/// ±20 kb, exponential decays up- and downstream) as a Parquet matrix — the input of `expecto train`.
/// </summary>
internal static class FeaturesCommand
{
    public static Command Create()
    {
        var science = new ScienceOptions();
        var genes = new Option<string>("--genes") { Description = "Genes: ID,ID,… | @file | chrom:chr20 | all", DefaultValueFactory = _ => "all" };
        var output = new Option<string>("--out") { Description = "Feature matrix Parquet: columns gene, chrom, type, then the 10·F feature columns f<k>_<f> (index k·F + f, F = the weight file's outputs)", Required = true };
        var command = new Command("features", "Compute the 10·F TSS features of genes (20,020 for Beluga) (the training input of expression models)");
        science.AddTo(command);
        command.Options.Add(genes);
        command.Options.Add(output);
        command.SetAction(async (parse, ct) =>
        {
            var inputs = science.Resolve(parse);
            using var genome = IndexedFasta.Open(inputs.Genome);
            var selected = ScienceOptions.LoadAnnotation(inputs, genome).Select(parse.GetValue(genes)!);
            using var model = TorchChromatinModel.Load(inputs.Beluga, inputs.Torch);
            var predictor = new ExpressionPredictor(genome, model);
            int cols = model.FeatureCount * 10;
            var values = new float[selected.Count * cols];
            var progress = new Progress("genes", selected.Count);
            for (int i = 0; i < selected.Count; i++)
            {
                ct.ThrowIfCancellationRequested();
                double[] x = predictor.Features(selected[i]);
                for (int j = 0; j < cols; j++) values[i * cols + j] = (float)x[j];
                progress.Tick(i + 1);
            }
            var names = Enumerable.Range(0, cols).Select(j => $"f{j / model.FeatureCount}_{j % model.FeatureCount}").ToList();
            // Chromosome and type travel with the features so `expecto train` needs no annotation of its own.
            var matrix = new FeatureMatrix(selected.Count, cols, values, selected.Select(g => g.Id).ToList(), names)
            {
                RowChrom = selected.Select(g => g.Chrom).ToArray(),
                RowType = selected.Select(g => g.Type).ToArray(),
            };
            await matrix.WriteParquetAsync(parse.GetValue(output)!, ct);
            Console.Error.WriteLine($"expecto: {selected.Count} genes × {cols} features");
            Console.Out.WriteLine(Path.GetFullPath(parse.GetValue(output)!));
            return 0;
        });
        return command;
    }
}
