using System.Text.Json;
using System.Text.Json.Nodes;
using LabelAndAlign.Engine.Recipe;
using Microsoft.EntityFrameworkCore;

namespace LabelAndAlign.Web.Data.Migrations;

/// <summary>
/// The data step of migration <c>TrlRunKeys</c>: every stored run config translated to TRL's key names, once, by the one
/// pure translation (<see cref="LegacyKeys.Translate"/>), so old runs still show, clone and resume. A config that is not
/// a JSON object is left as it is (the engine fails that run naming it). Runs inside the migration's transaction
/// (<see cref="SchemaMigrator"/>).
/// </summary>
public static class RunConfigUpgrade
{
    public static async Task ApplyAsync(AppDbContext db, CancellationToken cancel)
    {
        var runs = await db.Runs.AsNoTracking().Select(r => new { r.Id, r.ConfigJson }).ToListAsync(cancel);
        foreach (var run in runs)
        {
            if (Translated(run.ConfigJson) is not { } json) continue;
            await db.Runs.Where(r => r.Id == run.Id).ExecuteUpdateAsync(u => u.SetProperty(r => r.ConfigJson, json), cancel);
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
