namespace ExPecto.Core.Transforms;

/// <summary>ExPecto's nine window shifts for variant effects, in the order of chromatin.py's output files.</summary>
public static class VariantShifts
{
    /// <summary>Shifts in bp: 0, −200, −400, −600, −800, 200, 400, 600, 800.</summary>
    public static readonly int[] All = [0, -200, -400, -600, -800, 200, 400, 600, 800];

    /// <summary>Half the window length less one: a variant with shift s sits at window index 999 − s.</summary>
    public const int CentreIndex = 999;
}
