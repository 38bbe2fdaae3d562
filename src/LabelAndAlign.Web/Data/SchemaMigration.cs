namespace LabelAndAlign.Web.Data;

/// <summary>One step of the schema: version N's SQL, applied once, in order, in a transaction.</summary>
public sealed record SchemaMigration(int Version, string Name, string Sql)
{
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
                return new SchemaMigration(version, file[(underscore + 1)..], reader.ReadToEnd());
            })
            .OrderBy(m => m.Version)
            .ToArray();
    }
}
