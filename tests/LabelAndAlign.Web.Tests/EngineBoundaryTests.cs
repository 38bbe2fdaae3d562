using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

namespace LabelAndAlign.Web.Tests;

/// <summary>
/// The web app does no model compute: its compiled code references no sampler, model, trainer, kernel or optimizer of
/// the engine, and never builds a run (<c>RunFactory</c>); it reads weights only to check an uploaded model — training and item generation are workers'
/// jobs. It still uses the engine's run spec, key table and file names, which compute nothing.
/// </summary>
public class EngineBoundaryTests
{
    private static readonly string[] ComputeNamespaces = ["LabelAndAlign.Engine.Inference", "LabelAndAlign.Engine.Kernels", "LabelAndAlign.Engine.Optim"];

    private static readonly string[] ComputeTypes =
    [
        "LabelAndAlign.Engine.Model.Gpt", "LabelAndAlign.Engine.Training.Trainer", "LabelAndAlign.Engine.Recipe.NativeBackend", "LabelAndAlign.Engine.Recipe.GptBackend",
    ];

    private static readonly string[] ComputeMembers =
    [
        // Checkpoint.Load is allowed: checking an uploaded model (ModelUploads) reads its weights once — file I/O and
        // shape checks, no compute. It holds the model in memory while it checks; moving that check to a worker is open.
        "LabelAndAlign.Engine.Recipe.RunFactory..ctor", "LabelAndAlign.Engine.Recipe.RunFactory.Prepare",
    ];

    [Fact]
    public void WebApp_ReferencesNoModelCompute()
    {
        string assembly = Path.Combine(AppContext.BaseDirectory, "LabelAndAlign.Web.dll");
        using var pe = new PEReader(File.OpenRead(assembly));
        var md = pe.GetMetadataReader();
        string TypeName(TypeReferenceHandle h)
        {
            var t = md.GetTypeReference(h);
            string ns = t.ResolutionScope.Kind == HandleKind.TypeReference ? TypeName((TypeReferenceHandle)t.ResolutionScope) : md.GetString(t.Namespace);
            return $"{ns}.{md.GetString(t.Name)}";
        }

        var types = md.TypeReferences.Select(TypeName).ToList();
        Assert.Contains("LabelAndAlign.Engine.Recipe.RunSpecs", types); // the test reads the right assembly
        Assert.DoesNotContain(types, t => ComputeNamespaces.Any(ns => t.StartsWith(ns + ".", StringComparison.Ordinal)));
        bool Compute(string type) => ComputeNamespaces.Any(ns => type.StartsWith(ns + ".", StringComparison.Ordinal)) || ComputeTypes.Contains(type);
        var members = md.MemberReferences.Select(md.GetMemberReference).Where(m => m.Parent.Kind == HandleKind.TypeReference)
            .Select(m => (Type: TypeName((TypeReferenceHandle)m.Parent), Member: md.GetString(m.Name))).ToList();
        // A compute type named only in a signature (a parameter's type) is no compute; using one of its members is.
        var found = members.Where(m => Compute(m.Type) || ComputeMembers.Contains($"{m.Type}.{m.Member}")).Select(m => $"{m.Type}.{m.Member}").ToList();
        Assert.True(found.Count == 0, $"The web app references engine compute: {string.Join(", ", found.Distinct())}");
    }
}
