using System.Text.Encodings.Web;
using System.Text.Json;

namespace LabelAndAlign.Engine.Tokenization;

/// <summary>
/// Hugging Face <c>tokenizers</c>' <c>tokenizer.json</c> for byte-level BPE (GPT-2, RoBERTa and
/// those we train) — the format our checkpoints carry. Reads <c>model.vocab</c>,
/// <c>model.merges</c> in both the "left right" string form and the newer ["left", "right"] array
/// form, <c>model.ignore_merges</c>, the ByteLevel pre-tokenizer's <c>add_prefix_space</c>, and
/// <c>added_tokens</c>, which become special tokens. Anything that would change the ids without
/// us following it (a normalizer, another pre-tokenizer or model type, subword affixes) is refused
/// with the field named, rather than silently tokenised differently.
/// </summary>
public static class HuggingFaceTokenizerJson
{
    public const string FileName = "tokenizer.json";

    /// <summary>Loads a <c>tokenizer.json</c> file.</summary>
    public static BpeTokenizer Load(string path)
    {
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
            return FromJson(doc.RootElement, path);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path} is not valid JSON: {e.Message}", e);
        }
    }

    /// <summary>Parses the text of a <c>tokenizer.json</c>; <paramref name="source"/> names it in errors.</summary>
    public static BpeTokenizer Parse(string json, string source = FileName)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            return FromJson(doc.RootElement, source);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{source} is not valid JSON: {e.Message}", e);
        }
    }

    /// <summary>Writes <paramref name="tokenizer"/> as a <c>tokenizer.json</c> that this class and HF <c>tokenizers</c> load.</summary>
    public static void Save(BpeTokenizer tokenizer, string path)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        string? dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null) Directory.CreateDirectory(dir);
        // Write then rename, so a reader never sees half a file.
        string temp = path + ".tmp";
        using (var stream = File.Create(temp)) Write(tokenizer, stream);
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>The <c>tokenizer.json</c> text of <paramref name="tokenizer"/>.</summary>
    public static string ToJson(BpeTokenizer tokenizer)
    {
        using var stream = new MemoryStream();
        Write(tokenizer, stream);
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    private static void Write(BpeTokenizer tokenizer, Stream stream)
    {
        // Relaxed escaping keeps 'Ġ' and friends readable instead of \u0120; still valid JSON.
        using var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        w.WriteStartObject();
        w.WriteString("version", "1.0");
        w.WriteNull("truncation");
        w.WriteNull("padding");

        w.WriteStartArray("added_tokens");
        foreach (var (content, id) in tokenizer.SpecialTokens.OrderBy(kv => kv.Value))
        {
            w.WriteStartObject();
            w.WriteNumber("id", id);
            w.WriteString("content", content);
            w.WriteBoolean("single_word", false);
            w.WriteBoolean("lstrip", false);
            w.WriteBoolean("rstrip", false);
            w.WriteBoolean("normalized", false);
            w.WriteBoolean("special", true);
            w.WriteEndObject();
        }
        w.WriteEndArray();

        w.WriteNull("normalizer");
        WriteByteLevel(w, "pre_tokenizer", addPrefixSpace: tokenizer.AddPrefixSpace, trimOffsets: true);
        WriteByteLevel(w, "post_processor", addPrefixSpace: true, trimOffsets: false); // GPT-2's values; only offsets depend on them
        WriteByteLevel(w, "decoder", addPrefixSpace: true, trimOffsets: true);

        w.WriteStartObject("model");
        w.WriteString("type", "BPE");
        w.WriteNull("dropout");
        w.WriteNull("unk_token");
        w.WriteString("continuing_subword_prefix", "");
        w.WriteString("end_of_word_suffix", "");
        w.WriteBoolean("fuse_unk", false);
        if (tokenizer.IgnoreMerges) w.WriteBoolean("ignore_merges", true); // a newer field; left out when false so older readers accept the file

        // Special tokens are in the vocabulary too (as in GPT-2's file), so HF keeps their ids.
        var specialText = tokenizer.SpecialTokens.ToDictionary(kv => kv.Value, kv => kv.Key);
        var written = new HashSet<string>(StringComparer.Ordinal); // a JSON object must not repeat a key
        w.WriteStartObject("vocab");
        for (int id = 0; id < tokenizer.VocabSize; id++)
        {
            var bytes = tokenizer.TokenBytesOrNull(id);
            string? key = bytes is not null ? ByteLevel.Encode(bytes) : specialText.GetValueOrDefault(id);
            if (key is not null && written.Add(key)) w.WriteNumber(key, id);
        }
        w.WriteEndObject();

        w.WriteStartArray("merges");
        foreach (var (left, right) in tokenizer.Merges)
            w.WriteStringValue(ByteLevel.Encode(tokenizer.TokenBytesOrNull(left)!) + " " + ByteLevel.Encode(tokenizer.TokenBytesOrNull(right)!));
        w.WriteEndArray();
        w.WriteEndObject();

        w.WriteEndObject();
    }

    private static void WriteByteLevel(Utf8JsonWriter w, string name, bool addPrefixSpace, bool trimOffsets)
    {
        w.WriteStartObject(name);
        w.WriteString("type", "ByteLevel");
        w.WriteBoolean("add_prefix_space", addPrefixSpace);
        w.WriteBoolean("trim_offsets", trimOffsets);
        w.WriteBoolean("use_regex", true);
        w.WriteEndObject();
    }

    private static BpeTokenizer FromJson(JsonElement root, string source)
    {
        if (root.ValueKind != JsonValueKind.Object) throw new InvalidDataException($"{source}: expected a JSON object at the top.");
        if (!root.TryGetProperty("model", out var model) || model.ValueKind != JsonValueKind.Object)
            throw new InvalidDataException($"{source}: no \"model\" object; a tokenizer.json has one with \"vocab\" and \"merges\".");

        string? type = OptionalString(model, "type");
        if (type is not null && type != "BPE")
            throw new InvalidDataException($"{source}: model type '{type}' is not supported; only byte-level BPE is.");
        foreach (var affix in new[] { "continuing_subword_prefix", "end_of_word_suffix" })
        {
            string? value = OptionalString(model, affix);
            if (!string.IsNullOrEmpty(value))
                throw new InvalidDataException($"{source}: model.{affix} is '{value}'; byte-level BPE uses none, and it is not supported.");
        }
        bool ignoreMerges = model.TryGetProperty("ignore_merges", out var im) && im.ValueKind == JsonValueKind.True;

        if (root.TryGetProperty("normalizer", out var normalizer) && normalizer.ValueKind != JsonValueKind.Null)
            throw new InvalidDataException($"{source}: normalizer '{OptionalString(normalizer, "type")}' is not supported; expected null (byte-level BPE sees the raw text).");
        bool addPrefixSpace = ReadPreTokenizer(root, source);
        if (root.TryGetProperty("decoder", out var decoder) && decoder.ValueKind != JsonValueKind.Null && OptionalString(decoder, "type") != "ByteLevel")
            throw new InvalidDataException($"{source}: decoder '{OptionalString(decoder, "type")}' is not supported; expected ByteLevel or null.");

        if (!model.TryGetProperty("vocab", out var vocabJson) || vocabJson.ValueKind != JsonValueKind.Object)
            throw new InvalidDataException($"{source}: model.vocab must be an object of token → id.");
        var vocab = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var p in vocabJson.EnumerateObject()) vocab[p.Name] = p.Value.GetInt32();

        var specials = new Dictionary<string, int>(StringComparer.Ordinal);
        if (root.TryGetProperty("added_tokens", out var added) && added.ValueKind == JsonValueKind.Array)
        {
            foreach (var t in added.EnumerateArray())
            {
                string content = OptionalString(t, "content") ?? throw new InvalidDataException($"{source}: an added token has no \"content\".");
                if (!t.TryGetProperty("id", out var idJson)) throw new InvalidDataException($"{source}: added token '{content}' has no \"id\".");
                specials[content] = idJson.GetInt32();
            }
        }

        var merges = ReadMerges(model, source);
        var mergeIds = new List<(int, int)>(merges.Count);
        for (int rank = 0; rank < merges.Count; rank++)
        {
            var (l, r) = merges[rank];
            if (!vocab.TryGetValue(l, out int li) || !vocab.TryGetValue(r, out int ri))
                throw new InvalidDataException($"{source}: merge #{rank} '{l} {r}' uses '{(vocab.ContainsKey(l) ? r : l)}', which model.vocab does not list.");
            mergeIds.Add((li, ri));
        }

        // Ordinary tokens: vocabulary entries that are not added tokens and are written in byte
        // characters; an entry like "<unk>" that no byte sequence spells is special as well.
        var specialIds = new HashSet<int>(specials.Values);
        int size = Math.Max(vocab.Count == 0 ? 0 : vocab.Values.Max() + 1, specials.Count == 0 ? 0 : specials.Values.Max() + 1);
        var tokens = new byte[]?[size];
        foreach (var (text, id) in vocab)
        {
            if (id < 0) throw new InvalidDataException($"{source}: token '{text}' has negative id {id}.");
            if (specialIds.Contains(id)) continue;
            if (ByteLevel.TryDecode(text, out var bytes) && bytes.Length > 0) tokens[id] = bytes;
            else specials.TryAdd(text, id);
        }
        return new BpeTokenizer(tokens, mergeIds, specials, ignoreMerges, addPrefixSpace);
    }

    private static bool ReadPreTokenizer(JsonElement root, string source)
    {
        if (!root.TryGetProperty("pre_tokenizer", out var pre) || pre.ValueKind == JsonValueKind.Null)
            throw new InvalidDataException($"{source}: pre_tokenizer is missing; a byte-level BPE needs {{\"type\": \"ByteLevel\"}}.");
        if (OptionalString(pre, "type") == "Sequence" && pre.TryGetProperty("pretokenizers", out var list)
            && list.ValueKind == JsonValueKind.Array && list.GetArrayLength() == 1)
        {
            pre = list[0];
        }
        if (OptionalString(pre, "type") != "ByteLevel")
            throw new InvalidDataException($"{source}: pre_tokenizer '{OptionalString(pre, "type")}' is not supported; expected ByteLevel with the GPT-2 regex.");
        if (pre.TryGetProperty("use_regex", out var useRegex) && useRegex.ValueKind == JsonValueKind.False)
            throw new InvalidDataException($"{source}: a ByteLevel pre_tokenizer with use_regex false is not supported; expected the GPT-2 regex split.");
        return pre.TryGetProperty("add_prefix_space", out var aps) && aps.ValueKind == JsonValueKind.True;
    }

    private static List<(string Left, string Right)> ReadMerges(JsonElement model, string source)
    {
        if (!model.TryGetProperty("merges", out var mergesJson) || mergesJson.ValueKind != JsonValueKind.Array)
            throw new InvalidDataException($"{source}: model.merges must be an array.");
        var merges = new List<(string, string)>(mergesJson.GetArrayLength());
        int rank = 0;
        foreach (var m in mergesJson.EnumerateArray())
        {
            if (m.ValueKind == JsonValueKind.String)
            {
                // Byte-level tokens never hold a space (it is written 'Ġ'), so the one space splits.
                string s = m.GetString()!;
                int space = s.IndexOf(' ');
                if (space <= 0 || space == s.Length - 1 || s.IndexOf(' ', space + 1) >= 0)
                    throw new InvalidDataException($"{source}: merge #{rank} is '{s}'; expected 'left right'.");
                merges.Add((s[..space], s[(space + 1)..]));
            }
            else if (m.ValueKind == JsonValueKind.Array && m.GetArrayLength() == 2
                     && m[0].ValueKind == JsonValueKind.String && m[1].ValueKind == JsonValueKind.String)
            {
                merges.Add((m[0].GetString()!, m[1].GetString()!));
            }
            else
            {
                throw new InvalidDataException($"{source}: merge #{rank} is {m.GetRawText()}; expected \"left right\" or [\"left\", \"right\"].");
            }
            rank++;
        }
        return merges;
    }

    private static string? OptionalString(JsonElement obj, string name) =>
        obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}
