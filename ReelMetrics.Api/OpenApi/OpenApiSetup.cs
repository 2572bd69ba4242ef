using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;
using ReelMetrics.Api.Apis;
using HttpJsonOptions = Microsoft.AspNetCore.Http.Json.JsonOptions;

namespace ReelMetrics.Api.OpenApi;

/// <summary>
/// The OpenAPI document both backends serve. It is built from the shared endpoints only, so the two documents are
/// the same: one title, typed and described parameters (the handlers take them as strings to word their own
/// errors), an example for each successful answer, and no server address.
/// </summary>
internal static class OpenApiSetup
{
    public static IServiceCollection AddReelMetricsOpenApi(this IServiceCollection services) => services.AddOpenApi(options =>
    {
        options.AddDocumentTransformer((document, _, _) =>
        {
            document.Info = new OpenApiInfo
            {
                Title = "ReelMetrics API",
                Version = "v1",
                Description = "Real-time movie-ticket sales of the theater chain. Served identically by api-dapper and api-ef.",
            };
            // No server list: each API is reached at its own origin (and the dashboard's at /api/dapper, /api/ef), so a
            // client uses the origin it read the document from, as Scalar does; and the document, which the dashboard's
            // TypeScript types are generated from (frontend/src/api/openapi.json), is the same on every machine.
            document.Servers = null;
            return Task.CompletedTask;
        });
        options.AddSchemaTransformer((schema, context, _) =>
        {
            if (context.JsonPropertyInfo is null) MarkOmittedNullsOptional(schema, context.JsonTypeInfo);
            return Task.CompletedTask;
        });
        options.AddOperationTransformer((operation, context, _) =>
        {
            DescribeParameters(operation, context.Description.RelativePath);
            var example = context.Description.ActionDescriptor.EndpointMetadata.OfType<ResponseExample>().LastOrDefault();
            if (example is not null && operation.Responses?.TryGetValue("200", out var ok) == true && ok.Content is { } content)
            {
                var json = context.ApplicationServices.GetRequiredService<IOptions<HttpJsonOptions>>().Value.SerializerOptions;
                foreach (var media in content.Values)
                {
                    media.Example = JsonSerializer.SerializeToNode(example.Value, example.Value.GetType(), json);
                }
            }
            return Task.CompletedTask;
        });
    });

    /// <summary>
    /// The APIs leave a null member out of their JSON (ContractJson: WhenWritingNull) unless the member says it is always
    /// written (JsonIgnoreCondition.Never): such a member is optional in the document, not "required and nullable", so
    /// the generated TypeScript says what the JSON has.
    /// </summary>
    private static void MarkOmittedNullsOptional(OpenApiSchema schema, JsonTypeInfo type)
    {
        if (schema.Required is not { Count: > 0 } required) return;
        var nullability = new NullabilityInfoContext();
        foreach (var member in type.Properties)
        {
            var property = member.AttributeProvider as PropertyInfo ?? type.Type.GetProperty(ClrName(member.Name));
            if (property is null || nullability.Create(property).ReadState != NullabilityState.Nullable) continue;
            var alwaysWritten = property.GetCustomAttributes<JsonIgnoreAttribute>(inherit: true).Any(a => a.Condition == JsonIgnoreCondition.Never);
            if (!alwaysWritten) required.Remove(member.Name);
        }

        // snake_case member name -> the record's PascalCase property name.
        static string ClrName(string jsonName) =>
            string.Concat(jsonName.Split('_').Select(word => word.Length == 0 ? word : char.ToUpperInvariant(word[0]) + word[1..]));
    }

    private static void DescribeParameters(OpenApiOperation operation, string? path)
    {
        if (path?.StartsWith("dead-letters", StringComparison.Ordinal) == true)
        {
            DeadLettersApi.DescribeParameters(operation);
            return;
        }
        var subject = operation.Tags?.FirstOrDefault()?.Name switch
        {
            "Theaters" => "theater",
            "Movies" => "movie",
            _ => "item",
        };
        foreach (var parameter in operation.Parameters?.OfType<OpenApiParameter>() ?? [])
        {
            (parameter.Description, parameter.Schema) = parameter.Name switch
            {
                "id" => ($"The {subject}'s id.",
                    new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int32", Minimum = "1", Maximum = int.MaxValue.ToString(System.Globalization.CultureInfo.InvariantCulture) }),
                "date" when parameter.In == ParameterLocation.Path => ("Business date, YYYY-MM-DD.", Date()),
                "date" => ("Business date, YYYY-MM-DD; default the chain's business date today (GET /business-day).", Date()),
                "state" when path == "alerts" => ("`open` (not resolved) or `all`; default `all`.",
                    new OpenApiSchema { Type = JsonSchemaType.String, Enum = [JsonValue.Create("open"), JsonValue.Create("all")], Default = JsonValue.Create("all") }),
                "from" when path == "alerts" => ("Only alerts raised at or after this: an ISO date (its start, UTC) or date-time with offset.",
                    new OpenApiSchema { Type = JsonSchemaType.String }),
                "limit" when path == "alerts" => ($"Number of alerts, 1–{Apis.AlertsApi.MaxLimit}; default {Apis.AlertsApi.DefaultLimit}.",
                    new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int32", Minimum = "1", Maximum = Apis.AlertsApi.MaxLimit.ToString(System.Globalization.CultureInfo.InvariantCulture), Default = JsonValue.Create(Apis.AlertsApi.DefaultLimit) }),
                "from" when path == "summary" => ("First business date, YYYY-MM-DD (included); default the same as `to`.", Date()),
                "from" => ($"First business date, YYYY-MM-DD (included); default {RequestValues.DefaultRangeDays} days ending at `to`.", Date()),
                "to" => ("Last business date, YYYY-MM-DD (included); default the chain's business date today (GET /business-day).", Date()),
                "limit" => ("Number of rows, 1–100; default 10.",
                    new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int32", Minimum = "1", Maximum = "100", Default = JsonValue.Create(10) }),
                _ => (parameter.Description, parameter.Schema),
            };
        }

        static OpenApiSchema Date() => new() { Type = JsonSchemaType.String, Format = "date" };
    }
}
