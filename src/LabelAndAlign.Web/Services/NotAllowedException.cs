namespace LabelAndAlign.Web.Services;

/// <summary>
/// The person may not do this (any more): their role, membership or account changed. API
/// endpoints answer 403 with the message; pages show it.
/// </summary>
public sealed class NotAllowedException(string message) : Exception(message);
