using System.CommandLine;
using ReelMetrics.LocalInfrastructure;

// Container-free backings for ReelMetrics' infrastructure, one server per process, so the
// AppHost can show each as its own resource: `postgres`, `redis` (Garnet) or `kafka` (mock cluster).
var commandLine = new RootCommand("Runs one of ReelMetrics' local servers until SIGTERM or SIGINT.")
{
    PostgresCommand.Create(),
    RedisCommand.Create(),
    KafkaCommand.Create(),
};
var parsed = commandLine.Parse(args);
if (parsed.Errors.Count > 0)
{
    parsed.Invoke(); // the errors, then the usage
    return 2;
}

// The servers turn SIGTERM/SIGINT into a clean stop themselves: no forced exit from the parser.
return await parsed.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });
