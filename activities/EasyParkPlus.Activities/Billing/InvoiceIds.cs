using System.Security.Cryptography;
using System.Text;
using EasyParkPlus.Data.Billing;

namespace EasyParkPlus.Activities.Billing;

/// <summary>
/// An invoice's id follows from what it bills (workflow, kind, reference) instead of being drawn at random. After a
/// point-in-time restore a workflow issues an invoice whose row was lost once more, and the charge it then sends to
/// Stripe under the same idempotency key must carry the same invoice id, or Stripe refuses it as a different request.
/// </summary>
public static class InvoiceIds
{
    public static Guid For(string workflowId, InvoiceKind kind, string reference)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes($"easypark-invoice\n{workflowId}\n{kind}\n{reference}"), hash);
        // A name-based UUID version 8 with the RFC 9562 variant bits (its appendix B.2 layout over SHA-256).
        hash[6] = (byte)((hash[6] & 0x0F) | 0x80);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash[..16], bigEndian: true);
    }
}
