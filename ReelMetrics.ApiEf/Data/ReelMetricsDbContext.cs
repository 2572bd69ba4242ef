using Microsoft.EntityFrameworkCore;

namespace ReelMetrics.ApiEf.Data;

/// <summary>
/// EF Core's view of the schema owned by ReelMetrics.Database (EF does not migrate it).
/// Read-only use: queries run without change tracking (configured where the context is registered).
/// </summary>
public sealed class ReelMetricsDbContext(DbContextOptions<ReelMetricsDbContext> options) : DbContext(options)
{
    public DbSet<TheaterEntity> Theaters => Set<TheaterEntity>();
    public DbSet<ScreenEntity> Screens => Set<ScreenEntity>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<TheaterEntity>(theater =>
        {
            theater.ToTable("theaters");
            theater.HasKey(t => t.TheaterId);
            theater.Property(t => t.TheaterId).HasColumnName("theater_id");
            theater.Property(t => t.Name).HasColumnName("name");
            theater.Property(t => t.City).HasColumnName("city");
            theater.Property(t => t.TimeZone).HasColumnName("time_zone");
            theater.HasMany(t => t.Screens).WithOne().HasForeignKey(s => s.TheaterId);
        });
        modelBuilder.Entity<ScreenEntity>(screen =>
        {
            screen.ToTable("screens");
            screen.HasKey(s => s.ScreenId);
            screen.Property(s => s.ScreenId).HasColumnName("screen_id");
            screen.Property(s => s.TheaterId).HasColumnName("theater_id");
            screen.Property(s => s.Name).HasColumnName("name");
            screen.Property(s => s.Capacity).HasColumnName("capacity");
            screen.Property(s => s.Format).HasColumnName("format");
        });
    }
}

public sealed class TheaterEntity
{
    public int TheaterId { get; init; }
    public required string Name { get; init; }
    public required string City { get; init; }
    public required string TimeZone { get; init; }
    public List<ScreenEntity> Screens { get; init; } = [];
}

public sealed class ScreenEntity
{
    public int ScreenId { get; init; }
    public int TheaterId { get; init; }
    public required string Name { get; init; }
    public int Capacity { get; init; }
    public required string Format { get; init; }
}
