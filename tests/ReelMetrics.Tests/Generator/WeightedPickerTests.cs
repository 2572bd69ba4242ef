using ReelMetrics.Generator.Sales;

namespace ReelMetrics.Tests.Generator;

public sealed class WeightedPickerTests
{
    [Fact]
    public void PicksInProportionToWeightAndNeverAZeroWeight()
    {
        var picker = new WeightedPicker(5);
        picker.Reset([1, 0, 3, 0, 6]);
        var random = new Random(1);

        var counts = new int[5];
        for (var i = 0; i < 100_000; i++) counts[picker.Pick(random)]++;

        Assert.Equal(0, counts[1]);
        Assert.Equal(0, counts[3]);
        Assert.InRange(counts[0], 9_000, 11_000);
        Assert.InRange(counts[2], 29_000, 31_000);
        Assert.InRange(counts[4], 59_000, 61_000);
    }

    [Fact]
    public void ChangedWeightsTakeEffectAndAllZeroMeansNothingToPick()
    {
        var picker = new WeightedPicker(3);
        picker.Reset([5, 5, 5]);
        var random = new Random(2);

        picker.Set(0, 0);
        picker.Set(2, 0);
        Assert.All(Enumerable.Range(0, 100), _ => Assert.Equal(1, picker.Pick(random)));
        Assert.Equal(5, picker.Total);

        picker.Set(1, 0);
        Assert.Equal(-1, picker.Pick(random));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(64)]
    [InlineData(1_000)]
    public void EveryIndexCanBePickedWhateverTheSize(int size)
    {
        var picker = new WeightedPicker(size);
        picker.Reset(Enumerable.Repeat(1L, size).ToArray());
        var random = new Random(3);

        var seen = new HashSet<int>();
        for (var i = 0; i < size * 50; i++) seen.Add(picker.Pick(random));

        Assert.Equal(size, seen.Count);
    }
}
