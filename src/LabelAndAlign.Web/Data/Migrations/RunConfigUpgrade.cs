using System.Text.Json;
using System.Text.Json.Nodes;
using LabelAndAlign.Engine.Recipe;
using Microsoft.Data.Sqlite;

namespace LabelAndAlign.Web.Data.Migrations;

/// <summary>
/// Schema 0007's data step: every stored run config translated to TRL's key names, once, by the one pure translation
/// (<see cref="LegacyKeys.Translate"/>), so old runs still show, clone and resume. A config that is not a JSON object
/// is left as it is (the engine fails that run naming it).
/// </summary>
public static class RunConfigUpgrade
{
    public static void Apply(SqliteConnection connection, SqliteTransaction transaction)
    {
        var changed = new List<(long Id, string Json)>();
        using (var read = connection.CreateCommand())
        {
            read.Transaction = transaction;
            read.CommandText = "SELECT Id, ConfigJson FROM runs;";
            using var r = read.ExecuteReader();
            while (r.Read())
                if (Translated(r.GetString(1)) is { } json) changed.Add((r.GetInt64(0), json));
        }
        using var write = connection.CreateCommand();
        write.Transaction = transaction;
        write.CommandText = "UPDATE runs SET ConfigJson = $c WHERE Id = $id;";
        var c = write.Parameters.Add("$c", SqliteType.Text);
        var id = write.Parameters.Add("$id", SqliteType.Integer);
        foreach (var (runId, json) in changed)
        {
            c.Value = json;
            id.Value = runId;
            write.ExecuteNonQuery();
        }
    }

    /// <summary>The config under TRL's names, or null when there is nothing to change.</summary>
    public static string? Translated(string stored)
    {
        JsonObject? config;
        try { config = JsonNode.Parse(stored) as JsonObject; }
        catch (JsonException) { return null; }
        return config is not null && LegacyKeys.NeedsTranslation(config) ? LegacyKeys.Translate(config).ToJsonString() : null;
    }
}
