using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Security.Claims;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;
using ReelMetrics.Api.DeadLetters;
using ReelMetrics.Api.OpenApi;
using ReelMetrics.Api.Security;
using ReelMetrics.Contracts.Api;
using static ReelMetrics.Api.Apis.RequestValues;

namespace ReelMetrics.Api.Apis;

/// <summary>
/// <c>/dead-letters</c>, for operators: the messages the consumer could not use, and the two things an operator can do
/// about them: ask for a replay (the consumer sends them through the normal path again, docs/api.md "Dead letters")
/// or discard them with a note. Letters are never deleted.
/// </summary>
public static partial class DeadLettersApi
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 200;
    private const int MaxReasonLength = 64;
    private const int MaxActorLength = 200;

    /// <summary>Maps <c>/dead-letters</c> (policy <see cref="Policies.Operator"/>).</summary>
    public static IEndpointRouteBuilder MapDeadLettersApi(this IEndpointRouteBuilder app)
    {
        var letters = app.MapGroup("/dead-letters").WithTags("Dead letters").RequireAuthorization(Policies.Operator);
        letters.MapGet("/", GetDeadLetters)
            .WithName("GetDeadLetters")
            .WithSummary("Dead letters, newest first, with their reason, detail, state and a safe preview of the payload.")
            .WithDescription($"Filters: `reason`, `state` ({string.Join(", ", DeadLetterStates.All)}), `theater_id`, `from` and `to` " +
                $"(received, ISO 8601 instant or date; `to` excluded, a date meaning its end), `limit` (1–{MaxLimit}, default {DefaultLimit}). " +
                "Pages go by id: pass `next_before` as `before`. The preview is text with unsafe characters escaped: never render it as HTML.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .WithResponseExample(ApiExamples.DeadLetters);
        letters.MapGet("/reasons", GetReasons)
            .WithName("GetDeadLetterReasons")
            .WithSummary("How many dead letters have each reason and state.")
            .WithResponseExample(ApiExamples.DeadLetterReasons);
        letters.MapGet("/{id}", GetDeadLetter)
            .WithName("GetDeadLetter")
            .WithSummary("One dead letter, with up to 16 KiB of its payload as escaped text and its first 1 KiB in hexadecimal.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithResponseExample(ApiExamples.DeadLetter);
        letters.MapPost("/replay", Replay)
            .WithName("ReplayDeadLetters")
            .WithSummary($"Asks the consumer to send dead letters through the normal path again (1–{DeadLetterConsole.MaxIds} ids).")
            .WithDescription("Only `dead` letters change (to `replay_requested`); the answer says what happened to each id. The consumer " +
                "replays within about a second: a letter becomes `replayed` (with the sale's `event_id`) or `dead` again with the new reason. " +
                "A sale is stored once however often its letter is replayed.")
            .Accepts<DeadLetterReplayRequest>("application/json")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .WithResponseExample(ApiExamples.DeadLettersReplayed);
        letters.MapPost("/discard", Discard)
            .WithName("DiscardDeadLetters")
            .WithSummary($"Discards dead letters with a note (1–{DeadLetterConsole.MaxIds} ids; note 1–{DeadLetterConsole.MaxNoteLength} characters). They are kept.")
            .Accepts<DeadLetterDiscardRequest>("application/json")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .WithResponseExample(ApiExamples.DeadLettersDiscarded);
        return app;
    }

    public static async Task<Results<Ok<DeadLetterPage>, ProblemHttpResult>> GetDeadLetters(
        string? reason, string? state, string? theater_id, string? from, string? to, string? limit, string? before,
        DeadLetterConsole console, CancellationToken cancellationToken)
    {
        if (!string.IsNullOrEmpty(reason) && (reason.Length > MaxReasonLength || !ReasonPattern().IsMatch(reason)))
            return BadRequest("Invalid reason", $"reason must be lowercase letters and underscores, at most {MaxReasonLength}, e.g. unknown_theater.");
        if (!string.IsNullOrEmpty(state) && !DeadLetterStates.All.Contains(state))
            return BadRequest("Invalid state", $"state must be one of {string.Join(", ", DeadLetterStates.All)}.");
        int? theaterId = null;
        if (!string.IsNullOrEmpty(theater_id))
        {
            if (!RequestValues.TryId(theater_id, "theater", out var id, out var problem)) return problem;
            theaterId = id;
        }
        if (!TryInstant(from, "from", endOfDay: false, out var fromAt, out var invalid)) return invalid;
        if (!TryInstant(to, "to", endOfDay: true, out var toAt, out invalid)) return invalid;
        if (fromAt is { } f && toAt is { } t && f >= t) return BadRequest("Invalid time range", "from must be before to.");
        if (!TryLimit(limit, DefaultLimit, MaxLimit, out var pageSize, out var invalidLimit)) return invalidLimit;
        long? beforeId = null;
        if (!string.IsNullOrEmpty(before))
        {
            if (!TryLetterId(before, out var id)) return BadRequest("Invalid before", "before must be a dead letter id (a whole number from 1), e.g. the next_before of the last page.");
            beforeId = id;
        }
        return TypedResults.Ok(await console.ListAsync(new DeadLetterFilter(reason, state, theaterId, fromAt, toAt, beforeId, pageSize), cancellationToken));
    }

    public static async Task<Ok<IReadOnlyList<DeadLetterReasonCount>>> GetReasons(DeadLetterConsole console, CancellationToken cancellationToken) =>
        TypedResults.Ok(await console.ReasonsAsync(cancellationToken));

    public static async Task<Results<Ok<DeadLetterDetail>, ProblemHttpResult>> GetDeadLetter(string id, DeadLetterConsole console, CancellationToken cancellationToken)
    {
        if (!TryLetterId(id, out var letterId)) return BadRequest("Invalid dead letter id", "Dead letter ids are whole numbers from 1.");
        return await console.FindAsync(letterId, cancellationToken) is { } letter
            ? TypedResults.Ok(letter)
            : TypedResults.Problem(title: "Dead letter not found", detail: $"No dead letter has id {letterId}.", statusCode: StatusCodes.Status404NotFound);
    }

    public static async Task<Results<Ok<DeadLetterActionAnswer>, ProblemHttpResult>> Replay(HttpContext context, DeadLetterConsole console, CancellationToken cancellationToken)
    {
        var (request, problem) = await ReadAsync<DeadLetterReplayRequest>(context, cancellationToken);
        if (problem is not null) return problem;
        if (!TryIds(request!.Ids, out var ids, out problem)) return problem;
        return TypedResults.Ok(await console.ReplayAsync(ids, Actor(context.User), cancellationToken));
    }

    public static async Task<Results<Ok<DeadLetterActionAnswer>, ProblemHttpResult>> Discard(HttpContext context, DeadLetterConsole console, CancellationToken cancellationToken)
    {
        var (request, problem) = await ReadAsync<DeadLetterDiscardRequest>(context, cancellationToken);
        if (problem is not null) return problem;
        if (!TryIds(request!.Ids, out var ids, out problem)) return problem;
        if (!TryNote(request.Note, out var note, out problem)) return problem;
        return TypedResults.Ok(await console.DiscardAsync(ids, note, Actor(context.User), cancellationToken));
    }

    /// <summary>The query and path parameters of <c>/dead-letters</c> in the OpenAPI document, with their real types.</summary>
    internal static void DescribeParameters(OpenApiOperation operation)
    {
        static OpenApiSchema Text(int? maxLength = null) => new() { Type = JsonSchemaType.String, MaxLength = maxLength };
        static OpenApiSchema Whole(long minimum, long? maximum = null, int? fallback = null) => new()
        {
            Type = JsonSchemaType.Integer, Minimum = minimum.ToString(CultureInfo.InvariantCulture),
            Maximum = maximum?.ToString(CultureInfo.InvariantCulture), Default = fallback is { } value ? System.Text.Json.Nodes.JsonValue.Create(value) : null,
        };
        foreach (var parameter in operation.Parameters?.OfType<OpenApiParameter>() ?? [])
        {
            (parameter.Description, parameter.Schema) = parameter.Name switch
            {
                "id" => ("The dead letter's id.", Whole(1, long.MaxValue)),
                "reason" => ("Only letters with this reason (e.g. `unknown_theater`; see `/dead-letters/reasons`).", Text(MaxReasonLength)),
                "state" => ($"Only letters in this state: {string.Join(", ", DeadLetterStates.All)}.", new OpenApiSchema
                {
                    Type = JsonSchemaType.String, Enum = [.. DeadLetterStates.All.Select(s => (System.Text.Json.Nodes.JsonNode)System.Text.Json.Nodes.JsonValue.Create(s)!)],
                }),
                "theater_id" => ("Only letters whose payload names this theater id.", Whole(1, int.MaxValue)),
                "from" => ("Received at or after: an ISO 8601 instant with offset (2025-03-14T18:00:00Z) or a date (its start, UTC).", Text()),
                "to" => ("Received before: an ISO 8601 instant with offset, or a date (its end, UTC).", Text()),
                "limit" => ($"Number of letters, 1–{MaxLimit}; default {DefaultLimit}.", Whole(1, MaxLimit, DefaultLimit)),
                "before" => ("Only letters with a smaller id: the `next_before` of the previous page.", Whole(1, long.MaxValue)),
                _ => (parameter.Description, parameter.Schema),
            };
        }
    }

    /// <summary>Who acts, for the audit columns: the token's name, else its subject, else its client.</summary>
    private static string Actor(ClaimsPrincipal user)
    {
        var who = user.FindFirstValue(SecurityExtensions.NameClaimType) ?? user.FindFirstValue("sub") ?? user.FindFirstValue("client_id") ?? "unknown";
        return Printable(who) && who.Length <= MaxActorLength ? who : "unprintable name";
    }

    /// <summary>The body as the API's JSON options read it (snake_case, numbers strict), or the 4xx problem that says why not.</summary>
    private static async Task<(T? Value, ProblemHttpResult? Problem)> ReadAsync<T>(HttpContext context, CancellationToken cancellationToken)
        where T : class
    {
        var request = context.Request;
        var type = (JsonTypeInfo<T>)context.RequestServices.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions.GetTypeInfo(typeof(T));
        if (!request.HasJsonContentType())
            return (null, TypedResults.Problem(title: "JSON expected", detail: "Send the body as application/json.", statusCode: StatusCodes.Status415UnsupportedMediaType));
        try
        {
            var value = await JsonSerializer.DeserializeAsync(request.Body, type, cancellationToken);
            return value is null ? (null, BadRequest("Invalid body", "The body is JSON null; send an object.")) : (value, null);
        }
        catch (BadHttpRequestException ex)
        {
            return (null, TypedResults.Problem(title: "Invalid body", detail: "The body could not be read (too large?).", statusCode: ex.StatusCode));
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or NotSupportedException or ArgumentException or FormatException or OverflowException)
        {
            return (null, BadRequest("Invalid body", "The body is not JSON of the expected shape: " + (typeof(T) == typeof(DeadLetterDiscardRequest)
                ? """{"ids": [1, 2], "note": "why"}""" : """{"ids": [1, 2]}""")));
        }
    }

    private static bool TryIds(IReadOnlyList<long>? given, [NotNullWhen(true)] out IReadOnlyList<long>? ids, [NotNullWhen(false)] out ProblemHttpResult? problem)
    {
        ids = null;
        problem = null;
        if (given is null || given.Count == 0) problem = BadRequest("Invalid ids", "ids must name at least one dead letter.");
        else if (given.Count > DeadLetterConsole.MaxIds) problem = BadRequest("Invalid ids", $"ids may name at most {DeadLetterConsole.MaxIds} dead letters at once; it named {given.Count}.");
        else if (given.Any(id => id < 1)) problem = BadRequest("Invalid ids", "Dead letter ids are whole numbers from 1.");
        else ids = given.Distinct().ToList();
        return ids is not null;
    }

    private static bool TryNote(string? given, [NotNullWhen(true)] out string? note, [NotNullWhen(false)] out ProblemHttpResult? problem)
    {
        note = given?.Trim();
        problem = null;
        if (string.IsNullOrEmpty(note)) problem = BadRequest("Invalid note", "A discard needs a note saying why (it is kept with the letters).");
        else if (note.Length > DeadLetterConsole.MaxNoteLength) problem = BadRequest("Invalid note", $"The note may be at most {DeadLetterConsole.MaxNoteLength} characters; it has {note.Length}.");
        else if (!Printable(note, allowLineBreaks: true)) problem = BadRequest("Invalid note", "The note may not contain control characters (line breaks and tabs are fine) or unpaired surrogates.");
        if (problem is not null) note = null;
        return note is not null;
    }

    /// <summary>No control characters (but line breaks and tabs when allowed) and no unpaired surrogates: text PostgreSQL takes and a screen shows.</summary>
    private static bool Printable(string text, bool allowLineBreaks = false)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1])) { i++; continue; }
            if (char.IsSurrogate(c)) return false;
            if (char.IsControl(c) && !(allowLineBreaks && c is '\n' or '\r' or '\t')) return false;
        }
        return true;
    }

    private static bool TryLetterId(string value, out long id) =>
        long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out id) && id > 0;

    /// <summary>An ISO 8601 instant with an offset (or Z), or a date (its start, or for <paramref name="endOfDay"/> the next day's start), UTC.</summary>
    private static bool TryInstant(string? value, string name, bool endOfDay, out DateTimeOffset? instant, [NotNullWhen(false)] out ProblemHttpResult? problem)
    {
        instant = null;
        problem = null;
        if (string.IsNullOrEmpty(value)) return true;
        if (DateOnly.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            if (endOfDay && date == DateOnly.MaxValue) return true;
            instant = new DateTimeOffset((endOfDay ? date.AddDays(1) : date).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
            return true;
        }
        string[] formats = ["yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK", "yyyy-MM-dd'T'HH:mmK"];
        if (value.Length <= 40 && (value.EndsWith('Z') || value.LastIndexOfAny(['+', '-']) > 10)
            && DateTimeOffset.TryParseExact(value, formats, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal, out var at))
        {
            instant = at.ToUniversalTime();
            return true;
        }
        problem = BadRequest("Invalid time", $"{name} must be an ISO 8601 instant with its offset (2025-03-14T18:00:00Z) or a date (2025-03-14).");
        return false;
    }

    [GeneratedRegex("^[a-z_]+$")]
    private static partial Regex ReasonPattern();
}
