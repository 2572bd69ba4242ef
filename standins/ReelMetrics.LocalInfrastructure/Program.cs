using ReelMetrics.LocalInfrastructure;

// Container-free backings for ReelMetrics' infrastructure, one server per process, so the
// AppHost can show each as its own resource: `postgres`, `redis` (Garnet) or `kafka` (mock cluster).
return args.FirstOrDefault() switch
{
    "postgres" => await PostgresCommand.RunAsync(args[1..]),
    "redis" => await RedisCommand.RunAsync(args[1..]),
    "kafka" => await KafkaCommand.RunAsync(args[1..]),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: ReelMetrics.LocalInfrastructure (postgres|redis|kafka) [options]");
    return 2;
}
