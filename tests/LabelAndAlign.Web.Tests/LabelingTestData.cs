using System.Text;
using LabelAndAlign.Web.Data;
using LabelAndAlign.Web.Services.Labeling;
using Microsoft.Extensions.Options;

namespace LabelAndAlign.Web.Tests;

/// <summary>A clock the labeling tests move by hand (lease expiry).</summary>
public sealed class LabelingClock : TimeProvider
{
    public DateTimeOffset Now { get; set; } = new(2026, 3, 1, 9, 0, 0, TimeSpan.Zero);
    public override DateTimeOffset GetUtcNow() => Now;
    public void Advance(TimeSpan by) => Now += by;
}

/// <summary>Builders shared by the labeling tests: users, projects and items in a TestDatabase.</summary>
public static class LabelingTestData
{
    public static async Task<int> AddUserAsync(TestDatabase db, string email, UserRole role = UserRole.Labeler)
    {
        await using var ctx = db.CreateContext();
        var user = new User { Email = email, PasswordHash = "x", Role = role, CreatedAt = DateTime.UtcNow };
        ctx.Users.Add(user);
        await ctx.SaveChangesAsync();
        return user.Id;
    }

    public static async Task<int> AddProjectAsync(TestDatabase db, int creatorId, int labelsPerItem, int leaseMinutes = 30, TimeProvider? clock = null)
    {
        await using var ctx = db.CreateContext();
        var project = await new ProjectService(ctx, clock ?? TimeProvider.System).CreateAsync(
            new ProjectService.Settings { Name = "Test project", LabelsPerItem = labelsPerItem, LeaseMinutes = leaseMinutes }, creatorId);
        return project.Id;
    }

    public static ImportService Importer(Data.AppDbContext ctx, int seed = 1, LabelingOptions? options = null) =>
        new(ctx, new ItemParser(new LabelingRandom(seed)), TimeProvider.System, Options.Create(options ?? new LabelingOptions()));

    /// <summary>Imports <paramref name="count"/> items whose responses say which side they are ("a-3", "b-3").</summary>
    public static async Task AddItemsAsync(TestDatabase db, int projectId, int count)
    {
        await using var ctx = db.CreateContext();
        var lines = Enumerable.Range(1, count).Select(i => $$"""{"id": "ext-{{i}}", "prompt": "Prompt {{i}}", "response_a": "a-{{i}}", "response_b": "b-{{i}}", "model_a": "m1", "model_b": "m2"}""");
        var result = await Importer(ctx).ImportAsync(projectId, Stream(string.Join("\n", lines)), ImportService.Format.JsonLines);
        Assert.True(result.Ok, string.Join("; ", result.Errors));
    }

    public static MemoryStream Stream(string text) => new(Encoding.UTF8.GetBytes(text));
}
