using System.Text;
using LabelAndAlign.Web.Data;
using LabelAndAlign.Web.Data.Labeling;
using LabelAndAlign.Web.Services.Datasets;
using LabelAndAlign.Web.Services.Imports;
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

/// <summary>
/// The most common arrangement of the labeling tests: a fresh database, one labeler who created a
/// project (N labels per item, 1 by default) holding <c>items</c> imported items, and a context to act in.
/// </summary>
public sealed class SoloProject : IAsyncDisposable
{
    private SoloProject(TestDatabase db, AppDbContext context, int user, int project) =>
        (Db, Context, User, Project) = (db, context, user, project);

    public TestDatabase Db { get; }
    public AppDbContext Context { get; }
    public int User { get; }
    public int Project { get; }

    public static async Task<SoloProject> CreateAsync(int items, TimeProvider? clock = null, int labelsPerItem = 1, int leaseMinutes = 30)
    {
        var db = new TestDatabase();
        int user = await LabelingTestData.AddUserAsync(db, "l@example.com");
        int project = await LabelingTestData.AddProjectAsync(db, user, labelsPerItem, leaseMinutes, clock);
        if (items > 0) await LabelingTestData.AddItemsAsync(db, project, items);
        return new SoloProject(db, db.CreateContext(), user, project);
    }

    public async ValueTask DisposeAsync()
    {
        await Context.DisposeAsync();
        Db.Dispose();
    }
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
        var project = await new ProjectService(db.Factory, clock ?? TimeProvider.System).CreateAsync(
            new ProjectService.Settings { Name = "Test project", LabelsPerItem = labelsPerItem, LeaseMinutes = leaseMinutes }, creatorId);
        return project.Id;
    }

    /// <summary>Makes the users Labeler members of the project (labels come only from members).</summary>
    public static async Task JoinAsync(TestDatabase db, int projectId, params int[] userIds)
    {
        await using var ctx = db.CreateContext();
        foreach (int user in userIds)
            ctx.ProjectMembers.Add(new ProjectMember { ProjectId = projectId, UserId = user, Role = ProjectRoles.Labeler, AddedAt = DateTime.UtcNow });
        await ctx.SaveChangesAsync();
    }

    public static ImportService Importer(TestDatabase db, int seed = 1, ImportOptions? limits = null, LabelingEvents? events = null) =>
        new(db.Factory, new ItemParser(new LabelingRandom(seed)), TimeProvider.System, Options.Create(limits ?? new ImportOptions()), events);

    public static DatasetService Datasets(TestDatabase db, ImportOptions? limits = null) =>
        new(db.Factory, TimeProvider.System, Options.Create(limits ?? new ImportOptions()));

    /// <summary>Imports <paramref name="count"/> items whose responses say which side they are ("a-3", "b-3").</summary>
    public static async Task AddItemsAsync(TestDatabase db, int projectId, int count)
    {
        var lines = Enumerable.Range(1, count).Select(i => $$"""{"id": "ext-{{i}}", "prompt": "Prompt {{i}}", "response_a": "a-{{i}}", "response_b": "b-{{i}}", "model_a": "m1", "model_b": "m2"}""");
        var result = await Importer(db).ImportAsync(projectId, Stream(string.Join("\n", lines)), ImportService.Format.JsonLines);
        Assert.True(result.Ok, string.Join("; ", result.Errors));
    }

    public static MemoryStream Stream(string text) => new(Encoding.UTF8.GetBytes(text));
}
