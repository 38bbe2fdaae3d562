using System.Buffers;
using System.Collections.Concurrent;
using System.Text;
using System.Text.RegularExpressions;

namespace LabelAndAlign.Engine.Tokenization;

/// <summary>
/// Byte-level BPE as in GPT-2 and tiktoken: text is cut into pieces by
/// <see cref="Gpt2PreTokenizer"/>, each piece's UTF-8 bytes start as one token per byte, and
/// adjacent pairs are merged lowest merge rank first (leftmost on ties) until no pair in the merge
/// table remains. Pieces seen before come from a cache.
/// <para>
/// Ordinary tokens are byte strings; special tokens (<see cref="SpecialTokens"/>) sit outside the
/// BPE and are produced only by <c>Encode(text, allowSpecial: true)</c>.
/// Build one with <see cref="Gpt2EncoderFiles"/>, <see cref="HuggingFaceTokenizerJson"/>,
/// <see cref="BpeTrainer"/> or <see cref="TokenizerFiles.Load"/>.
/// </para>
/// <para>
/// Speed, measured with GPT-2 on the 2-core build machine while other builds ran: English text
/// 10–20 MB/s (3–7 M tokens/s) once the piece cache is warm, 5–8 MB/s from a fresh instance;
/// the multilingual test corpus about 17 MB/s. The slow case is a single piece of hundreds of
/// bytes (e.g. 1,000 letters without a space): O(n log n) through the heap, about 1 MB/s.
/// </para>
/// </summary>
public sealed class BpeTokenizer : ITokenizer
{
    // Pieces longer than this are neither cached (they are rare and would bloat it) nor merged by
    // the quadratic scan (a run of 10k spaces is one piece); they go through the heap instead.
    private const int MaxCachedPieceChars = 64;
    private const int MaxLinearPieceBytes = 128;
    private const int CacheCapacity = 100_000;

    private readonly byte[]?[] _tokenBytes;               // id → bytes; null for specials and unused ids
    private readonly int[] _byteIds = new int[256];        // byte → id of its one-byte token
    private readonly Dictionary<long, Merge> _merges;      // (left id, right id) → rank and merged id
    private readonly (int Left, int Right)[] _mergeList;   // by rank
    private readonly Dictionary<string, int> _specials;
    private readonly string[]? _specialText;               // id → special text
    private readonly Regex? _specialRegex;                 // longest special first at each position
    private readonly Dictionary<string, int>? _wholePieces; // byte-level string → id, only with IgnoreMerges
    private readonly ConcurrentDictionary<string, int[]> _cache = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int[]>.AlternateLookup<ReadOnlySpan<char>> _cacheLookup;
    private int _cacheAdds;

    private readonly record struct Merge(int Rank, int Id);

    /// <summary>
    /// A tokenizer from its parts.
    /// </summary>
    /// <param name="tokens">Bytes of each ordinary token, indexed by id; null at special and unused ids. All 256 one-byte tokens must be present.</param>
    /// <param name="merges">Merge rules by rank (first = applied first): the ids of the left and right token; their concatenation must be a token.</param>
    /// <param name="specialTokens">Special token text → id; must include an end-of-text token (<see cref="Tokenization.SpecialTokens.EndOfTextAliases"/>).</param>
    /// <param name="ignoreMerges">Hugging Face's <c>ignore_merges</c>: a piece that is a whole token is emitted as that token without merging.</param>
    /// <param name="addPrefixSpace">Hugging Face's ByteLevel <c>add_prefix_space</c>: text not starting with a space gets one (RoBERTa style).</param>
    public BpeTokenizer(
        IReadOnlyList<byte[]?> tokens,
        IReadOnlyList<(int Left, int Right)> merges,
        IReadOnlyDictionary<string, int> specialTokens,
        bool ignoreMerges = false,
        bool addPrefixSpace = false)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        ArgumentNullException.ThrowIfNull(merges);
        ArgumentNullException.ThrowIfNull(specialTokens);

        int vocabSize = tokens.Count;
        foreach (var (text, id) in specialTokens)
        {
            if (string.IsNullOrEmpty(text)) throw new ArgumentException($"Special token id {id} has empty text.", nameof(specialTokens));
            if (id < 0) throw new ArgumentException($"Special token '{text}' has negative id {id}.", nameof(specialTokens));
            if (id < tokens.Count && tokens[id] is not null)
                throw new ArgumentException($"Special token '{text}' has id {id}, which is also an ordinary token; pass null bytes at special ids.", nameof(specialTokens));
            vocabSize = Math.Max(vocabSize, id + 1);
        }
        VocabSize = vocabSize;

        _tokenBytes = new byte[]?[vocabSize];
        var idOfBytes = new Dictionary<string, int>(tokens.Count, StringComparer.Ordinal); // byte-level string → id
        for (int id = 0; id < tokens.Count; id++)
        {
            var bytes = tokens[id];
            if (bytes is null) continue;
            if (bytes.Length == 0) throw new ArgumentException($"Token {id} has no bytes.", nameof(tokens));
            _tokenBytes[id] = bytes;
            idOfBytes.TryAdd(ByteLevel.Encode(bytes), id);
        }

        var missing = new List<int>();
        for (int b = 0; b < 256; b++)
        {
            if (idOfBytes.TryGetValue(ByteLevel.CharOf((byte)b).ToString(), out int id)) _byteIds[b] = id;
            else missing.Add(b);
        }
        if (missing.Count > 0)
            throw new InvalidDataException(
                $"A byte-level vocabulary needs a token for each of the 256 bytes; {missing.Count} are missing " +
                $"(first: 0x{missing[0]:X2}, written '{ByteLevel.CharOf((byte)missing[0])}').");

        _mergeList = new (int, int)[merges.Count];
        _merges = new Dictionary<long, Merge>(merges.Count, PairKey.Comparer);
        for (int rank = 0; rank < merges.Count; rank++)
        {
            var (left, right) = merges[rank];
            var lb = TokenBytesOrNull(left) ?? throw new InvalidDataException($"Merge #{rank} uses id {left}, which is not an ordinary token.");
            var rb = TokenBytesOrNull(right) ?? throw new InvalidDataException($"Merge #{rank} uses id {right}, which is not an ordinary token.");
            string merged = ByteLevel.Encode([.. lb, .. rb]);
            if (!idOfBytes.TryGetValue(merged, out int mergedId))
                throw new InvalidDataException(
                    $"Merge #{rank} ('{ByteLevel.Encode(lb)}' + '{ByteLevel.Encode(rb)}') makes '{merged}', which is not in the vocabulary.");
            _mergeList[rank] = (left, right);
            _merges.TryAdd(PairKey.Of(left, right), new Merge(rank, mergedId)); // a repeated rule keeps its first rank
        }

        _specials = new Dictionary<string, int>(specialTokens, StringComparer.Ordinal);
        if (_specials.Count > 0)
        {
            _specialText = new string[vocabSize];
            foreach (var (text, id) in _specials) _specialText[id] = text;
            _specialRegex = new Regex(
                string.Join('|', _specials.Keys.OrderByDescending(s => s.Length).ThenBy(s => s, StringComparer.Ordinal).Select(Regex.Escape)),
                RegexOptions.CultureInvariant);
        }

        string? eos = Tokenization.SpecialTokens.EndOfTextAliases.FirstOrDefault(_specials.ContainsKey);
        if (eos is null)
            throw new InvalidDataException(
                $"The tokenizer has no end-of-text token: its special tokens are [{string.Join(", ", _specials.Keys)}], " +
                $"expected one of [{string.Join(", ", Tokenization.SpecialTokens.EndOfTextAliases)}].");
        EosId = _specials[eos];
        PadId = _specials.TryGetValue(Tokenization.SpecialTokens.Pad, out int pad) ? pad : EosId;

        IgnoreMerges = ignoreMerges;
        AddPrefixSpace = addPrefixSpace;
        if (ignoreMerges) _wholePieces = idOfBytes;
        _cacheLookup = _cache.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public int VocabSize { get; }
    public IReadOnlyDictionary<string, int> SpecialTokens => _specials;
    public int EosId { get; }
    public int PadId { get; }

    /// <summary>Merge rules by rank, as (left id, right id); what a tokenizer.json's <c>model.merges</c> lists.</summary>
    public IReadOnlyList<(int Left, int Right)> Merges => _mergeList;

    /// <summary>See the constructor's <c>ignoreMerges</c>.</summary>
    public bool IgnoreMerges { get; }

    /// <summary>See the constructor's <c>addPrefixSpace</c>.</summary>
    public bool AddPrefixSpace { get; }

    /// <summary>Bytes of ordinary token <paramref name="id"/>; null for special and unused ids.</summary>
    public byte[]? TokenBytesOrNull(int id) => (uint)id < (uint)_tokenBytes.Length ? _tokenBytes[id] : null;

    public bool IsSpecial(int id) => _specialText is not null && (uint)id < (uint)_specialText.Length && _specialText[id] is not null;

    public int[] Encode(string text, bool allowSpecial = false)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = new List<int>(text.Length / 3 + 4);
        EncodeInto(text, ids, allowSpecial);
        return ids.ToArray();
    }

    public void EncodeInto(ReadOnlySpan<char> text, List<int> ids, bool allowSpecial = false)
    {
        ArgumentNullException.ThrowIfNull(ids);
        if (!allowSpecial || _specialRegex is null)
        {
            EncodeOrdinary(text, ids);
            return;
        }
        int pos = 0;
        foreach (var m in _specialRegex.EnumerateMatches(text))
        {
            EncodeOrdinary(text[pos..m.Index], ids);
            ids.Add(_specials[text.Slice(m.Index, m.Length).ToString()]);
            pos = m.Index + m.Length;
        }
        EncodeOrdinary(text[pos..], ids);
    }

    public string Decode(ReadOnlySpan<int> ids, bool skipSpecial = false) =>
        Encoding.UTF8.GetString(DecodeBytes(ids, skipSpecial));

    public byte[] DecodeBytes(ReadOnlySpan<int> ids, bool skipSpecial = false)
    {
        var bytes = new List<byte>(ids.Length * 4);
        foreach (int id in ids)
        {
            var tb = TokenBytesOrNull(id);
            if (tb is not null)
            {
                bytes.AddRange(tb);
            }
            else if (IsSpecial(id))
            {
                if (!skipSpecial) bytes.AddRange(Encoding.UTF8.GetBytes(_specialText![id]));
            }
            else
            {
                throw new ArgumentOutOfRangeException(nameof(ids),
                    $"Token id {id} is not in the vocabulary (size {VocabSize}{((uint)id < (uint)VocabSize ? ", an unused id" : "")}).");
            }
        }
        return bytes.ToArray();
    }

    private void EncodeOrdinary(ReadOnlySpan<char> text, List<int> ids)
    {
        if (text.IsEmpty) return;
        if (AddPrefixSpace && text[0] != ' ')
        {
            EncodeOrdinary(string.Concat(" ", text), ids);
            return;
        }
        for (int pos = 0; pos < text.Length;)
        {
            int end = Gpt2PreTokenizer.NextPieceEnd(text, pos);
            EncodePiece(text[pos..end], ids);
            pos = end;
        }
    }

    private void EncodePiece(ReadOnlySpan<char> piece, List<int> ids)
    {
        if (piece.Length == 1 && piece[0] < 128)
        {
            ids.Add(_byteIds[piece[0]]);
            return;
        }
        bool cacheable = piece.Length <= MaxCachedPieceChars;
        if (cacheable && _cacheLookup.TryGetValue(piece, out var cached))
        {
            ids.AddRange(cached);
            return;
        }

        // UTF-8 replaces a lone surrogate by U+FFFD (EF BF BD), as every other UTF-8 encoder does.
        int maxBytes = Encoding.UTF8.GetMaxByteCount(piece.Length);
        byte[]? rented = maxBytes > 512 ? ArrayPool<byte>.Shared.Rent(maxBytes) : null;
        Span<byte> buffer = rented ?? stackalloc byte[512];
        int n = Encoding.UTF8.GetBytes(piece, buffer);
        int[] result = MergePiece(buffer[..n]);
        if (rented is not null) ArrayPool<byte>.Shared.Return(rented);

        ids.AddRange(result);
        if (cacheable)
        {
            if (Interlocked.Increment(ref _cacheAdds) > CacheCapacity)
            {
                // A crude bound: start over rather than track recency; the hot pieces return at once.
                _cache.Clear();
                Interlocked.Exchange(ref _cacheAdds, 0);
            }
            _cacheLookup.TryAdd(piece, result);
        }
    }

    private int[] MergePiece(ReadOnlySpan<byte> bytes)
    {
        if (_wholePieces is not null && _wholePieces.TryGetValue(ByteLevel.Encode(bytes), out int whole)) return [whole];
        return bytes.Length <= MaxLinearPieceBytes ? MergeLinear(bytes) : MergeWithHeap(bytes);
    }

    // Short pieces: keep each adjacent pair's rank, merge the lowest (leftmost on ties), and
    // refresh only the two pairs the merge touched. Quadratic, but n is a word's length.
    private int[] MergeLinear(ReadOnlySpan<byte> bytes)
    {
        int n = bytes.Length;
        Span<int> sym = stackalloc int[n];
        Span<Merge> pair = stackalloc Merge[Math.Max(n - 1, 1)]; // pair[i] joins sym[i] and sym[i+1]; Rank = int.MaxValue when none
        for (int i = 0; i < n; i++) sym[i] = _byteIds[bytes[i]];
        for (int i = 0; i < n - 1; i++) pair[i] = Lookup(sym[i], sym[i + 1]);

        while (n > 1)
        {
            int best = -1, bestRank = int.MaxValue;
            for (int i = 0; i < n - 1; i++)
            {
                if (pair[i].Rank < bestRank)
                {
                    bestRank = pair[i].Rank;
                    best = i;
                }
            }
            if (best < 0) break;

            sym[best] = pair[best].Id;
            sym[(best + 2)..n].CopyTo(sym[(best + 1)..]);
            if (best + 1 < n - 1) pair[(best + 2)..(n - 1)].CopyTo(pair[(best + 1)..]);
            n--;
            if (best > 0) pair[best - 1] = Lookup(sym[best - 1], sym[best]);
            if (best < n - 1) pair[best] = Lookup(sym[best], sym[best + 1]);
        }
        return sym[..n].ToArray();
    }

    // Long pieces: the same order of merges (lowest rank, then leftmost) from a priority queue
    // over a linked list of symbols, O(n log n). Entries made stale by a neighbouring merge are
    // recognised by their symbols no longer matching and skipped.
    private int[] MergeWithHeap(ReadOnlySpan<byte> bytes)
    {
        int n = bytes.Length;
        var sym = new int[n];
        var next = new int[n];
        var prev = new int[n];
        for (int i = 0; i < n; i++)
        {
            sym[i] = _byteIds[bytes[i]];
            next[i] = i + 1 < n ? i + 1 : -1;
            prev[i] = i - 1;
        }

        var queue = new PriorityQueue<(int Pos, int Left, int Right, int Id), long>();
        void Offer(int i)
        {
            int j = next[i];
            if (j < 0) return;
            var m = Lookup(sym[i], sym[j]);
            if (m.Rank != int.MaxValue) queue.Enqueue((i, sym[i], sym[j], m.Id), ((long)m.Rank << 32) | (uint)i);
        }
        for (int i = 0; i < n - 1; i++) Offer(i);

        int count = n;
        while (queue.TryDequeue(out var e, out _))
        {
            int i = e.Pos, j = next[i];
            if (sym[i] != e.Left || j < 0 || sym[j] != e.Right) continue;
            sym[i] = e.Id;
            sym[j] = -1;
            next[i] = next[j];
            if (next[j] >= 0) prev[next[j]] = i;
            count--;
            if (prev[i] >= 0) Offer(prev[i]);
            Offer(i);
        }

        var result = new int[count];
        for (int i = 0, k = 0; i >= 0; i = next[i]) result[k++] = sym[i];
        return result;
    }

    private Merge Lookup(int left, int right) =>
        _merges.TryGetValue(PairKey.Of(left, right), out var m) ? m : new Merge(int.MaxValue, -1);
}
