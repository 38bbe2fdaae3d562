using Microsoft.EntityFrameworkCore;

namespace LabelAndAlign.Web.Data;

/// <summary>
/// The application's tables. The schema itself is owned by the SQL scripts in
/// <c>Data/Migrations</c> (applied by <see cref="SchemaMigrator"/>); this model must map onto
/// them exactly, which <c>SchemaMigratorTests</c> checks.
/// </summary>
public sealed class AppDbContext(DbContextOptions<AppDbContext> options) : DbContext(options)
{
    public DbSet<User> Users => Set<User>();
    public DbSet<ApiKey> ApiKeys => Set<ApiKey>();
    public DbSet<SetupToken> SetupTokens => Set<SetupToken>();

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
    }
}
