namespace LabelAndAlign.Engine.Tokenization;

/// <summary>
/// A pair of token ids (left, right) packed in a long, with a hash that mixes both halves.
/// <c>long.GetHashCode</c> is <c>left ^ right</c>, which for ids below 2^16 collides constantly
/// (every pair with the same XOR lands in one bucket) and made merge lookups 100× slower.
/// </summary>
internal sealed class PairKey : IEqualityComparer<long>
{
    public static readonly PairKey Comparer = new();

    public static long Of(int left, int right) => ((long)left << 32) | (uint)right;

    public static int Left(long key) => (int)(key >> 32);

    public static int Right(long key) => (int)key;

    public bool Equals(long x, long y) => x == y;

    // Fibonacci hashing: multiply by 2^64 / φ and keep the high bits, which depend on every input bit.
    public int GetHashCode(long key) => (int)(((ulong)key * 0x9E3779B97F4A7C15UL) >> 32);
}
