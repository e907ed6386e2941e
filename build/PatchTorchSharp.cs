using System;
using System.IO;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

/// <summary>
/// Sets VER_FLG_WEAK on the GLIBCXX_3.4.32 version need of libLibTorchSharp.so so that it loads on glibc/libstdc++
/// systems older than GCC 13 (Debian 12). Only ELF64 little-endian is handled; anything else is left untouched.
/// </summary>
public class PatchTorchSharpGlibcxx : Task
{
    [Required] public string Directory { get; set; } = "";

    private const uint ShtGnuVerneed = 0x6ffffffe;
    private const ushort VerFlgWeak = 0x2;
    private const string Needed = "GLIBCXX_3.4.32";

    public override bool Execute()
    {
        string path = Path.Combine(Directory, "libLibTorchSharp.so");
        if (!File.Exists(path)) return true;
        byte[] b = File.ReadAllBytes(path);
        if (b.Length < 64 || b[0] != 0x7f || b[1] != (byte)'E' || b[4] != 2 || b[5] != 1)
        {
            Log.LogWarning("{0}: not an ELF64 little-endian file; not patched", path);
            return true;
        }
        long shoff = BitConverter.ToInt64(b, 0x28);
        int shentsize = BitConverter.ToUInt16(b, 0x3A);
        int shnum = BitConverter.ToUInt16(b, 0x3C);
        int patched = 0;
        for (int i = 0; i < shnum; i++)
        {
            long sh = shoff + (long)i * shentsize;
            if (BitConverter.ToUInt32(b, (int)sh + 4) != ShtGnuVerneed) continue;
            long off = BitConverter.ToInt64(b, (int)sh + 0x18);
            int link = (int)BitConverter.ToUInt32(b, (int)sh + 0x28);
            long strOff = BitConverter.ToInt64(b, (int)(shoff + (long)link * shentsize) + 0x18);
            long vn = off;
            while (true)
            {
                int cnt = BitConverter.ToUInt16(b, (int)vn + 2);
                long aux = vn + BitConverter.ToUInt32(b, (int)vn + 8);
                for (int a = 0; a < cnt; a++)
                {
                    uint name = BitConverter.ToUInt32(b, (int)aux + 8);
                    if (ReadCString(b, strOff + name) == Needed)
                    {
                        ushort flags = BitConverter.ToUInt16(b, (int)aux + 4);
                        if ((flags & VerFlgWeak) == 0)
                        {
                            flags |= VerFlgWeak;
                            b[aux + 4] = (byte)flags;
                            b[aux + 5] = (byte)(flags >> 8);
                            patched++;
                        }
                    }
                    uint next = BitConverter.ToUInt32(b, (int)aux + 12);
                    if (next == 0) break;
                    aux += next;
                }
                uint vnNext = BitConverter.ToUInt32(b, (int)vn + 12);
                if (vnNext == 0) break;
                vn += vnNext;
            }
        }
        if (patched > 0)
        {
            string tmp = path + ".patching";
            File.WriteAllBytes(tmp, b);
            File.Replace(tmp, path, null);
            Log.LogMessage(MessageImportance.Normal, "Patched {0}: {1} weak version need(s)", path, patched);
        }
        return true;
    }

    private static string ReadCString(byte[] b, long at)
    {
        int end = (int)at;
        while (end < b.Length && b[end] != 0) end++;
        return Encoding.ASCII.GetString(b, (int)at, end - (int)at);
    }
}
