using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace ReelMetrics.ApiEf.Data;

/// <summary>
/// EF Core's view of the schema owned by ReelMetrics.Database (EF does not migrate it): the catalog and the
/// aggregate tables the API reads. Read-only use: queries run without change tracking (configured where the
/// context is registered).
/// </summary>
public sealed class ReelMetricsDbContext(DbContextOptions<ReelMetricsDbContext> options) : DbContext(options)
{
    public DbSet<TheaterEntity> Theaters => Set<TheaterEntity>();
    public DbSet<ScreenEntity> Screens => Set<ScreenEntity>();
    public DbSet<MovieEntity> Movies => Set<MovieEntity>();
    public DbSet<ShowtimeEntity> Showtimes => Set<ShowtimeEntity>();
    public DbSet<ShowtimeSalesEntity> ShowtimeSales => Set<ShowtimeSalesEntity>();
    public DbSet<TheaterDailySalesEntity> TheaterDailySales => Set<TheaterDailySalesEntity>();
    public DbSet<MovieDailySalesEntity> MovieDailySales => Set<MovieDailySalesEntity>();
    public DbSet<TheaterMovieDailySalesEntity> TheaterMovieDailySales => Set<TheaterMovieDailySalesEntity>();
    public DbSet<ChannelDailySalesEntity> ChannelDailySales => Set<ChannelDailySalesEntity>();
    public DbSet<ChainMinuteSalesEntity> ChainMinuteSales => Set<ChainMinuteSalesEntity>();
    public DbSet<DeadLetterEntity> DeadLetters => Set<DeadLetterEntity>();
    public DbSet<ChainDateMinuteSalesEntity> ChainDateMinuteSales => Set<ChainDateMinuteSalesEntity>();
    public DbSet<ChainEntity> Chain => Set<ChainEntity>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.ApplyConfiguration(new DeadLetterEntityConfiguration());
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
        modelBuilder.Entity<MovieEntity>(movie =>
        {
            movie.ToTable("movies");
            movie.HasKey(m => m.MovieId);
            movie.Property(m => m.MovieId).HasColumnName("movie_id");
            movie.Property(m => m.Title).HasColumnName("title");
            movie.Property(m => m.Genre).HasColumnName("genre");
            movie.Property(m => m.Rating).HasColumnName("rating");
            movie.Property(m => m.RuntimeMinutes).HasColumnName("runtime_minutes");
            movie.Property(m => m.ReleaseDate).HasColumnName("release_date");
        });
        modelBuilder.Entity<ShowtimeEntity>(showtime =>
        {
            showtime.ToTable("showtimes");
            showtime.HasKey(s => s.ShowtimeId);
            showtime.Property(s => s.ShowtimeId).HasColumnName("showtime_id");
            showtime.Property(s => s.TheaterId).HasColumnName("theater_id");
            showtime.Property(s => s.ScreenId).HasColumnName("screen_id");
            showtime.Property(s => s.MovieId).HasColumnName("movie_id");
            showtime.Property(s => s.StartsAt).HasColumnName("starts_at").HasColumnType("timestamp without time zone");
            showtime.Property(s => s.BusinessDate).HasColumnName("business_date");
            showtime.Property(s => s.Capacity).HasColumnName("capacity");
            showtime.HasOne(s => s.Screen).WithMany().HasForeignKey(s => s.ScreenId);
            showtime.HasOne(s => s.Sales).WithOne().HasForeignKey<ShowtimeSalesEntity>(s => s.ShowtimeId);
        });
        modelBuilder.Entity<ShowtimeSalesEntity>(sales =>
        {
            sales.ToTable("showtime_sales");
            sales.HasKey(s => s.ShowtimeId);
            sales.Property(s => s.ShowtimeId).HasColumnName("showtime_id");
            sales.Property(s => s.TicketsSold).HasColumnName("tickets_sold");
            sales.Property(s => s.Revenue).HasColumnName("revenue");
        });
        modelBuilder.Entity<TheaterDailySalesEntity>(sales =>
        {
            sales.ToTable("theater_daily_sales");
            sales.HasKey(s => new { s.SaleDate, s.TheaterId });
            sales.Property(s => s.TheaterId).HasColumnName("theater_id");
            MapDailyTotals(sales);
        });
        modelBuilder.Entity<MovieDailySalesEntity>(sales =>
        {
            sales.ToTable("movie_daily_sales");
            sales.HasKey(s => new { s.SaleDate, s.MovieId });
            sales.Property(s => s.MovieId).HasColumnName("movie_id");
            MapDailyTotals(sales);
        });
        modelBuilder.Entity<TheaterMovieDailySalesEntity>(sales =>
        {
            sales.ToTable("theater_movie_daily_sales");
            sales.HasKey(s => new { s.SaleDate, s.TheaterId, s.MovieId });
            sales.Property(s => s.TheaterId).HasColumnName("theater_id");
            sales.Property(s => s.MovieId).HasColumnName("movie_id");
            MapDailyTotals(sales);
        });
        modelBuilder.Entity<ChannelDailySalesEntity>(sales =>
        {
            sales.ToTable("channel_daily_sales");
            sales.HasKey(s => new { s.SaleDate, s.Channel });
            sales.Property(s => s.Channel).HasColumnName("channel");
            MapDailyTotals(sales);
        });
        modelBuilder.Entity<ChainMinuteSalesEntity>(sales =>
        {
            sales.ToTable("chain_minute_sales");
            sales.HasKey(s => s.Minute);
            sales.Property(s => s.Minute).HasColumnName("minute");
            MapTotals(sales);
        });
        PipelineModel.Configure(modelBuilder);
        modelBuilder.Entity<ChainDateMinuteSalesEntity>(sales =>
        {
            sales.ToTable("chain_date_minute_sales");
            sales.HasKey(s => new { s.SaleDate, s.Minute });
            sales.Property(s => s.Minute).HasColumnName("minute");
            MapDailyTotals(sales);
        });
        modelBuilder.Entity<ChainEntity>(chain =>
        {
            chain.ToTable("chain");
            chain.HasKey(c => c.ChainId);
            chain.Property(c => c.ChainId).HasColumnName("chain_id");
            chain.Property(c => c.HomeTimeZone).HasColumnName("home_time_zone");
            chain.Property(c => c.BusinessDayCutoff).HasColumnName("business_day_cutoff");
        });
    }

    private static void MapDailyTotals<T>(EntityTypeBuilder<T> sales) where T : DailyTotals
    {
        sales.Property(s => s.SaleDate).HasColumnName("sale_date");
        MapTotals(sales);
    }

    private static void MapTotals<T>(EntityTypeBuilder<T> sales) where T : Totals
    {
        sales.Property(s => s.TicketsSold).HasColumnName("tickets_sold");
        sales.Property(s => s.Revenue).HasColumnName("revenue");
        sales.Property(s => s.SalesCount).HasColumnName("sales_count");
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

public sealed class MovieEntity
{
    public int MovieId { get; init; }
    public required string Title { get; init; }
    public required string Genre { get; init; }
    public required string Rating { get; init; }
    public int RuntimeMinutes { get; init; }
    public DateOnly ReleaseDate { get; init; }
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
    public ScreenEntity Screen { get; init; } = null!;

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

/// <summary>The chain's one row: its home time zone and business-day cutoff.</summary>
public sealed class ChainEntity
{
    public bool ChainId { get; init; }
    public required string HomeTimeZone { get; init; }
    public TimeOnly BusinessDayCutoff { get; init; }
}
