namespace ReelMetrics.Contracts.Api;

/// <summary>A theater of the chain, as both APIs return it.</summary>
public sealed record TheaterSummary(int TheaterId, string Name, string City, string TimeZone, int Screens, int Seats);
