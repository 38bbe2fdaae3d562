using System.Text.Json.Nodes;
using LabelAndAlign.Web.Data;
using Microsoft.EntityFrameworkCore;

namespace LabelAndAlign.Web.Services.Labeling;

/// <summary>One click on an empty installation: a demo project with ready-to-label items.</summary>
public sealed class DemoProjectService(IDbContextFactory<AppDbContext> dbs, ProjectService projects, ImportService imports)
{
    public async Task<bool> CanCreateAsync(CancellationToken cancel = default)
    {
        await using var db = await dbs.CreateDbContextAsync(cancel);
        return !await db.Projects.AnyAsync(cancel);
    }

    public async Task<int> CreateAsync(int adminId, CancellationToken cancel = default)
    {
        var project = await projects.CreateAsync(new ProjectService.Settings
        {
            Name = "Demo: arithmetic and short reviews",
            Guidelines = DemoItems.Guidelines,
            LabelsPerItem = 1,
            Rubric = ["Correctness", "Clarity"],
            AskRationale = true,
            LeaseMinutes = 30,
            GoldRate = 0.2,
        }, adminId, cancel);
        var result = await imports.ImportAsync(project.Id, DemoItems.All.Select(item => new JsonObject
        {
            ["prompt"] = item.Prompt, ["response_a"] = item.ResponseA, ["response_b"] = item.ResponseB,
            ["model_a"] = "demo-a", ["model_b"] = "demo-b", ["gold"] = item.Gold,
        }), cancel);
        if (!result.Ok) throw new InvalidOperationException($"The demo task pack failed to import: line {result.Errors[0].Line}: {result.Errors[0].Message}");
        return project.Id;
    }
}
