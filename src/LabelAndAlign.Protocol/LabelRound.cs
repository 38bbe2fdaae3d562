namespace LabelAndAlign.Protocol;

/// <summary>One pair of a round for people to judge: the prompt (its index among the run's prompts, and its text) and two sampled responses.</summary>
public sealed record LabelRoundPair(int Prompt, string PromptText, string ResponseA, string ResponseB);

/// <summary>PUT body of <see cref="EngineRoutes.LabelRound"/>: a round of an online DPO run judged by people, sampled after <see cref="Step"/> steps.</summary>
public sealed record LabelRoundRequest(int Step, IReadOnlyList<LabelRoundPair> Pairs);

/// <summary>A pair people preferred one side of (the project's resolved label: a lead's verdict, else the majority).</summary>
public sealed record LabeledRoundPair(int Prompt, string Chosen, string Rejected);

/// <summary>
/// What the labelers decided so far: round <see cref="Round"/>'s progress (<see cref="Labeled"/> of <see cref="Total"/>
/// pairs have their labels) and every preference of the run's rounds up to it, in round and pair order.
/// </summary>
public sealed record LabelRoundState(int Round, int Labeled, int Total, IReadOnlyList<LabeledRoundPair> Pairs);
