using ExPecto.Core.Annotation;
using ExPecto.Core.Chromatin;
using ExPecto.Core.Genome;
using ExPecto.Core.Models;
using ExPecto.Core.Transforms;

namespace ExPecto.Core.Effects;

/// <summary>
/// Predicted log expression of genes from sequence alone: the 200 windows around the representative TSS
/// (<see cref="TssFeatures"/>), chromatin probabilities for each, the 10·F spatially transformed features, then each
/// tissue model (base score + bias + w·x, natural log of expression + pseudocount as the model was trained).
/// </summary>
public sealed class ExpressionPredictor
{
    private readonly IndexedFasta _genome;
    private readonly IChromatinModel _model;

    public ExpressionPredictor(IndexedFasta genome, IChromatinModel model)
    {
        if (model.WindowLength != 2000)
            throw new ArgumentException($"TSS features need 2,000 bp windows; the model takes {model.WindowLength}");
        _genome = genome;
        _model = model;
    }

    /// <summary>The 10·F TSS features of a gene (k·F + f; F = the chromatin model's outputs).</summary>
    public double[] Features(Gene gene)
    {
        int w = _model.WindowLength, f = _model.FeatureCount;
        long[] centres = TssFeatures.WindowCentres(gene.Tss, gene.Strand);
        var seqs = new byte[centres.Length * w];
        for (int i = 0; i < centres.Length; i++)
        {
            (long start1, _) = TssFeatures.Window(centres[i]);
            _genome.Fetch(gene.Chrom, start1 - 1, seqs.AsSpan(i * w, w));
        }
        var preds = new float[centres.Length * f];
        _model.Predict(seqs, centres.Length, preds);
        return TssFeatures.Fold(preds);
    }

    /// <summary>Predicted log expression per tissue, in model order.</summary>
    public double[] Predict(Gene gene, TissueModelSet models) => models.Predict(Features(gene));
}
