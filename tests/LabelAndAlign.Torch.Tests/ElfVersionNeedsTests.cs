using LabelAndAlign.Build;

namespace LabelAndAlign.Torch.Tests;

public class ElfVersionNeedsTests
{
    /// <summary>The copy of TorchSharp's native bridge that the build put beside these tests.</summary>
    private static byte[] OutputBridge()
    {
        string path = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        Assert.True(File.Exists(path), $"Expected the build to copy libLibTorchSharp.so to {path}.");
        return File.ReadAllBytes(path);
    }

    [Fact]
    public void BuildOutput_MarksOnlyGlibcxx3432Optional()
    {
        var needs = ElfVersionNeeds.Read(OutputBridge());
        var weak = needs.Where(n => n.Value.Value).Select(n => (n.Key, n.Value.Key)).ToList();
        Assert.Equal([("libstdc++.so.6", TorchRuntime.OptionalGlibcxx)], weak);
        Assert.Contains(needs, n => n.Key == "libstdc++.so.6" && n.Value.Key == "GLIBCXX_3.4.30" && !n.Value.Value);
        Assert.Contains(needs, n => n.Key == "libc.so.6" && n.Value.Key == "GLIBC_2.34");
    }

    [Fact]
    public void MakeOptional_ChangesOnlyThatVersion_AndIsIdempotent()
    {
        var elf = OutputBridge();
        var before = ElfVersionNeeds.Read(elf);
        Assert.Equal(0, ElfVersionNeeds.MakeOptional(elf, TorchRuntime.OptionalGlibcxx));
        Assert.Equal(1, ElfVersionNeeds.MakeOptional(elf, "GLIBCXX_3.4.30"));
        Assert.Equal(0, ElfVersionNeeds.MakeOptional(elf, "GLIBCXX_3.4.30"));
        var after = ElfVersionNeeds.Read(elf);
        Assert.Equal(before.Count, after.Count);
        for (int i = 0; i < before.Count; i++)
            Assert.Equal(before[i].Value.Key == "GLIBCXX_3.4.30" || before[i].Value.Value, after[i].Value.Value);
    }

    [Fact]
    public void MakeOptional_VersionNotRequired_ChangesNothing()
    {
        var elf = OutputBridge();
        var copy = (byte[])elf.Clone();
        Assert.Equal(0, ElfVersionNeeds.MakeOptional(elf, "GLIBCXX_9.9.9"));
        Assert.Equal(copy, elf);
    }

    [Fact]
    public void Read_NotElf_Throws()
    {
        var e = Assert.Throws<InvalidDataException>(() => ElfVersionNeeds.Read(new byte[100]));
        Assert.Contains("Not an ELF file", e.Message);
    }

    [Fact]
    public void Read_Truncated_ThrowsWithTheOffset()
    {
        var elf = OutputBridge()[..4096];
        var e = Assert.Throws<InvalidDataException>(() => ElfVersionNeeds.Read(elf));
        Assert.Contains("lies outside the 4096-byte file", e.Message);
    }
}
