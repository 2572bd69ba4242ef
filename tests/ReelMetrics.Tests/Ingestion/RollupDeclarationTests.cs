using ReelMetrics.Consumer.Ingestion;
using ReelMetrics.Contracts.Rollups;
using ReelMetrics.Tests.Fixtures;

namespace ReelMetrics.Tests.Ingestion;

/// <summary>
/// The rollups are declared once (<see cref="Rollups"/>) and their SQL generated (<see cref="RollupSql"/>): the
/// declarations fit the one row shape the SQL returns, match the tables the migrations create, and the generated SQL
/// is the committed, readable copy in docs/rollups.sql.
/// </summary>
public sealed class RollupDeclarationTests(PostgresFixture postgres)
{
    /// <summary>Set to <c>1</c> to write the generated SQL into docs/rollups.sql instead of failing.</summary>
    public const string UpdateVariable = "REELMETRICS_UPDATE_ROLLUP_SQL";

    private const string SnapshotPath = "docs/rollups.sql";

    [Fact]
    public async Task TheGeneratedSqlIsTheCommittedCopy()
    {
        var generated = RollupSql.Describe().ReplaceLineEndings("\n");
        var path = Path.Combine(RepositoryRoot(), SnapshotPath);
        if (Environment.GetEnvironmentVariable(UpdateVariable) == "1")
        {
            await File.WriteAllTextAsync(path, generated, TestContext.Current.CancellationToken);
            return;
        }

        Assert.True(File.Exists(path), $"{SnapshotPath} is missing: run this test with {UpdateVariable}=1.");
        var committed = (await File.ReadAllTextAsync(path, TestContext.Current.CancellationToken)).ReplaceLineEndings("\n");
        Assert.True(committed == generated,
            $"{SnapshotPath} is not the SQL generated from the rollups' declarations. If the change is meant, run this test with {UpdateVariable}=1 and commit the file.");
    }

    [Fact]
    public void EveryRollupFitsTheOneRowShapeItsTotalsTravelIn()
    {
        Assert.Equal(Rollups.All.Count, Rollups.All.Select(r => r.Name).Distinct().Count());
        Assert.Equal(Rollups.All.Count, Rollups.All.Select(r => r.Table).Distinct().Count());
        foreach (var rollup in Rollups.All)
        {
            Assert.True(rollup.KeysOf(KeyKind.Date).Count() <= 1, $"{rollup.Name}: at most one date key");
            Assert.True(rollup.KeysOf(KeyKind.Id).Count() <= 2, $"{rollup.Name}: at most two id keys");
            Assert.True(rollup.KeysOf(KeyKind.Text).Count() <= 1, $"{rollup.Name}: at most one text key");
            Assert.True(rollup.KeysOf(KeyKind.Minute).Count() <= 1, $"{rollup.Name}: at most one minute key");
            Assert.NotEmpty(rollup.Measures);
            if (rollup.Live is { } live) Assert.All(live.Measures, m => Assert.Contains(m, rollup.Measures));
        }
    }

    [Fact]
    public async Task EveryRollupTableHasTheDeclaredKeyAndMeasures()
    {
        await using var database = await SalesDatabase.CreateAsync(postgres, "rollup_tables");
        foreach (var rollup in Rollups.All)
        {
            var primaryKey = await database.ScalarAsync<string[]>("""
                select array_agg(a.attname::text order by k.ordinality)
                from pg_index i
                cross join unnest(i.indkey) with ordinality k(attnum, ordinality)
                join pg_attribute a on a.attrelid = i.indrelid and a.attnum = k.attnum
                where i.indrelid = $1::regclass and i.indisprimary
                """, rollup.Table);
            Assert.Equal(rollup.Keys.Select(k => k.Column), primaryKey);

            var columns = await database.ScalarAsync<string[]>(
                "select array_agg(column_name::text) from information_schema.columns where table_schema = 'public' and table_name = $1", rollup.Table);
            Assert.All(rollup.Measures.Select(Rollup.Column), measure => Assert.Contains(measure, columns));
        }
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "ReelMetrics.sln"))) return directory.FullName;
        }
        throw new InvalidOperationException("ReelMetrics.sln not found above " + AppContext.BaseDirectory);
    }
}
