namespace ExPecto.Core.Chromatin;

/// <summary>
/// The arithmetic a chromatin engine runs in. <see cref="Fp32"/> is the exact path every equality test is about;
/// the others trade digits for speed and are recorded in a job's id and manifest so their output can never pass for
/// an fp32 run's.
/// </summary>
public enum ComputePrecision
{
    /// <summary>IEEE float32 everywhere (TF32 off on CUDA): the default and the reference.</summary>
    Fp32,

    /// <summary>float32 tensors, but CUDA convolutions and matmuls on TF32 tensor cores (10-bit mantissa products). CUDA only.</summary>
    Tf32,

    /// <summary>
    /// bfloat16 weights and activations for the convolutions and fc1 (fp32 accumulation inside the kernels), fc1
    /// outputs, fc2, sigmoid and every difference in float32. CUDA, or a CPU with AVX512-BF16 or AMX.
    /// </summary>
    Bf16,
}

/// <summary>Names and parsing of <see cref="ComputePrecision"/> (the <c>--precision</c> option).</summary>
public static class ComputePrecisions
{
    public const string OptionName = "--precision";

    /// <summary>Help text of the option, shared by every command that has it.</summary>
    public const string Description =
        "Arithmetic: fp32 (default; exact, the reference), tf32 (CUDA tensor cores), bf16 (CUDA, or CPUs with AVX512-BF16/AMX). " +
        "A non-fp32 precision is part of the job id and the manifest";

    /// <summary>The option's spellings, in the order of the enum.</summary>
    public static IReadOnlyList<string> Names { get; } = ["fp32", "tf32", "bf16"];

    public static string Name(this ComputePrecision p) => Names[(int)p];

    /// <summary>"fp32" | "tf32" | "bf16" (case-insensitive, surrounding blanks ignored).</summary>
    /// <param name="what">Where the value came from, for the message (an option name or a file).</param>
    /// <exception cref="InputException">Any other value.</exception>
    public static ComputePrecision Parse(string? text, string what = OptionName)
    {
        string t = (text ?? "").Trim().ToLowerInvariant();
        int i = Names.ToList().IndexOf(t);
        if (i < 0) throw new InputException($"{what}: unknown precision '{text}'; expected one of {string.Join(", ", Names)}");
        return (ComputePrecision)i;
    }
}
