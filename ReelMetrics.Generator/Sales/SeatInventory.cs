namespace ReelMetrics.Generator.Sales;

/// <summary>
/// Seats sold per showtime, by the showtime's index in its <see cref="SalesCatalog"/>: what keeps
/// a showtime from ever selling more tickets than it has seats. Owned by one thread (the one that
/// sells); <see cref="SoldOutShowtimes"/> may be read from any.
/// </summary>
public sealed class SeatInventory
{
    private readonly int[] capacity;
    private readonly int[] sold;
    private int soldOut;

    public SeatInventory(IReadOnlyList<int> capacities)
    {
        capacity = [.. capacities];
        sold = new int[capacity.Length];
    }

    /// <summary>An inventory of the catalog's showtimes, with nothing sold.</summary>
    public static SeatInventory For(SalesCatalog catalog) =>
        new([.. catalog.Showtimes.Select(s => s.Showtime.Capacity)]);

    public int Count => capacity.Length;

    public int SoldOutShowtimes => Volatile.Read(ref soldOut);

    public int Capacity(int showtime) => capacity[showtime];

    public int Sold(int showtime) => sold[showtime];

    public int Remaining(int showtime) => capacity[showtime] - sold[showtime];

    public long TotalRemaining()
    {
        long remaining = 0;
        for (var i = 0; i < capacity.Length; i++) remaining += capacity[i] - sold[i];
        return remaining;
    }

    /// <summary>Records tickets sold before we started (e.g. read from the database), clamped to the capacity.</summary>
    public void SetAlreadySold(int showtime, int tickets)
    {
        var wasSoldOut = sold[showtime] == capacity[showtime];
        sold[showtime] = Math.Clamp(tickets, 0, capacity[showtime]);
        UpdateSoldOut(showtime, wasSoldOut);
    }

    /// <summary>Sells up to <paramref name="wanted"/> seats and returns how many it sold: never more than remain.</summary>
    public int Sell(int showtime, int wanted)
    {
        var tickets = Math.Min(wanted, Remaining(showtime));
        if (tickets <= 0) return 0;
        sold[showtime] += tickets;
        UpdateSoldOut(showtime, wasSoldOut: false);
        return tickets;
    }

    /// <summary>Puts back seats of a sale that never reached the broker.</summary>
    public void Release(int showtime, int tickets)
    {
        var wasSoldOut = sold[showtime] == capacity[showtime];
        sold[showtime] = Math.Max(0, sold[showtime] - tickets);
        UpdateSoldOut(showtime, wasSoldOut);
    }

    private void UpdateSoldOut(int showtime, bool wasSoldOut)
    {
        var isSoldOut = sold[showtime] == capacity[showtime];
        if (isSoldOut != wasSoldOut) Interlocked.Add(ref soldOut, isSoldOut ? 1 : -1);
    }
}
