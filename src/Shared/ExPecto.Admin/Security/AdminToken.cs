using System.Security.Cryptography;
using System.Text;

namespace ExPecto.Admin.Security;

/// <summary>
/// Compares a presented admin token with the expected one in time that does not depend on where they differ or on
/// their lengths: both are hashed to 32 bytes first, then compared with <see cref="CryptographicOperations.FixedTimeEquals"/>.
/// Tokens are never logged, echoed in errors, or kept beyond the comparison.
/// </summary>
public static class AdminToken
{
    public static bool Matches(string expected, string presented)
    {
        Span<byte> expectedHash = stackalloc byte[SHA256.HashSizeInBytes];
        Span<byte> presentedHash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(expected), expectedHash);
        SHA256.HashData(Encoding.UTF8.GetBytes(presented), presentedHash);
        return CryptographicOperations.FixedTimeEquals(expectedHash, presentedHash);
    }

    /// <summary>A token as stored in a file: the first line, surrounding whitespace removed; null when empty.</summary>
    public static string? FromFileText(string text)
    {
        var line = text.Split('\n', 2)[0].Trim();
        return line.Length == 0 ? null : line;
    }
}

/// <summary>
/// Where the node's expected token comes from: <see cref="AdminOptions.Token"/>, else the token file
/// (<see cref="AdminOptions.TokenFile"/> or $EXPECTO_ADMIN_TOKEN_FILE, re-read when it changes), else
/// $EXPECTO_ADMIN_TOKEN. Null means no token is configured and mutating commands are refused.
/// </summary>
public sealed class AdminTokenSource
{
    private readonly string? _fixed;
    private readonly string? _file;
    private readonly object _gate = new();
    private DateTime _fileStamp;
    private string? _fileToken;

    public AdminTokenSource(AdminOptions options)
    {
        _fixed = NullIfEmpty(options.Token);
        _file = NullIfEmpty(options.TokenFile) ?? NullIfEmpty(Environment.GetEnvironmentVariable(AdminOptions.TokenFileEnvironmentVariable));
        if (_fixed is null && _file is null)
            _fixed = NullIfEmpty(Environment.GetEnvironmentVariable(AdminOptions.TokenEnvironmentVariable))?.Trim();
    }

    /// <summary>Whether a token source is configured at all (the file may still be missing right now).</summary>
    public bool IsConfigured => _fixed is not null || _file is not null;

    public string? Current()
    {
        if (_fixed is not null)
            return _fixed;
        if (_file is null)
            return null;
        lock (_gate)
        {
            // Kubernetes updates a mounted Secret by swapping a symlink; the stamp of the resolved file changes.
            var stamp = File.Exists(_file) ? File.GetLastWriteTimeUtc(_file) : DateTime.MinValue;
            if (stamp != _fileStamp || (_fileToken is null && stamp != DateTime.MinValue))
            {
                _fileStamp = stamp;
                _fileToken = stamp == DateTime.MinValue ? null : AdminToken.FromFileText(File.ReadAllText(_file));
            }
            return _fileToken;
        }
    }

    private static string? NullIfEmpty(string? s) => string.IsNullOrWhiteSpace(s) ? null : s;
}
