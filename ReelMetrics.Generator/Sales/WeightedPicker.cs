namespace ReelMetrics.Generator.Sales;

/// <summary>
/// Picks an index with probability proportional to its weight, in O(log n), while weights change
/// (a Fenwick tree over integer weights, so sums stay exact however often a showtime sells out).
/// </summary>
public sealed class WeightedPicker
{
    private readonly long[] weights;
    private readonly long[] tree;   // tree[i] = sum of weights (i - lowbit(i), i], 1-based
    private readonly int highestBit;

    public WeightedPicker(int count)
    {
        weights = new long[count];
        tree = new long[count + 1];
        highestBit = count == 0 ? 0 : 1 << (31 - int.LeadingZeroCount(count));
    }

    public int Count => weights.Length;

    public long Total { get; private set; }

    public long this[int index] => weights[index];

    /// <summary>Replaces every weight at once, in O(n).</summary>
    public void Reset(ReadOnlySpan<long> newWeights)
    {
        newWeights.CopyTo(weights);
        Array.Clear(tree);
        Total = 0;
        for (var i = 1; i <= weights.Length; i++)
        {
            tree[i] += weights[i - 1];
            Total += weights[i - 1];
            var parent = i + (i & -i);
            if (parent <= weights.Length) tree[parent] += tree[i];
        }
    }

    public void Set(int index, long weight)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(weight);
        var delta = weight - weights[index];
        if (delta == 0) return;
        weights[index] = weight;
        Total += delta;
        for (var i = index + 1; i <= weights.Length; i += i & -i) tree[i] += delta;
    }

    /// <summary>A random index by weight, or -1 when every weight is zero.</summary>
    public int Pick(Random random)
    {
        if (Total <= 0) return -1;
        var target = random.NextInt64(Total);   // find the first index whose running sum exceeds target
        var position = 0;
        for (var step = highestBit; step > 0; step >>= 1)
        {
            var next = position + step;
            if (next <= weights.Length && tree[next] <= target)
            {
                position = next;
                target -= tree[next];
            }
        }
        return position;
    }
}
