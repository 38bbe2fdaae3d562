using LabelAndAlign.Engine.Tokenization;

namespace LabelAndAlign.Engine.Training;

/// <summary>
/// Turns examples into token ids. Chat: each message is <c>&lt;|role|&gt;</c> + content + EOS;
/// the prompt ends with <c>&lt;|assistant|&gt;</c> so the model knows whose turn it is, and the
/// completion (the last assistant turn) ends with EOS — the token that teaches it to stop.
/// Plain prompts are encoded as they are (an empty prompt becomes EOS, GPT-2's start token).
/// </summary>
public static class ChatTemplate
{
    public static int[] EncodePrompt(ITokenizer tokenizer, string prompt)
    {
        var ids = tokenizer.Encode(prompt);
        return ids.Length == 0 ? [tokenizer.EosId] : ids;
    }

    /// <summary>The completion's ids followed by EOS.</summary>
    public static int[] EncodeCompletion(ITokenizer tokenizer, string completion)
    {
        var ids = new List<int>();
        tokenizer.EncodeInto(completion, ids);
        ids.Add(tokenizer.EosId);
        return ids.ToArray();
    }

    /// <summary>Prompt ids for a conversation whose next turn is the assistant's.</summary>
    public static int[] EncodeConversation(ITokenizer tokenizer, IReadOnlyList<ChatMessage> messages)
    {
        var ids = new List<int>();
        foreach (var m in messages)
        {
            ids.Add(RoleId(tokenizer, m.Role));
            tokenizer.EncodeInto(m.Content, ids);
            ids.Add(tokenizer.EosId);
        }
        ids.Add(RoleId(tokenizer, "assistant"));
        return ids.ToArray();
    }

    public static TokenizedPair Tokenize(ITokenizer tokenizer, SftExample example)
    {
        if (example.Messages is { } messages)
        {
            int last = messages.Count - 1;
            if (last < 0 || messages[last].Role != "assistant")
                throw new ArgumentException($"A chat example must end with an assistant message to train on; found {(last < 0 ? "no messages" : $"'{messages[last].Role}' last")}.");
            return new TokenizedPair(EncodeConversation(tokenizer, messages.Take(last).ToList()), EncodeCompletion(tokenizer, messages[last].Content));
        }
        if (example.Prompt is not null && example.Completion is not null)
            return new TokenizedPair(EncodePrompt(tokenizer, example.Prompt), EncodeCompletion(tokenizer, example.Completion));
        if (example.Text is not null)
            return new TokenizedPair([tokenizer.EosId], EncodeCompletion(tokenizer, example.Text));
        throw new ArgumentException("An SFT example needs text, prompt+completion or messages.");
    }

    private static int RoleId(ITokenizer tokenizer, string role)
    {
        string token = role switch
        {
            "system" => SpecialTokens.System,
            "user" => SpecialTokens.User,
            "assistant" => SpecialTokens.Assistant,
            _ => throw new ArgumentException($"Unknown chat role '{role}'; expected system, user or assistant."),
        };
        return tokenizer.SpecialTokens.TryGetValue(token, out int id) ? id
            : throw new ArgumentException($"The tokenizer has no {token} token; train it with BpeTrainer's default special tokens to use chat data.");
    }
}
