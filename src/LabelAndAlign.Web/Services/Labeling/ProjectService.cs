using System.Security.Claims;
using System.Text.Json;
using LabelAndAlign.Web.Data;
using LabelAndAlign.Web.Data.Labeling;
using LabelAndAlign.Web.Security;
using Microsoft.EntityFrameworkCore;

namespace LabelAndAlign.Web.Services.Labeling;

/// <summary>Projects, their settings and members, and who may do what in them.</summary>
public sealed class ProjectService(IDbContextFactory<AppDbContext> dbs, TimeProvider clock)
{
    public const int MaxNameLength = 200;
    public const int MaxGuidelinesLength = 100_000;
    public const int MaxLabelsPerItem = 50;

    /// <summary>Settings a lead edits; every field is validated with the field's name.</summary>
    public sealed class Settings
    {
        public string? Name { get; set; }
        public string? Guidelines { get; set; }
        public int LabelsPerItem { get; set; } = 1;
        public List<string> Rubric { get; set; } = [];
        public bool AskRationale { get; set; }
        public int LeaseMinutes { get; set; } = 30;
        public double GoldRate { get; set; }

        public static Settings From(Project p) => new()
        {
            Name = p.Name, Guidelines = p.Guidelines, LabelsPerItem = p.LabelsPerItem, Rubric = ParseRubric(p.RubricJson),
            AskRationale = p.AskRationale, LeaseMinutes = p.LeaseMinutes, GoldRate = p.GoldRate,
        };
    }

    public static List<string> ParseRubric(string json) => JsonSerializer.Deserialize<List<string>>(json) ?? [];

    public async Task<Project> CreateAsync(Settings settings, int creatorId, CancellationToken cancel = default)
    {
        var project = new Project { Name = "", CreatedAt = clock.GetUtcNow().UtcDateTime };
        Apply(project, settings);
        await using var db = await dbs.CreateDbContextAsync(cancel);
        await db.InTransactionAsync(null, async c =>
        {
            db.Projects.Add(project);
            await db.SaveChangesAsync(c);
            db.ProjectMembers.Add(new ProjectMember { ProjectId = project.Id, UserId = creatorId, Role = ProjectRoles.Lead, AddedAt = project.CreatedAt });
            await db.SaveChangesAsync(c);
        }, cancel);
        return project;
    }

    public async Task UpdateAsync(int projectId, Settings settings, CancellationToken cancel = default)
    {
        await using var db = await dbs.CreateDbContextAsync(cancel);
        var project = await db.Projects.SingleOrDefaultAsync(p => p.Id == projectId, cancel)
            ?? throw new InputException("id", $"No project with id {projectId}.");
        int oldN = project.LabelsPerItem;
        Apply(project, settings);
        int n = project.LabelsPerItem;
        await db.InTransactionAsync(null, async c =>
        {
            await db.SaveChangesAsync(c);
            if (oldN != n)
                await db.Items.Where(i => i.ProjectId == projectId).ExecuteUpdateAsync(u => u.SetProperty(i => i.IsOpen, i => i.SlotsTaken < n && i.ArchivedAt == null), c);
        }, cancel);
    }

    private static void Apply(Project project, Settings s)
    {
        string name = s.Name?.Trim() ?? "";
        if (name.Length == 0) throw new InputException("name", "Project name is required.");
        if (name.Length > MaxNameLength) throw new InputException("name", $"Project name must have at most {MaxNameLength} characters; it has {name.Length}.");
        string guidelines = s.Guidelines ?? "";
        if (guidelines.Length > MaxGuidelinesLength) throw new InputException("guidelines", $"Guidelines must have at most {MaxGuidelinesLength} characters; they have {guidelines.Length}.");
        if (s.LabelsPerItem is < 1 or > MaxLabelsPerItem) throw new InputException("labelsPerItem", $"Labels per item must be between 1 and {MaxLabelsPerItem}; found {s.LabelsPerItem}.");
        if (s.LeaseMinutes is < 1 or > 24 * 60) throw new InputException("leaseMinutes", $"Lease must be between 1 and 1440 minutes; found {s.LeaseMinutes}.");
        if (double.IsNaN(s.GoldRate) || s.GoldRate is < 0 or > 1) throw new InputException("goldRate", $"Gold rate must be between 0 and 1; found {s.GoldRate}.");
        var rubric = s.Rubric.Select(r => r.Trim()).Where(r => r.Length > 0).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        if (rubric.Count > 10 || rubric.Any(r => r.Length > 60)) throw new InputException("rubric", "Use at most 10 rubric dimensions of at most 60 characters each.");
        project.Name = name;
        project.Guidelines = guidelines;
        project.LabelsPerItem = s.LabelsPerItem;
        project.RubricJson = JsonSerializer.Serialize(rubric);
        project.AskRationale = s.AskRationale;
        project.LeaseMinutes = s.LeaseMinutes;
        project.GoldRate = s.GoldRate;
    }

    public async Task<Project?> FindAsync(int projectId, CancellationToken cancel = default)
    {
        await using var db = await dbs.CreateDbContextAsync(cancel);
        return await db.Projects.AsNoTracking().SingleOrDefaultAsync(p => p.Id == projectId, cancel);
    }

    public sealed record ProjectName(int Id, string Name);

    /// <summary>Every project's id and name, by name (pickers); archived ones are left out.</summary>
    public async Task<List<ProjectName>> NamesAsync(CancellationToken cancel = default)
    {
        await using var db = await dbs.CreateDbContextAsync(cancel);
        return await db.Projects.Where(p => p.ArchivedAt == null).OrderBy(p => p.Name).Select(p => new ProjectName(p.Id, p.Name)).ToListAsync(cancel);
    }

    /// <summary>
    /// Adds the user with the role, or changes the role of an existing member. Labeler and Lead
    /// members must be people whose own role may label (not Viewers).
    /// </summary>
    public async Task<ProjectMember> SetMemberAsync(int projectId, string? email, string? role, CancellationToken cancel = default)
    {
        if (string.IsNullOrWhiteSpace(email)) throw new InputException("email", "Email is required.");
        if (role is null || !ProjectRoles.All.Contains(role, StringComparer.Ordinal))
            throw new InputException("role", $"Role must be one of: {string.Join(", ", ProjectRoles.All)}; found '{role}'.");
        string normalized = AccountService.NormalizeEmail(email);
        await using var db = await dbs.CreateDbContextAsync(cancel);
        var user = await db.Users.AsNoTracking().SingleOrDefaultAsync(u => u.Email == normalized, cancel)
            ?? throw new InputException("email", $"No user with email {normalized}; an admin adds people first.");
        if (user.Role == UserRole.Worker)
            throw new InputException("email", $"{normalized} is a Worker account (a training machine's identity), not a person; it cannot be a project member.");
        // A project role cannot give more than the person's own role: Viewers do not label anywhere.
        if (role is ProjectRoles.Labeler or ProjectRoles.Lead && !AppPolicies.Roles[AppPolicies.Label].Contains(user.Role))
            throw new InputException("role", $"{normalized} is a {user.Role}, and a {user.Role} cannot label. Add them as a project Viewer, or ask an admin to make them a Labeler first.");
        var member = await db.ProjectMembers.SingleOrDefaultAsync(m => m.ProjectId == projectId && m.UserId == user.Id, cancel);
        if (member is null)
        {
            member = new ProjectMember { ProjectId = projectId, UserId = user.Id, Role = role, AddedAt = clock.GetUtcNow().UtcDateTime };
            db.ProjectMembers.Add(member);
        }
        else member.Role = role;
        await db.SaveChangesAsync(cancel);
        return member;
    }

    /// <summary>
    /// A lead or admin joins a project they manage as a Lead member, so they can label in it
    /// (every vote comes from a named member). Others are refused.
    /// </summary>
    public async Task JoinAsync(int projectId, ClaimsPrincipal user, CancellationToken cancel = default)
    {
        var access = await AccessAsync(projectId, user, cancel);
        if (!access.CanManage) throw new InputException("project", "Only a lead or an admin can join a project by themselves; ask a lead to add you.");
        if (access.CanLabel) return;
        int userId = user.UserId()!.Value;
        await using var db = await dbs.CreateDbContextAsync(cancel);
        var member = await db.ProjectMembers.SingleOrDefaultAsync(m => m.ProjectId == projectId && m.UserId == userId, cancel);
        if (member is null)
            db.ProjectMembers.Add(new ProjectMember { ProjectId = projectId, UserId = userId, Role = ProjectRoles.Lead, AddedAt = clock.GetUtcNow().UtcDateTime });
        else member.Role = ProjectRoles.Lead; // a manager listed as a project Viewer
        await db.SaveChangesAsync(cancel);
    }

    public sealed record MemberRow(int UserId, string Email, string Role, UserRole GlobalRole);

    public async Task<List<MemberRow>> MembersAsync(int projectId, CancellationToken cancel = default)
    {
        await using var db = await dbs.CreateDbContextAsync(cancel);
        return await (from m in db.ProjectMembers
                      join u in db.Users on m.UserId equals u.Id
                      where m.ProjectId == projectId
                      orderby u.Email
                      select new MemberRow(u.Id, u.Email, m.Role, u.Role)).AsNoTracking().ToListAsync(cancel);
    }

    public async Task<ProjectAccess> AccessAsync(int projectId, ClaimsPrincipal user, CancellationToken cancel = default)
    {
        if (user.UserId() is not int userId) return ProjectAccess.None;
        await using var db = await dbs.CreateDbContextAsync(cancel);
        if (!await db.Projects.AnyAsync(p => p.Id == projectId, cancel)) return ProjectAccess.None;
        bool manager = user.IsInRole(nameof(UserRole.Admin)) || user.IsInRole(nameof(UserRole.Lead));
        string? role = await db.ProjectMembers.Where(m => m.ProjectId == projectId && m.UserId == userId)
            .Select(m => m.Role).SingleOrDefaultAsync(cancel);
        // Labeling needs membership even for leads, so every vote comes from a named project member.
        bool canLabel = role is ProjectRoles.Labeler or ProjectRoles.Lead && !user.IsInRole(nameof(UserRole.Viewer));
        bool canView = manager || role is not null;
        return new ProjectAccess(canView, manager, canLabel, canView);
    }

    /// <summary>
    /// The labeler's labels today (UTC) and in total, and the items left for them: open items
    /// they have not labeled, plus the one they hold (which may have filled its last slot).
    /// Every count is an index range, so this stays cheap on a million items.
    /// </summary>
    public async Task<(long DoneToday, long Remaining, long MyTotal)> ProgressAsync(int projectId, int userId, CancellationToken cancel = default)
    {
        var today = clock.GetUtcNow().UtcDateTime.Date;
        await using var db = await dbs.CreateDbContextAsync(cancel);
        long doneToday = await db.Labels.LongCountAsync(l => l.LabelerId == userId && l.ProjectId == projectId && l.CreatedAt >= today, cancel);
        long total = await db.Labels.LongCountAsync(l => l.LabelerId == userId && l.ProjectId == projectId, cancel);
        long open = await db.Items.LongCountAsync(i => i.ProjectId == projectId && i.IsOpen, cancel);
        var mine = db.Assignments.Where(a => a.LabelerId == userId && a.ProjectId == projectId);
        long doneStillOpen = await mine.Where(a => a.Status == AssignmentStatus.Done)
            .Join(db.Items.Where(i => i.IsOpen), a => a.ItemId, i => i.Id, (a, i) => a.Id).LongCountAsync(cancel);
        long heldFull = await mine.Where(a => a.Status == AssignmentStatus.Leased)
            .Join(db.Items.Where(i => !i.IsOpen), a => a.ItemId, i => i.Id, (a, i) => a.Id).LongCountAsync(cancel);
        return (doneToday, Math.Max(0, open - doneStillOpen + heldFull), total);
    }

    public sealed record ProjectSummary(int Id, string Name, int LabelsPerItem, long Items, long NeedLabels, long MyLabels, long MyToday, string? MyRole, DateTime? ArchivedAt = null);

    /// <summary>Projects the user labels in (as a member), with their progress; managers see every project. Archived ones only with <paramref name="archived"/>.</summary>
    public async Task<List<ProjectSummary>> ListAsync(int userId, bool all, bool archived = false, CancellationToken cancel = default)
    {
        await using var db = await dbs.CreateDbContextAsync(cancel);
        var projects = await (from p in db.Projects
                              join m in db.ProjectMembers.Where(m => m.UserId == userId) on p.Id equals m.ProjectId into ms
                              from m in ms.DefaultIfEmpty()
                              where (all || m != null) && (archived || p.ArchivedAt == null)
                              orderby p.Id descending
                              select new { p.Id, p.Name, p.LabelsPerItem, p.ArchivedAt, Role = m == null ? null : m.Role }).AsNoTracking().ToListAsync(cancel);
        var today = clock.GetUtcNow().UtcDateTime.Date;
        var result = new List<ProjectSummary>();
        foreach (var p in projects)
        {
            long items = await db.Items.LongCountAsync(i => i.ProjectId == p.Id && i.ArchivedAt == null, cancel);
            long open = await db.Items.LongCountAsync(i => i.ProjectId == p.Id && i.IsOpen, cancel);
            long mine = await db.Labels.LongCountAsync(l => l.LabelerId == userId && l.ProjectId == p.Id, cancel);
            long mineToday = await db.Labels.LongCountAsync(l => l.LabelerId == userId && l.ProjectId == p.Id && l.CreatedAt >= today, cancel);
            result.Add(new ProjectSummary(p.Id, p.Name, p.LabelsPerItem, items, open, mine, mineToday, p.Role, p.ArchivedAt));
        }
        return result;
    }

    public sealed record ProjectRow(int Id, string Name, int LabelsPerItem, long Items, long Open, string? MyRole, DateTime CreatedAt, DateTime? ArchivedAt = null);

    /// <summary>
    /// One page of projects for a manager: search by name (or "#id"), sort by name, items, open items
    /// or creation (newest first otherwise), the user's own role in each. Counts are index ranges per project.
    /// </summary>
    public async Task<PageOf<ProjectRow>> PageAsync(int userId, PageRequest query, CancellationToken cancel = default)
    {
        await using var db = await dbs.CreateDbContextAsync(cancel);
        var projects = db.Projects.AsNoTracking();
        if (!query.Archived) projects = projects.Where(p => p.ArchivedAt == null);
        if (query.Pattern is string pattern)
        {
            int id = query.Id ?? 0;
            projects = projects.Where(p => TextSearch.Matches(p.Name, pattern) || p.Id == id);
        }
        int total = await projects.CountAsync(cancel);
        var rows = projects.Select(p => new
        {
            p.Id, p.Name, p.LabelsPerItem, p.CreatedAt, p.ArchivedAt,
            Items = db.Items.LongCount(i => i.ProjectId == p.Id && i.ArchivedAt == null),
            Open = db.Items.LongCount(i => i.ProjectId == p.Id && i.IsOpen),
            Role = db.ProjectMembers.Where(m => m.ProjectId == p.Id && m.UserId == userId).Select(m => m.Role).FirstOrDefault(),
        });
        bool desc = query.Descending;
        rows = query.SortBy switch
        {
            nameof(ProjectRow.Name) => desc ? rows.OrderByDescending(r => r.Name).ThenByDescending(r => r.Id) : rows.OrderBy(r => r.Name).ThenBy(r => r.Id),
            nameof(ProjectRow.Items) => desc ? rows.OrderByDescending(r => r.Items).ThenByDescending(r => r.Id) : rows.OrderBy(r => r.Items).ThenBy(r => r.Id),
            nameof(ProjectRow.Open) => desc ? rows.OrderByDescending(r => r.Open).ThenByDescending(r => r.Id) : rows.OrderBy(r => r.Open).ThenBy(r => r.Id),
            nameof(ProjectRow.CreatedAt) => desc ? rows.OrderByDescending(r => r.Id) : rows.OrderBy(r => r.Id),
            _ => rows.OrderByDescending(r => r.Id),
        };
        var page = await rows.Skip(query.Skip).Take(query.Take)
            .Select(r => new ProjectRow(r.Id, r.Name, r.LabelsPerItem, r.Items, r.Open, r.Role, r.CreatedAt, r.ArchivedAt)).ToListAsync(cancel);
        return new PageOf<ProjectRow>(page, total);
    }
}
