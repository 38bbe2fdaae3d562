using Microsoft.Data.Sqlite;

namespace LabelAndAlign.Web.Data;

/// <summary>
/// One step of the schema: version N's SQL, then its data step in code when rows need more than SQL can say (JSON
/// rewritten), applied once, in order, in one transaction.
/// </summary>
public sealed record SchemaMigration(int Version, string Name, string Sql, Action<SqliteConnection, SqliteTransaction>? Code = null)
{
    /// <summary>Data steps by version.</summary>
    private static readonly Dictionary<int, Action<SqliteConnection, SqliteTransaction>> CodeSteps = new()
    {
        [7] = Migrations.RunConfigUpgrade.Apply,
    };

    /// <summary>The scripts shipped in <c>Data/Migrations/NNNN_name.sql</c>, ordered by version.</summary>
    public static IReadOnlyList<SchemaMigration> Embedded { get; } = LoadEmbedded();

    private static SchemaMigration[] LoadEmbedded()
    {
        var assembly = typeof(SchemaMigration).Assembly;
        const string prefix = "LabelAndAlign.Web.Data.Migrations.";
        return assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith(prefix, StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal))
            .Select(n =>
            {
                string file = n[prefix.Length..^4];
                int underscore = file.IndexOf('_');
                if (underscore <= 0 || !int.TryParse(file[..underscore], out int version))
                    throw new InvalidOperationException($"Migration script '{file}.sql' must be named NNNN_description.sql.");
                using var stream = assembly.GetManifestResourceStream(n)!;
                using var reader = new StreamReader(stream);
                return new SchemaMigration(version, file[(underscore + 1)..], reader.ReadToEnd(), CodeSteps.GetValueOrDefault(version));
            })
            .OrderBy(m => m.Version)
            .ToArray();
    }
}
