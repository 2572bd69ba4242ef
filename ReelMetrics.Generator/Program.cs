using ReelMetrics.Generator;
using ReelMetrics.Generator.Apis;
using ReelMetrics.Generator.Extensions;

var commandLine = GeneratorCommandLine.Parse(args);
if (commandLine.Action is not null)
{
    return commandLine.Invoke(); // --help or --version (exit 0), or a bad switch: its error and the usage (exit 1)
}

var builder = WebApplication.CreateBuilder(GeneratorCommandLine.ToConfigurationArguments(commandLine));
builder.AddServiceDefaults();
builder.AddGenerator();

var app = builder.Build();
app.MapDefaultEndpoints();
app.MapTotalsApi();
app.RunUntilStopped();
return Environment.ExitCode;
