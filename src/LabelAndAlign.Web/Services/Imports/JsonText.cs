namespace LabelAndAlign.Web.Services.Imports;

/// <summary>What an import says about text that JSON can spell but Unicode cannot hold.</summary>
public static class JsonText
{
    /// <summary>A <c>\uD800</c>–<c>\uDFFF</c> escape without its partner: valid JSON syntax, not valid text.</summary>
    public const string UnpairedSurrogate =
        "a string holds a \\uD800–\\uDFFF escape without its partner (half of a surrogate pair), which is not valid Unicode text; fix or remove that escape.";
}
