using System.Text.Json;
using System.Text.Json.Nodes;

namespace LabelAndAlign.Web.Services.Datasets;

/// <summary>
/// The first rows of a dataset as the Datasets page and <c>GET /api/datasets</c> show them, with
/// every long text cut short: a preview must not push a 5 MB line into the page.
/// </summary>
public static class DatasetPreview
{
    /// <summary>Characters kept of each string value.</summary>
    public const int MaxTextChars = 300;

    /// <summary>A stored preview longer than this (made before previews were cut) is cut when read.</summary>
    private const int MaxStoredChars = 16_384;

    /// <summary>The rows (JSON objects) as one JSON array with long texts cut.</summary>
    public static string Of(IEnumerable<string> rowsJson) =>
        new JsonArray(rowsJson.Select(r => Cut(JsonNode.Parse(r))).ToArray()).ToJsonString();

    /// <summary>A stored preview, cut if it is too long to show.</summary>
    public static string Bounded(string previewJson) =>
        previewJson.Length <= MaxStoredChars || JsonNode.Parse(previewJson) is not JsonArray rows
            ? previewJson
            : Of(rows.Select(r => r?.ToJsonString() ?? "null"));

    private static JsonNode? Cut(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var (key, value) in o.ToList()) o[key] = Cut(value?.DeepClone());
                return o;
            case JsonArray a:
                return new JsonArray(a.Select(v => Cut(v?.DeepClone())).ToArray());
            case JsonValue v when v.GetValueKind() == JsonValueKind.String && v.GetValue<string>() is { Length: > MaxTextChars } text:
                return JsonValue.Create($"{text[..MaxTextChars]}… ({text.Length:N0} characters)");
            default:
                return node;
        }
    }
}
