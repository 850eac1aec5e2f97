using Temporalio.Common;
using Temporalio.Workflows;

namespace EasyParkPlus.Workflows;

// The custom search attributes every starter, workflow and list query uses, declared once. Each is a Keyword: the
// api and the gateway find workflows by exact value (facility, plate, customer, charger and EVSE). Hosts register
// them at start-up (OperatorService AddSearchAttributes) before any workflow is started.
public static class EasyParkSearchAttributes
{
    public static SearchAttributeKey<string> FacilityId { get; } = SearchAttributeKey.CreateKeyword("FacilityId");

    public static SearchAttributeKey<string> Plate { get; } = SearchAttributeKey.CreateKeyword("Plate");

    public static SearchAttributeKey<string> CustomerId { get; } = SearchAttributeKey.CreateKeyword("CustomerId");

    public static SearchAttributeKey<string> StationId { get; } = SearchAttributeKey.CreateKeyword("StationId");

    public static SearchAttributeKey<string> EvseId { get; } = SearchAttributeKey.CreateKeyword("EvseId");

    public static IReadOnlyList<SearchAttributeKey> All { get; } = [FacilityId, Plate, CustomerId, StationId, EvseId];

    // The keys with a value, as the typed collection a start or a child's options carry; null values are left out.
    public static SearchAttributeCollection Collection(params (SearchAttributeKey<string> Key, string? Value)[] values)
    {
        var builder = new SearchAttributeCollection.Builder();
        foreach (var (key, value) in values)
        {
            if (value is not null)
            {
                builder.Set(key, value);
            }
        }
        return builder.ToSearchAttributeCollection();
    }

    // The same values as upserts for Workflow.UpsertTypedSearchAttributes.
    public static SearchAttributeUpdate[] Updates(params (SearchAttributeKey<string> Key, string? Value)[] values) =>
        [.. values.Where(v => v.Value is not null).Select(v => v.Key.ValueSet(v.Value!))];
}
