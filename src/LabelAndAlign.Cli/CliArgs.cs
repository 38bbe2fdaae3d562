using System.Globalization;

namespace LabelAndAlign.Cli;

/// <summary>
/// <c>--name value</c> options and bare <c>--flag</c>s. Every getter names the option in its
/// error, so a typo in a script fails with a message rather than a default silently used.
/// </summary>
public sealed class CliArgs
{
    private readonly Dictionary<string, string?> _options = new(StringComparer.Ordinal);
    private readonly HashSet<string> _read = new(StringComparer.Ordinal);

    public CliArgs(IReadOnlyList<string> args)
    {
        for (int i = 0; i < args.Count; i++)
        {
            string a = args[i];
            if (!a.StartsWith("--", StringComparison.Ordinal) || a.Length == 2)
                throw new CliUsageException($"Unexpected argument '{a}'; options look like --name value.");
            string name = a[2..];
            string? value = null;
            int eq = name.IndexOf('=');
            if (eq >= 0)
            {
                value = name[(eq + 1)..];
                name = name[..eq];
            }
            else if (i + 1 < args.Count && !(args[i + 1].StartsWith("--", StringComparison.Ordinal) && args[i + 1].Length > 2))
            {
                value = args[++i];
            }
            _options[name] = value;
        }
    }

    public bool Has(string name)
    {
        _read.Add(name);
        return _options.ContainsKey(name);
    }

    public bool Flag(string name)
    {
        _read.Add(name);
        if (!_options.TryGetValue(name, out var v)) return false;
        if (v is null) return true;
        return v.ToLowerInvariant() switch
        {
            "true" or "1" or "yes" => true,
            "false" or "0" or "no" => false,
            _ => throw new CliUsageException($"--{name} takes no value (or true/false), found '{v}'."),
        };
    }

    public string? String(string name)
    {
        _read.Add(name);
        if (!_options.TryGetValue(name, out var v)) return null;
        return v ?? throw new CliUsageException($"--{name} needs a value.");
    }

    public string Required(string name) =>
        String(name) ?? throw new CliUsageException($"Missing required option --{name}.");

    public int Int(string name, int fallback)
    {
        var s = String(name);
        if (s is null) return fallback;
        return int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v)
            ? v : throw new CliUsageException($"--{name} must be a whole number, found '{s}'.");
    }

    public float Float(string name, float fallback)
    {
        var s = String(name);
        if (s is null) return fallback;
        return float.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out float v) && float.IsFinite(v)
            ? v : throw new CliUsageException($"--{name} must be a number, found '{s}'.");
    }

    /// <summary>Throws when an option was given that the command never asked about.</summary>
    public void RejectUnknown()
    {
        foreach (var name in _options.Keys)
            if (!_read.Contains(name))
                throw new CliUsageException($"Unknown option --{name}.");
    }
}

/// <summary>A mistake in how the command was called; printed without a stack trace, exit code 2.</summary>
public sealed class CliUsageException(string message) : Exception(message);
