using System.Security.Cryptography;
using System.Text;

namespace EasyParkPlus.OcppGateway.Workflows;

internal static class WorkflowLookup
{
    /// <summary>
    /// The same device event always yields the same id, so a redelivered event finds the workflow it already started.
    /// </summary>
    public static Guid StableId(string text)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(text), hash);
        return new Guid(hash[..16]);
    }
}
