// Compiled twice: by MSBuild's RoslynCodeTaskFactory as the MakeElfVersionNeedOptional build task
// (build/TorchSharp.targets), and into LabelAndAlign.Torch (with LNA_ELF_LIBRARY defined, no task) to
// read the same structures at run time. The task factory compiles against netstandard 2.0, hence
// plain arrays and no newer C# syntax.
using System;
using System.Collections.Generic;
using System.IO;
using System.Text;

namespace LabelAndAlign.Build
{
    /// <summary>
    /// The symbol-version requirements (<c>.gnu.version_r</c>) of an ELF64 little-endian shared
    /// library: which versions of which libraries it needs, and whether the loader may go on without one.
    /// <para>
    /// Why: TorchSharp's <c>libLibTorchSharp.so</c> is built against a libstdc++ newer than Debian 12's
    /// and asks for <c>GLIBCXX_3.4.32</c> for one symbol (<c>std::ios_base_library_init</c>) that it
    /// never calls (no relocation refers to it). Marking that one requirement weak
    /// (<c>VER_FLG_WEAK</c>) lets glibc's loader accept the library; every other requirement stays strict.
    /// </para>
    /// </summary>
    public static class ElfVersionNeeds
    {
        private const uint ShtGnuVerneed = 0x6ffffffe;
        private const int VerFlagWeak = 0x2;

        /// <summary>Every requirement of <paramref name="elf"/> in file order: library, version name, weak.</summary>
        public static List<KeyValuePair<string, KeyValuePair<string, bool>>> Read(byte[] elf)
        {
            var needs = new List<KeyValuePair<string, KeyValuePair<string, bool>>>();
            foreach (var e in Entries(elf))
                needs.Add(new KeyValuePair<string, KeyValuePair<string, bool>>(e.Library,
                    new KeyValuePair<string, bool>(e.Version, (U16(elf, e.FlagsOffset) & VerFlagWeak) != 0)));
            return needs;
        }

        /// <summary>
        /// Marks every requirement named <paramref name="version"/> weak; returns how many it changed
        /// (0 when they already were, or when the library does not ask for that version).
        /// </summary>
        public static int MakeOptional(byte[] elf, string version)
        {
            int changed = 0;
            foreach (var e in Entries(elf))
            {
                if (e.Version != version) continue;
                int flags = U16(elf, e.FlagsOffset);
                if ((flags & VerFlagWeak) != 0) continue;
                flags |= VerFlagWeak;
                elf[e.FlagsOffset] = (byte)flags;
                elf[e.FlagsOffset + 1] = (byte)(flags >> 8);
                changed++;
            }
            return changed;
        }

        private sealed class Entry
        {
            public string Library = "";
            public string Version = "";
            public int FlagsOffset;
        }

        // Elf64_Ehdr: e_shoff @0x28, e_shentsize @0x3A, e_shnum @0x3C. Elf64_Shdr: sh_type @4,
        // sh_offset @24, sh_link @40 (its string table), sh_info @44 (entry count). Elf64_Verneed:
        // vn_cnt @2, vn_file @4, vn_aux @8, vn_next @12. Elf64_Vernaux: vna_flags @4, vna_name @8, vna_next @12.
        private static List<Entry> Entries(byte[] elf)
        {
            if (elf.Length < 0x40 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
                throw new InvalidDataException("Not an ELF file (no \\x7fELF magic).");
            if (elf[4] != 2 || elf[5] != 1)
                throw new InvalidDataException("Only 64-bit little-endian ELF is supported, found class " + elf[4] + " data " + elf[5] + ".");
            long shoff = U64(elf, 0x28);
            int shentsize = U16(elf, 0x3A), shnum = U16(elf, 0x3C);
            var entries = new List<Entry>();
            for (int s = 0; s < shnum; s++)
            {
                long sh = Check(elf, shoff + (long)s * shentsize, 64);
                if (U32(elf, sh + 4) != ShtGnuVerneed) continue;
                long strings = U64(elf, Check(elf, shoff + (long)U32(elf, sh + 40) * shentsize, 64) + 24);
                long vn = U64(elf, sh + 24);
                uint count = U32(elf, sh + 44);
                for (uint i = 0; i < count; i++)
                {
                    Check(elf, vn, 16);
                    string library = CString(elf, strings + U32(elf, vn + 4));
                    long aux = vn + U32(elf, vn + 8);
                    for (int a = 0, n = U16(elf, vn + 2); a < n; a++)
                    {
                        Check(elf, aux, 16);
                        entries.Add(new Entry { Library = library, Version = CString(elf, strings + U32(elf, aux + 8)), FlagsOffset = checked((int)(aux + 4)) });
                        aux += U32(elf, aux + 12);
                    }
                    vn += U32(elf, vn + 12);
                }
            }
            return entries;
        }

        private static long Check(byte[] elf, long offset, int length)
        {
            if (offset < 0 || offset + length > elf.Length)
                throw new InvalidDataException("ELF structure at offset " + offset + " (+" + length + " bytes) lies outside the " + elf.Length + "-byte file.");
            return offset;
        }

        private static int U16(byte[] b, long at) { Check(b, at, 2); return b[at] | (b[at + 1] << 8); }

        private static uint U32(byte[] b, long at) { Check(b, at, 4); return (uint)(b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24)); }

        private static long U64(byte[] b, long at) => (long)(U32(b, at) | ((ulong)U32(b, at + 4) << 32));

        private static string CString(byte[] elf, long offset)
        {
            long end = Check(elf, offset, 1);
            while (end < elf.Length && elf[end] != 0) end++;
            if (end == elf.Length) throw new InvalidDataException("Unterminated string at offset " + offset + ".");
            return Encoding.ASCII.GetString(elf, (int)offset, (int)(end - offset));
        }
    }

#if !LNA_ELF_LIBRARY
    /// <summary>
    /// Build task: marks version <see cref="Version"/> optional in each of <see cref="Files"/> that
    /// exists (rewriting only the two flag bytes), and logs what it changed.
    /// </summary>
    public sealed class MakeElfVersionNeedOptional : Microsoft.Build.Utilities.Task
    {
        [Microsoft.Build.Framework.Required]
        public Microsoft.Build.Framework.ITaskItem[] Files { get; set; } = new Microsoft.Build.Framework.ITaskItem[0];

        [Microsoft.Build.Framework.Required]
        public string Version { get; set; } = "";

        public override bool Execute()
        {
            foreach (var item in Files)
            {
                string path = item.GetMetadata("FullPath");
                if (!File.Exists(path)) continue;
                byte[] elf = File.ReadAllBytes(path);
                int changed = ElfVersionNeeds.MakeOptional(elf, Version);
                if (changed == 0) continue;
                // A new file, not an overwrite: the output may be a hard link into the NuGet cache.
                string patched = path + ".patched";
                File.WriteAllBytes(patched, elf);
                File.Delete(path);
                File.Move(patched, path);
                Log.LogMessage(Microsoft.Build.Framework.MessageImportance.Normal,
                    "{0}: marked {1} requirement(s) of {2} optional.", path, changed, Version);
            }
            return !Log.HasLoggedErrors;
        }
    }
#endif
}
