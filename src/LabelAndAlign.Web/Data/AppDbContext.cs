using LabelAndAlign.Web.Data.Labeling;
using LabelAndAlign.Web.Data.Runs;
using LabelAndAlign.Web.Data.Workers;
using Microsoft.EntityFrameworkCore;

namespace LabelAndAlign.Web.Data;

/// <summary>
/// The application's tables, one model for both providers. Each provider has its own subclass
/// (<see cref="Sqlite.SqliteAppDbContext"/>, <see cref="Postgres.PostgresAppDbContext"/>) because
/// EF Core keeps one migration history per context type: the schema is created and upgraded by
/// the EF Core migrations under <c>Data/Migrations/&lt;Provider&gt;</c> (see <see cref="SchemaMigrator"/>),
/// and the subclass also carries its provider's fast paths (<see cref="Dialect"/>).
/// Services get contexts from <c>IDbContextFactory&lt;AppDbContext&gt;</c>, one per operation.
/// </summary>
public abstract class AppDbContext(DbContextOptions options) : DbContext(options)
{
    public DbSet<User> Users => Set<User>();
    public DbSet<ApiKey> ApiKeys => Set<ApiKey>();
    public DbSet<SetupToken> SetupTokens => Set<SetupToken>();
    public DbSet<Invite> Invites => Set<Invite>();
    public DbSet<AuditEvent> AuditEvents => Set<AuditEvent>();
    public DbSet<UserSession> UserSessions => Set<UserSession>();
    public DbSet<SignInThrottleEntry> SignInThrottle => Set<SignInThrottleEntry>();
    public DbSet<Project> Projects => Set<Project>();
    public DbSet<ProjectMember> ProjectMembers => Set<ProjectMember>();
    public DbSet<Item> Items => Set<Item>();
    public DbSet<Assignment> Assignments => Set<Assignment>();
    public DbSet<Label> Labels => Set<Label>();
    public DbSet<Dataset> Datasets => Set<Dataset>();
    public DbSet<DatasetRow> DatasetRows => Set<DatasetRow>();
    public DbSet<Run> Runs => Set<Run>();
    public DbSet<MetricPoint> MetricPoints => Set<MetricPoint>();
    public DbSet<MetricBlock> MetricBlocks => Set<MetricBlock>();
    public DbSet<RunSample> RunSamples => Set<RunSample>();
    public DbSet<SampleScore> SampleScores => Set<SampleScore>();
    public DbSet<RunCheckpoint> RunCheckpoints => Set<RunCheckpoint>();
    public DbSet<EngineWorker> Workers => Set<EngineWorker>();
    public DbSet<GenerationJob> GenerationJobs => Set<GenerationJob>();

    /// <summary>What this provider does its own way: write transactions, bulk inserts, the metric scan.</summary>
    public abstract DatabaseDialect Dialect { get; }

    protected override void OnModelCreating(ModelBuilder b)
    {
        b.Entity<User>(e =>
        {
            e.ToTable("users");
            e.HasIndex(u => u.Email).IsUnique();
            e.Property(u => u.Role).HasConversion<string>();
        });
        b.Entity<ApiKey>(e =>
        {
            e.ToTable("api_keys");
            e.HasIndex(k => k.KeyHash).IsUnique();
            e.HasOne(k => k.User).WithMany(u => u.ApiKeys).HasForeignKey(k => k.UserId).OnDelete(DeleteBehavior.Cascade);
        });
        b.Entity<SetupToken>(e =>
        {
            e.ToTable("setup_tokens");
            e.HasIndex(t => t.TokenHash).IsUnique();
        });
        b.Entity<Invite>(e =>
        {
            e.ToTable("invites");
            e.HasIndex(i => i.TokenHash).IsUnique();
            e.HasOne(i => i.User).WithMany().HasForeignKey(i => i.UserId).OnDelete(DeleteBehavior.Cascade);
        });
        b.Entity<AuditEvent>(e =>
        {
            e.ToTable("audit_events");
            e.HasIndex(a => a.At);
        });
        b.Entity<UserSession>(e =>
        {
            e.ToTable("user_sessions");
            e.HasOne<User>().WithMany().HasForeignKey(s => s.UserId).OnDelete(DeleteBehavior.Cascade);
        });
        b.Entity<SignInThrottleEntry>(e =>
        {
            e.ToTable("sign_in_throttle");
            e.HasKey(t => t.EmailHash);
        });
        LabelingModel.Configure(b);
        RunsModel.Configure(b);
        WorkersModel.Configure(b);
    }
}
