using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using Confluent.Kafka;
using Npgsql;
using StackExchange.Redis;

namespace ReelMetrics.Benchmarks;

/// <summary>
/// The baseline: what the original ReelMetrics consumer (kafka-python + psycopg2 + redis-py) did, in C#.
/// Per event: parse the JSON, look up the theater id by name and the movie id by title (two SELECTs),
/// one INSERT in autocommit (so one WAL flush per sale), and RPUSH the sale onto two Redis lists, each
/// call waiting for its answer. Offsets are auto-committed, as kafka-python does by default.
/// Runs as its own process (<c>naive-consumer</c>), like the real consumer, so both are measured alike.
/// </summary>
internal static class NaiveConsumer
{
    public const string TableSql = """
        create table if not exists ticket_sales (
            id           bigserial primary key,
            theater_id   integer references theaters,
            movie_id     integer references movies,
            sale_date    date,
            ticket_price numeric(8, 2),
            tickets_sold integer)
        """;

    public static async Task<int> RunAsync(NaiveConsumerArguments arguments)
    {
        var (bootstrap, topic, group, postgres, redisConnection, maxEvents, maxSeconds) = arguments;

        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(maxSeconds));
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            stop.Cancel();
        });

        await using var connection = new NpgsqlConnection(postgres);
        connection.Open();
        using (var create = new NpgsqlCommand(TableSql, connection)) create.ExecuteNonQuery();
        using var redis = ConnectionMultiplexer.Connect(redisConnection);
        var db = redis.GetDatabase();

        using var consumer = new ConsumerBuilder<string, byte[]>(new ConsumerConfig
        {
            BootstrapServers = bootstrap,
            GroupId = group,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = true,
            SessionTimeoutMs = 6000,
        }).Build();
        consumer.Subscribe(topic);
        Console.WriteLine($"naive consumer: consuming {topic} as {group}");

        using var selectTheater = new NpgsqlCommand("SELECT theater_id FROM theaters WHERE name = $1", connection);
        var theaterName = selectTheater.Parameters.Add(new NpgsqlParameter { Value = "" });
        using var selectMovie = new NpgsqlCommand("SELECT movie_id FROM movies WHERE title = $1", connection);
        var movieTitle = selectMovie.Parameters.Add(new NpgsqlParameter { Value = "" });
        using var insert = new NpgsqlCommand(
            "INSERT INTO ticket_sales (theater_id, movie_id, sale_date, ticket_price, tickets_sold) VALUES ($1, $2, $3, $4, $5)", connection);
        var pTheater = insert.Parameters.Add(new NpgsqlParameter { Value = 0 });
        var pMovie = insert.Parameters.Add(new NpgsqlParameter { Value = 0 });
        var pDate = insert.Parameters.Add(new NpgsqlParameter { Value = DateOnly.MinValue });
        var pPrice = insert.Parameters.Add(new NpgsqlParameter { Value = 0m });
        var pTickets = insert.Parameters.Add(new NpgsqlParameter { Value = 0 });

        long processed = 0;
        long skipped = 0;
        var report = Stopwatch.StartNew();
        try
        {
            while (processed + skipped < maxEvents && !stop.IsCancellationRequested)
            {
                var result = consumer.Consume(TimeSpan.FromMilliseconds(200));
                if (result is null) continue;

                using var json = JsonDocument.Parse(result.Message.Value);
                var root = json.RootElement;
                if (!root.TryGetProperty("theater_name", out var theater) || !root.TryGetProperty("movie_title", out var movie))
                {
                    skipped++;
                    continue;
                }
                var saleDate = DateOnly.ParseExact(root.GetProperty("sale_date").GetString()!, "yyyy-MM-dd", CultureInfo.InvariantCulture);
                var price = root.GetProperty("ticket_price").GetDecimal();
                var tickets = root.GetProperty("tickets_sold").GetInt32();

                theaterName.Value = theater.GetString();
                var theaterId = selectTheater.ExecuteScalar();
                movieTitle.Value = movie.GetString();
                var movieId = selectMovie.ExecuteScalar();
                if (theaterId is not int tid || movieId is not int mid)
                {
                    skipped++;
                    continue;
                }

                pTheater.Value = tid;
                pMovie.Value = mid;
                pDate.Value = saleDate;
                pPrice.Value = price;
                pTickets.Value = tickets;
                insert.ExecuteNonQuery();   // no transaction: autocommit, one commit per sale

                db.ListRightPush($"orig:theater:{tid}", result.Message.Value);
                db.ListRightPush($"orig:movie:{mid}", result.Message.Value);
                processed++;

                if (report.ElapsedMilliseconds >= 1000)
                {
                    Console.WriteLine($"naive consumer: processed {processed}");
                    report.Restart();
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        consumer.Close();
        Console.WriteLine($"naive consumer: done, processed {processed}, skipped {skipped}");
        return 0;
    }
}
