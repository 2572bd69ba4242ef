using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ReelMetrics.Api.Alerts;

/// <summary>
/// Evaluates <see cref="AlertRules"/> every <see cref="AlertOptions.Interval"/> and keeps the alerts table in step:
/// a condition found true with no open alert for its rule and subject is raised; an open alert whose condition is no
/// longer found is resolved. Both APIs run it; a round runs under a PostgreSQL advisory lock (one process at a time)
/// and the table allows one open alert per rule and subject, so two processes never raise the same alert twice.
/// A rule that fails (PostgreSQL away) is skipped for the round: its open alerts stay open. A rule with a "for"
/// duration (<see cref="AlertRules.PendingFor"/>) raises a condition only once this process has found it on every round
/// for that long; a process that just started waits that long again (it errs towards a later alert, never a false one).
/// </summary>
public sealed class AlertEvaluator(IServiceScopeFactory scopes, IOptions<AlertOptions> options, TimeProvider clock, ILogger<AlertEvaluator> logger)
    : BackgroundService
{
    /// <summary>Conditions found but not yet raised, by rule and subject: when this process first found them.</summary>
    private readonly ConcurrentDictionary<(string Rule, string Subject), DateTimeOffset> pending = new();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Enabled) return;
        using var timer = new PeriodicTimer(options.Value.Interval, clock);
        do
        {
            try
            {
                await EvaluateAsync(stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning("Evaluating the alert rules failed ({Message}); trying again in {Interval}", ex.Message, options.Value.Interval);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).AsTask().ContinueWith(t => t.IsCompletedSuccessfully && t.Result, TaskScheduler.Default));
    }

    /// <summary>One round: false when another process held the lock (and evaluated instead).</summary>
    public async Task<bool> EvaluateAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var store = scope.ServiceProvider.GetRequiredService<IAlertStore>();
        var rules = scope.ServiceProvider.GetRequiredService<AlertRules>();
        return await store.RunExclusiveAsync(async token =>
        {
            var now = clock.GetUtcNow();
            var open = await store.GetOpenAlertsAsync(token);
            foreach (var rule in AlertRules.All)
            {
                IReadOnlyList<AlertCondition> conditions;
                try
                {
                    conditions = await rules.EvaluateAsync(rule, now, token);
                }
                catch (Exception ex) when (!token.IsCancellationRequested)
                {
                    logger.LogWarning("Alert rule {Rule} could not be evaluated ({Message}); its open alerts stay open", rule, ex.Message);
                    continue;
                }

                var found = conditions.DistinctBy(c => c.Subject).ToDictionary(c => c.Subject, StringComparer.Ordinal);
                var openOfRule = open.Where(a => a.Rule == rule).ToList();
                var resolved = openOfRule.Where(a => !found.ContainsKey(a.Subject)).Select(a => a.AlertId).ToList();
                if (resolved.Count > 0) await store.ResolveAsync(resolved, now, token);
                foreach (var gone in pending.Keys.Where(k => k.Rule == rule && !found.ContainsKey(k.Subject)))
                {
                    pending.TryRemove(gone, out _);
                }

                var pendingFor = rules.PendingFor(rule);
                foreach (var condition in found.Values.Where(c => !openOfRule.Any(a => a.Subject == c.Subject)))
                {
                    var key = (rule, condition.Subject);
                    if (now - pending.GetOrAdd(key, now) < pendingFor) continue;
                    pending.TryRemove(key, out _);
                    await store.RaiseAsync(condition, now, token);
                    logger.LogInformation("Alert raised: {Rule} {Subject}: {Message}", condition.Rule, condition.Subject, condition.Message);
                }
            }
        }, cancellationToken);
    }
}
