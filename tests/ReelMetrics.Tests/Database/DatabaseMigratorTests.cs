using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using ReelMetrics.Contracts.Catalog;
using ReelMetrics.Database;
using ReelMetrics.Database.Catalog;
using ReelMetrics.Tests.Fixtures;

namespace ReelMetrics.Tests.Database;

public sealed class DatabaseMigratorTests(PostgresFixture postgres)
{
    private static readonly string[] AllMigrations =
    [
        "0001_catalog", "0002_sales", "0003_aggregates", "0004_sales_without_foreign_keys", "0005_robust_ingestion", "0006_business_day",
        "0007_pipeline_status_and_alerts", "0008_dead_letter_console", "0009_theater_hourly_sales", "0010_showtime_capacity_check",
        "0011_sales_without_sale_date_index", "0012_theater_last_sale",
    ];

    [Fact]
    public async Task MigratingTwiceIsANoOp()
    {
        await using var dataSource = NpgsqlDataSource.Create(await postgres.CreateDatabaseAsync("migrate_twice", TestContext.Current.CancellationToken));
        var migrator = new DatabaseMigrator(dataSource, NullLogger<DatabaseMigrator>.Instance);
        var today = new DateOnly(2026, 11, 25);

        var first = await migrator.MigrateAsync(today, TestContext.Current.CancellationToken);
        var second = await migrator.MigrateAsync(today, TestContext.Current.CancellationToken);

        Assert.Equal(AllMigrations, first.AppliedMigrations);
        Assert.True(first.CatalogRowsChanged > 0 && first.ShowtimesAdded > 0);
        Assert.Empty(second.AppliedMigrations);
        Assert.Equal(0, second.CatalogRowsChanged);
        Assert.Equal(0, second.ShowtimesAdded);
    }

    [Fact]
    public async Task ConcurrentMigratorsApplyEachMigrationOnce()
    {
        await using var dataSource = NpgsqlDataSource.Create(await postgres.CreateDatabaseAsync("migrate_concurrently", TestContext.Current.CancellationToken));
        var today = new DateOnly(2026, 11, 25);
        var results = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ =>
            new DatabaseMigrator(dataSource, NullLogger<DatabaseMigrator>.Instance).MigrateAsync(today, TestContext.Current.CancellationToken)));

        Assert.Equal(AllMigrations.Length, results.Sum(r => r.AppliedMigrations.Count));
        await using var count = dataSource.CreateCommand("select count(*) from schema_migrations");
        Assert.Equal((long)AllMigrations.Length, await count.ExecuteScalarAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task TheChainsBusinessDayIsSeededAndChangedOnlyByConfiguration()
    {
        await using var database = await SalesDatabase.CreateAsync(postgres, "chain");
        var migrator = new DatabaseMigrator(database.DataSource, NullLogger<DatabaseMigrator>.Instance);
        const string chain = "select home_time_zone || ' ' || business_day_cutoff::text from chain";
        Assert.Equal("America/New_York 06:00:00", await database.ScalarAsync<string>(chain));
        Assert.Equal(0L, await database.ScalarAsync<long>("select count(*) from theaters where business_day_cutoff is not null"));

        await migrator.MigrateAsync(SalesDatabase.Today, new ChainSettings("America/Chicago", new TimeOnly(5, 0)), TestContext.Current.CancellationToken);
        Assert.Equal("America/Chicago 05:00:00", await database.ScalarAsync<string>(chain));

        await migrator.MigrateAsync(SalesDatabase.Today, TestContext.Current.CancellationToken);   // no configuration: kept
        Assert.Equal("America/Chicago 05:00:00", await database.ScalarAsync<string>(chain));
        await Assert.ThrowsAsync<TimeZoneNotFoundException>(() =>
            migrator.MigrateAsync(SalesDatabase.Today, new ChainSettings("Mars/Olympus_Mons", new TimeOnly(6, 0)), TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task FridayAndSaturdayMidnightScreeningsBelongToTheEveningBefore()
    {
        await using var database = await SalesDatabase.CreateAsync(postgres, "midnight_showtimes");
        var midnight = await database.ScalarAsync<long>("""
            select count(*) from showtimes
            where starts_at::time = '00:30' and business_date = starts_at::date - 1 and extract(isodow from business_date) in (5, 6)
            """);
        Assert.True(midnight > 0);
        Assert.Equal(midnight, await database.ScalarAsync<long>("select count(*) from showtimes where starts_at::time < '06:00'"));
    }

    [Fact]
    public async Task TheSeedCatalogKeepsTheOriginalSystemsIdsAndNames()
    {
        await using var database = await SalesDatabase.CreateAsync(postgres, "seed");
        Assert.Equal("AMC Century City", await database.ScalarAsync<string>("select name from theaters where theater_id = 1"));
        Assert.Equal("Regal LA Live", await database.ScalarAsync<string>("select name from theaters where theater_id = 2"));
        Assert.Equal("Cinemark Playa Vista", await database.ScalarAsync<string>("select name from theaters where theater_id = 3"));
        string[] originalMovies = ["The Matrix", "Jurassic Park", "Titanic", "The Lion King", "Pulp Fiction", "Forrest Gump"];
        for (var id = 1; id <= originalMovies.Length; id++)
        {
            Assert.Equal(originalMovies[id - 1], await database.ScalarAsync<string>("select title from movies where movie_id = $1", id));
        }
        Assert.True(await database.ScalarAsync<long>("select count(*) from theaters") >= 20);
        Assert.True(await database.ScalarAsync<long>("select count(*) from movies") >= 24);
    }

    [Fact]
    public async Task AWeekOfShowtimesSurroundsToday()
    {
        await using var database = await SalesDatabase.CreateAsync(postgres, "showtimes");
        var today = SalesDatabase.Today;
        Assert.Equal(today.AddDays(-DatabaseMigrator.ShowtimeWindowDays), await database.ScalarAsync<DateOnly>("select min(business_date) from showtimes"));
        Assert.Equal(today.AddDays(DatabaseMigrator.ShowtimeWindowDays), await database.ScalarAsync<DateOnly>("select max(business_date) from showtimes"));
        Assert.Equal(SeedCatalog.ShowtimesOn(today).Count(), await database.ScalarAsync<long>("select count(*) from showtimes where business_date = $1", today));
        Assert.Equal(0L, await database.ScalarAsync<long>("select count(*) from showtimes st join screens s using (screen_id) where st.capacity <> s.capacity"));
    }

    [Fact]
    public void TheCatalogIsDeterministic()
    {
        var day = new DateOnly(2026, 11, 27);
        Assert.Equal(SeedCatalog.ShowtimesOn(day).ToList(), SeedCatalog.ShowtimesOn(day).ToList());
        Assert.True(SeedCatalog.ShowtimesOn(day).Select(s => s.MovieId).Distinct().Count() > 10, "showtimes should spread over many movies");
    }
}
