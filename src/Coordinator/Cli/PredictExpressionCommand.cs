using System.CommandLine;
using ExPecto.Beluga;
using ExPecto.Core.Annotation;
using ExPecto.Core.Effects;
using ExPecto.Core.Genome;
using ExPecto.Core.Models;
using ExPecto.Core.Output;

namespace ExPecto.Coordinator.Cli;

/// <summary>`expecto predict-expression`: predicted log expression per gene and tissue from sequence.</summary>
internal static class PredictExpressionCommand
{
    public static Command Create()
    {
        var science = new ScienceOptions();
        var genes = new Option<string>("--genes") { Description = "Genes: ID,ID,… | @file | chrom:chr20 | all", DefaultValueFactory = _ => "all" };
        var output = new Option<string>("--out") { Description = "Output table: .parquet, .tsv or .csv", Required = true };
        var command = new Command("predict-expression", "Predict log expression (base score + bias + w·x) of genes in every tissue model from the ±20 kb around the TSS");
        science.AddTo(command);
        command.Options.Add(genes);
        command.Options.Add(output);
        command.SetAction((parse, ct) =>
        {
            var inputs = science.Resolve(parse);
            using var genome = IndexedFasta.Open(inputs.Genome);
            var annotation = ScienceOptions.LoadAnnotation(inputs, genome);
            var selected = annotation.Select(parse.GetValue(genes)!);
            using var model = TorchChromatinModel.Load(inputs.Beluga, inputs.Torch);
            var models = TissueModelSet.Load(inputs.Models, model.FeatureCount); // F comes from the weight file
            var predictor = new ExpressionPredictor(genome, model);
            var keys = new[] { new KeyColumn("gene", KeyKind.Text), new KeyColumn("chrom", KeyKind.Text), new KeyColumn("strand", KeyKind.Text), new KeyColumn("tss", KeyKind.Integer) };
            using var table = new ResultTableWriter(parse.GetValue(output)!, keys, models.TissueNames.ToList());
            var progress = new Progress("genes", selected.Count);
            foreach (var gene in selected)
            {
                ct.ThrowIfCancellationRequested();
                double[] expr = predictor.Predict(gene, models);
                table.Append([gene.Id, gene.Chrom, gene.StrandChar.ToString(), gene.Tss], Array.ConvertAll(expr, e => (float)e));
                progress.Tick(table.Rows);
            }
            table.Complete();
            Console.Error.WriteLine($"expecto: {table.Rows} genes × {models.Count} tissues predicted");
            Console.Out.WriteLine(Path.GetFullPath(parse.GetValue(output)!));
            return Task.FromResult(0);
        });
        return command;
    }
}
