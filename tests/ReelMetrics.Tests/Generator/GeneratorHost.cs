using System.Net.Http.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Hosting;
using ReelMetrics.Generator;
using ReelMetrics.Generator.Apis;
using ReelMetrics.Generator.Extensions;

namespace ReelMetrics.Tests.Generator;

/// <summary>The generator hosted in the test process as its Program hosts it, on a free port, and its <c>/totals</c>.</summary>
internal static class GeneratorHost
{
    /// <summary>Builds the generator from command-line switches (see <see cref="GeneratorCommandLine"/>); start it yourself.</summary>
    public static WebApplication Build(params string[] args)
    {
        var builder = WebApplication.CreateBuilder(GeneratorCommandLine.ToConfigurationArguments([.. args, "--urls", "http://127.0.0.1:0"]));
        builder.AddServiceDefaults();
        builder.AddGenerator();
        var app = builder.Build();
        app.MapDefaultEndpoints();
        app.MapTotalsApi();
        return app;
    }

    /// <summary>The address Kestrel listens on, once started.</summary>
    public static string Address(WebApplication app) => app.Urls.First();

    public static async Task<GeneratorTotalsSnapshot> GetTotalsAsync(HttpClient http, CancellationToken cancellationToken) =>
        (await http.GetFromJsonAsync("/totals", GeneratorJson.Default.GeneratorTotalsSnapshot, cancellationToken))!;
}
