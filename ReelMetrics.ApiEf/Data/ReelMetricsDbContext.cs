using ReelMetrics.Contracts.Catalog;
using ReelMetrics.Contracts.Rollups;

namespace ReelMetrics.ApiEf.Data;

/// <summary>
/// EF Core's view of the schema owned by ReelMetrics.Database (EF does not migrate it): the catalog and the
/// aggregate tables the API reads. The catalog's rows are read as the catalog's own records (ReelMetrics.Contracts.Catalog);
/// showtimes keep an entity of their own, for the navigations to their screen and their seats sold. Read-only use:
/// queries run without change tracking, and columns are named by the snake_case naming convention (TicketsSold is
/// tickets_sold, as Dapper maps them too), both configured where the context is registered.
/// </summary>
public sealed class ReelMetricsDbContext(DbContextOptions<ReelMetricsDbContext> options) : DbContext(options)
{
    public DbSet<Theater> Theaters => Set<Theater>();
    public DbSet<Screen> Screens => Set<Screen>();
    public DbSet<Movie> Movies => Set<Movie>();
    public DbSet<ShowtimeEntity> Showtimes => Set<ShowtimeEntity>();
    public DbSet<ShowtimeSalesEntity> ShowtimeSales => Set<ShowtimeSalesEntity>();
    public DbSet<TheaterDailySalesEntity> TheaterDailySales => Set<TheaterDailySalesEntity>();
    public DbSet<MovieDailySalesEntity> MovieDailySales => Set<MovieDailySalesEntity>();
    public DbSet<TheaterMovieDailySalesEntity> TheaterMovieDailySales => Set<TheaterMovieDailySalesEntity>();
    public DbSet<ChannelDailySalesEntity> ChannelDailySales => Set<ChannelDailySalesEntity>();
    public DbSet<ChainMinuteSalesEntity> ChainMinuteSales => Set<ChainMinuteSalesEntity>();
    public DbSet<DeadLetterEntity> DeadLetters => Set<DeadLetterEntity>();
    public DbSet<ChainDateMinuteSalesEntity> ChainDateMinuteSales => Set<ChainDateMinuteSalesEntity>();
    public DbSet<TheaterHourlySalesEntity> TheaterHourlySales => Set<TheaterHourlySalesEntity>();
    public DbSet<ChainSettings> Chain => Set<ChainSettings>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.ApplyConfiguration(new DeadLetterEntityConfiguration());
        modelBuilder.Entity<Theater>().ToTable("theaters").HasKey(t => t.TheaterId);
        modelBuilder.Entity<Screen>().ToTable("screens").HasKey(s => s.ScreenId);
        modelBuilder.Entity<Movie>().ToTable("movies").HasKey(m => m.MovieId);
        modelBuilder.Entity<ShowtimeEntity>(showtime =>
        {
            showtime.ToTable("showtimes");
            showtime.HasKey(s => s.ShowtimeId);
            showtime.Property(s => s.StartsAt).HasColumnType("timestamp without time zone");
            showtime.HasOne(s => s.Screen).WithMany().HasForeignKey(s => s.ScreenId);
            showtime.HasOne(s => s.Sales).WithOne().HasForeignKey<ShowtimeSalesEntity>(s => s.ShowtimeId);
        });
        modelBuilder.Entity<ShowtimeSalesEntity>().ToTable(Rollups.Showtime.Table).HasKey(s => s.ShowtimeId);
        // The aggregate tables, named as their rollups declare them (ReelMetrics.Contracts.Rollups); keys in table order.
        modelBuilder.Entity<TheaterDailySalesEntity>().ToTable(Rollups.TheaterDay.Table).HasKey(s => new { s.SaleDate, s.TheaterId });
        modelBuilder.Entity<MovieDailySalesEntity>().ToTable(Rollups.MovieDay.Table).HasKey(s => new { s.SaleDate, s.MovieId });
        modelBuilder.Entity<TheaterMovieDailySalesEntity>().ToTable(Rollups.TheaterMovieDay.Table).HasKey(s => new { s.SaleDate, s.TheaterId, s.MovieId });
        modelBuilder.Entity<ChannelDailySalesEntity>().ToTable(Rollups.ChannelDay.Table).HasKey(s => new { s.SaleDate, s.Channel });
        modelBuilder.Entity<ChainMinuteSalesEntity>().ToTable(Rollups.ChainMinute.Table).HasKey(s => s.Minute);
        modelBuilder.Entity<ChainDateMinuteSalesEntity>().ToTable(Rollups.DateMinute.Table).HasKey(s => new { s.SaleDate, s.Minute });
        modelBuilder.Entity<TheaterHourlySalesEntity>().ToTable(Rollups.TheaterHour.Table).HasKey(s => new { s.SaleDate, s.TheaterId, s.Hour });
        PipelineModel.Configure(modelBuilder);
        modelBuilder.Entity<ChainSettings>().ToTable("chain").HasNoKey();   // one row; its key column is only "there is one"
    }
}

public sealed class ShowtimeEntity
{
    public long ShowtimeId { get; init; }
    public int TheaterId { get; init; }
    public int ScreenId { get; init; }
    public int MovieId { get; init; }

    /// <summary>Local time at the theater.</summary>
    public DateTime StartsAt { get; init; }

    public DateOnly BusinessDate { get; init; }
    public int Capacity { get; init; }
    public Screen Screen { get; init; } = null!;

    /// <summary>Null until the showtime has sold a ticket.</summary>
    public ShowtimeSalesEntity? Sales { get; init; }
}

public sealed class ShowtimeSalesEntity
{
    public long ShowtimeId { get; init; }
    public int TicketsSold { get; init; }
    public decimal Revenue { get; init; }
}

/// <summary>What every aggregate table holds: totals of the sales it covers.</summary>
public abstract class Totals
{
    public long TicketsSold { get; init; }
    public decimal Revenue { get; init; }
    public long SalesCount { get; init; }
}

/// <summary>Totals of one business date.</summary>
public abstract class DailyTotals : Totals
{
    public DateOnly SaleDate { get; init; }
}

public sealed class TheaterDailySalesEntity : DailyTotals
{
    public int TheaterId { get; init; }

    /// <summary>When the theater's last sale for the date was sold (UTC); null in rows older than migration 0012 had no sales.</summary>
    public DateTime? LastSoldAt { get; init; }
}

public sealed class MovieDailySalesEntity : DailyTotals
{
    public int MovieId { get; init; }
}

public sealed class TheaterMovieDailySalesEntity : DailyTotals
{
    public int TheaterId { get; init; }
    public int MovieId { get; init; }
}

public sealed class ChannelDailySalesEntity : DailyTotals
{
    public required string Channel { get; init; }
}

public sealed class ChainMinuteSalesEntity : Totals
{
    /// <summary>Start of the minute of sold_at (UTC).</summary>
    public DateTime Minute { get; init; }
}

public sealed class ChainDateMinuteSalesEntity : DailyTotals
{
    /// <summary>Start of the minute of sold_at (UTC) in which tickets for the business date were sold.</summary>
    public DateTime Minute { get; init; }
}

/// <summary>Sales of a theater in one hour (0–23) of its local day.</summary>
public sealed class TheaterHourlySalesEntity : DailyTotals
{
    public int TheaterId { get; init; }
    public int Hour { get; init; }
}
