using ReelMetrics.Generator;
using ReelMetrics.Generator.Apis;
using ReelMetrics.Generator.Extensions;

if (GeneratorCommandLine.WantsHelp(args))
{
    Console.WriteLine(GeneratorCommandLine.Usage);
    return 0;
}

var builder = WebApplication.CreateBuilder(GeneratorCommandLine.ToConfigurationArguments(args));
builder.AddServiceDefaults();
builder.AddGenerator();

var app = builder.Build();
app.MapDefaultEndpoints();
app.MapTotalsApi();
app.RunUntilStopped();
return Environment.ExitCode;
