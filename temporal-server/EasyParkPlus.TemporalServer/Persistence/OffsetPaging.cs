using System.Buffers.Binary;

namespace EasyParkPlus.TemporalServer.Persistence;

/// <summary>
/// Pages visibility records newest start first (run id breaks ties, by code point); the token is the offset of the
/// next page. Shared by the stores while lists filter with a predicate.
/// </summary>
public static class OffsetPaging
{
    public static VisibilityPage Page(IEnumerable<VisibilityRecord> matching, int pageSize, byte[]? pageToken)
    {
        var skip = pageToken is { Length: 4 } ? Math.Max(0, BinaryPrimitives.ReadInt32BigEndian(pageToken)) : 0;
        var page = matching
            .OrderByDescending(r => r.StartTime)
            .ThenBy(r => r.Key.RunId, StringComparer.Ordinal)
            .Skip(skip)
            .Take(pageSize + 1)
            .ToList();
        byte[]? next = null;
        if (page.Count > pageSize)
        {
            page.RemoveAt(pageSize);
            next = new byte[4];
            BinaryPrimitives.WriteInt32BigEndian(next, skip + pageSize);
        }
        return new VisibilityPage(page, next);
    }
}
