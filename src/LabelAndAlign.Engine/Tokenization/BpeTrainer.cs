using System.Text;
using System.Text.RegularExpressions;

namespace LabelAndAlign.Engine.Tokenization;

/// <summary>Settings for <see cref="BpeTrainer.Train(IEnumerable{string}, BpeTrainerOptions)"/>.</summary>
public sealed record BpeTrainerOptions
{
    /// <summary>V: total ids, counting the 256 byte tokens, the merges and the special tokens; reached exactly.</summary>
    public int VocabSize { get; init; } = 2048;

    /// <summary>Special tokens, given the last ids in this order. The first end-of-text alias is the EOS.</summary>
    public IReadOnlyList<string> SpecialTokens { get; init; } = Tokenization.SpecialTokens.Default;
}

/// <summary>
/// Learns a byte-level BPE from text, the way GPT-2's was made: ids 0–255 are the bytes (id = byte
/// value), then the tokens made by merging the most frequent adjacent pair within pre-tokenised
/// pieces (the same <see cref="Gpt2PreTokenizer"/> pieces that encoding uses), then the special tokens.
/// Pair counts are updated incrementally and the best pair comes from a priority queue, so a
/// megabyte of text trains in about a second. Ties go to the pair with the smaller ids, which makes
/// the result depend on the text alone.
/// </summary>
public static class BpeTrainer
{
    /// <summary>Trains on one text.</summary>
    public static BpeTokenizer Train(string corpus, BpeTrainerOptions options) => Train([corpus], options);

    /// <summary>Trains on many texts (documents, lines); special-token text inside them is not learned from.</summary>
    public static BpeTokenizer Train(IEnumerable<string> corpus, BpeTrainerOptions options)
    {
        ArgumentNullException.ThrowIfNull(corpus);
        ArgumentNullException.ThrowIfNull(options);
        var specials = options.SpecialTokens;
        if (specials.Any(string.IsNullOrEmpty)) throw new ArgumentException("Special tokens must not be empty.", nameof(options));
        if (specials.Distinct(StringComparer.Ordinal).Count() != specials.Count)
            throw new ArgumentException($"Special tokens repeat: [{string.Join(", ", specials)}].", nameof(options));
        if (!specials.Any(s => Tokenization.SpecialTokens.EndOfTextAliases.Contains(s)))
            throw new ArgumentException(
                $"Special tokens [{string.Join(", ", specials)}] include no end-of-text token; add {Tokenization.SpecialTokens.EndOfText}.", nameof(options));
        int ordinaryTokens = options.VocabSize - specials.Count;
        if (ordinaryTokens < 256)
            throw new ArgumentException(
                $"Vocab size {options.VocabSize} is below the 256 byte tokens plus {specials.Count} special tokens; use at least {256 + specials.Count}.", nameof(options));

        var words = CountPieces(corpus, specials);
        var (tokens, merges) = LearnMerges(words, ordinaryTokens, options.VocabSize);

        var specialIds = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < specials.Count; i++) specialIds[specials[i]] = tokens.Count + i;
        return new BpeTokenizer([.. tokens], merges, specialIds);
    }

    private static Dictionary<string, long> CountPieces(IEnumerable<string> corpus, IReadOnlyList<string> specials)
    {
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        var lookup = counts.GetAlternateLookup<ReadOnlySpan<char>>();
        var splitter = specials.Count == 0 ? null : new Regex(
            string.Join('|', specials.OrderByDescending(s => s.Length).Select(Regex.Escape)), RegexOptions.CultureInvariant);

        void CountSegment(ReadOnlySpan<char> text)
        {
            for (int pos = 0; pos < text.Length;)
            {
                int end = Gpt2PreTokenizer.NextPieceEnd(text, pos);
                var piece = text[pos..end];
                lookup[piece] = lookup.TryGetValue(piece, out long c) ? c + 1 : 1;
                pos = end;
            }
        }

        foreach (var text in corpus)
        {
            ArgumentNullException.ThrowIfNull(text, nameof(corpus));
            if (splitter is null)
            {
                CountSegment(text);
                continue;
            }
            int pos = 0;
            foreach (var m in splitter.EnumerateMatches(text))
            {
                CountSegment(text.AsSpan(pos, m.Index - pos));
                pos = m.Index + m.Length;
            }
            CountSegment(text.AsSpan(pos));
        }
        return counts;
    }

    // Merges until there are `ordinaryTokens` tokens. A merge whose bytes are already a token
    // (made earlier by a different split, e.g. a+bc then ab+c) reuses that id, as HF's trainer
    // does, so there can be more merges than new tokens.
    private static (List<byte[]> Tokens, List<(int Left, int Right)> Merges) LearnMerges(
        Dictionary<string, long> pieces, int ordinaryTokens, int vocabSize)
    {
        var tokens = new List<byte[]>(ordinaryTokens);
        var idOfBytes = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int b = 0; b < 256; b++)
        {
            tokens.Add([(byte)b]);
            idOfBytes[ByteLevel.CharOf((byte)b).ToString()] = b;
        }

        // Each distinct piece is a word: its symbols (ids) and how often it occurs.
        int wordCount = pieces.Count;
        var symbols = new int[wordCount][];
        var lengths = new int[wordCount];
        var freq = new long[wordCount];
        var pairCount = new Dictionary<long, long>(PairKey.Comparer);
        var pairWords = new Dictionary<long, List<int>>(PairKey.Comparer); // may list a word twice or after the pair left it; checked on use

        int w = 0;
        foreach (var (piece, count) in pieces.OrderBy(kv => kv.Key, StringComparer.Ordinal)) // fixed order: no dependence on hashing
        {
            var bytes = Encoding.UTF8.GetBytes(piece);
            var s = new int[bytes.Length];
            for (int i = 0; i < s.Length; i++) s[i] = bytes[i];
            symbols[w] = s;
            lengths[w] = s.Length;
            freq[w] = count;
            for (int i = 0; i + 1 < s.Length; i++) AddPair(PairKey.Of(s[i], s[i + 1]), count, w);
            w++;
        }

        // Max count first, then smaller (left, right). A queued count may be stale: one that fell
        // is found out on pop and queued again; a pair whose count grew is queued afresh.
        var queue = new PriorityQueue<long, (long NegCount, long Key)>();
        foreach (var (key, count) in pairCount) queue.Enqueue(key, (-count, key));

        var merges = new List<(int, int)>(ordinaryTokens - 256);
        var touched = new HashSet<long>(PairKey.Comparer);
        var stamp = new int[wordCount];
        Array.Fill(stamp, -1);

        while (tokens.Count < ordinaryTokens)
        {
            if (!queue.TryDequeue(out long best, out var priority))
                throw new ArgumentException(
                    $"The corpus runs out of pairs to merge at {tokens.Count} ordinary tokens; vocab size {vocabSize} needs {ordinaryTokens}. " +
                    $"Use a vocab size of at most {vocabSize - (ordinaryTokens - tokens.Count)} or a larger corpus.");
            long current = pairCount.GetValueOrDefault(best);
            if (current != -priority.NegCount)
            {
                if (current > 0) queue.Enqueue(best, (-current, best));
                continue;
            }

            int a = PairKey.Left(best), b = PairKey.Right(best), step = merges.Count;
            byte[] bytes = [.. tokens[a], .. tokens[b]];
            string byteKey = ByteLevel.Encode(bytes);
            if (!idOfBytes.TryGetValue(byteKey, out int merged))
            {
                merged = tokens.Count;
                tokens.Add(bytes);
                idOfBytes[byteKey] = merged;
            }
            merges.Add((a, b));
            touched.Clear();
            foreach (int wi in pairWords[best])
            {
                if (stamp[wi] == step) continue;
                stamp[wi] = step;
                MergeInWord(wi, a, b, merged);
            }
            pairWords.Remove(best);
            pairCount.Remove(best);
            foreach (long key in touched)
            {
                long c = pairCount.GetValueOrDefault(key);
                if (c > 0) queue.Enqueue(key, (-c, key));
            }
        }
        return (tokens, merges);

        void AddPair(long key, long count, int word)
        {
            pairCount[key] = pairCount.GetValueOrDefault(key) + count;
            if (!pairWords.TryGetValue(key, out var list)) pairWords[key] = list = [];
            if (list.Count == 0 || list[^1] != word) list.Add(word);
        }

        void MergeInWord(int wi, int a, int b, int merged)
        {
            var s = symbols[wi];
            int n = lengths[wi];
            long f = freq[wi];
            for (int i = 0; i + 1 < n; i++)
            {
                if (s[i] != a || s[i + 1] != b) continue;
                if (i > 0) pairCount[PairKey.Of(s[i - 1], a)] -= f;
                if (i + 2 < n) pairCount[PairKey.Of(b, s[i + 2])] -= f;
                s[i] = merged;
                Array.Copy(s, i + 2, s, i + 1, n - i - 2);
                n--;
                if (i > 0) { long k = PairKey.Of(s[i - 1], merged); AddPair(k, f, wi); touched.Add(k); }
                if (i + 1 < n) { long k = PairKey.Of(merged, s[i + 1]); AddPair(k, f, wi); touched.Add(k); }
            }
            lengths[wi] = n;
        }
    }
}
