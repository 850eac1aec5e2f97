using System.Globalization;
using Temporalio.Api.Enums.V1;

namespace EasyParkPlus.TemporalServer.Visibility;

/// <summary>
/// Checks a parsed filter against the namespace's search attributes, as Temporal's query converter
/// does: every name must be a known attribute, every operator must suit the attribute's type, and
/// every value must be of that type. The result is the typed <see cref="VisibilityQuery"/>.
/// </summary>
internal sealed class ListFilterBinder(SearchAttributeSchema schema)
{
    public static VisibilityQuery Bind(ListFilterSyntax syntax, SearchAttributeSchema schema)
    {
        var binder = new ListFilterBinder(schema);
        var filter = syntax.Where is null ? null : binder.BindFilter(syntax.Where);
        var orderBy = syntax.OrderBy.Select(binder.BindOrder).ToList();
        if (syntax.GroupBy.Count > 1)
        {
            throw new ListFilterException("'GROUP BY' supports only a single attribute", syntax.GroupBy[1].Position);
        }
        var groupBy = syntax.GroupBy.Select(binder.BindGroup).ToList();
        return new VisibilityQuery(filter, orderBy, groupBy);
    }

    private Filter BindFilter(FilterSyntax syntax) => syntax switch
    {
        AndSyntax and => new AndFilter(and.Terms.Select(BindFilter).ToList()),
        OrSyntax or => new OrFilter(or.Terms.Select(BindFilter).ToList()),
        NotSyntax not => new NotFilter(BindFilter(not.Operand)),
        PredicateSyntax predicate => BindPredicate(predicate),
        _ => throw new InvalidOperationException($"unknown syntax {syntax.GetType().Name}"),
    };

    private Filter BindPredicate(PredicateSyntax predicate)
    {
        var attribute = Resolve(predicate.Name);
        var op = predicate.Operator;
        if (!Supports(attribute, op))
        {
            throw new ListFilterException(
                $"operator '{OperatorText(op)}' is not supported for {TypeName(attribute)} search attribute '{attribute.Name}'",
                predicate.OperatorPosition);
        }
        var values = predicate.Values.Select(value => BindValue(attribute, value)).ToList();
        return op switch
        {
            PredicateOperator.Equal => Compare(ComparisonOperator.Equal),
            PredicateOperator.NotEqual => new NotFilter(Compare(ComparisonOperator.Equal)),
            PredicateOperator.Less => Compare(ComparisonOperator.Less),
            PredicateOperator.LessOrEqual => Compare(ComparisonOperator.LessOrEqual),
            PredicateOperator.Greater => Compare(ComparisonOperator.Greater),
            PredicateOperator.GreaterOrEqual => Compare(ComparisonOperator.GreaterOrEqual),
            PredicateOperator.StartsWith => Compare(ComparisonOperator.StartsWith),
            PredicateOperator.NotStartsWith => new NotFilter(Compare(ComparisonOperator.StartsWith)),
            PredicateOperator.In => new InFilter(attribute, values),
            PredicateOperator.NotIn => new NotFilter(new InFilter(attribute, values)),
            PredicateOperator.Between => new BetweenFilter(attribute, values[0], values[1]),
            PredicateOperator.NotBetween => new NotFilter(new BetweenFilter(attribute, values[0], values[1])),
            PredicateOperator.IsNull => new IsNullFilter(attribute),
            _ => new NotFilter(new IsNullFilter(attribute)),
        };

        ComparisonFilter Compare(ComparisonOperator comparison) => new(attribute, comparison, values[0]);
    }

    private OrderTerm BindOrder(OrderSyntax order)
    {
        var attribute = Resolve(order.Name);
        return attribute.Type is IndexedValueType.Text or IndexedValueType.KeywordList
            ? throw new ListFilterException($"cannot order by {TypeName(attribute)} search attribute '{attribute.Name}'", order.Name.Position)
            : new OrderTerm(attribute, order.Descending);
    }

    private SearchAttribute BindGroup(NameSyntax name)
    {
        var attribute = Resolve(name);
        return attribute.Field == SystemField.ExecutionStatus
            ? attribute
            : throw new ListFilterException($"'GROUP BY' is only supported for ExecutionStatus, not '{attribute.Name}'", name.Position);
    }

    private SearchAttribute Resolve(NameSyntax name)
    {
        if (schema.Find(name.Name) is { } attribute)
        {
            return attribute;
        }
        var hint = schema.CaseInsensitiveMatch(name.Name) is { } known ? $" (names are case-sensitive: did you mean '{known}'?)" : "";
        throw new ListFilterException($"'{Shorten(name.Name)}' is not a search attribute of this namespace{hint}", name.Position);
    }

    private static bool Supports(SearchAttribute attribute, PredicateOperator op)
    {
        if (op is PredicateOperator.IsNull or PredicateOperator.IsNotNull)
        {
            return true;
        }
        var equality = op is PredicateOperator.Equal or PredicateOperator.NotEqual or PredicateOperator.In or PredicateOperator.NotIn;
        var ordering = op is PredicateOperator.Less or PredicateOperator.LessOrEqual or PredicateOperator.Greater
            or PredicateOperator.GreaterOrEqual or PredicateOperator.Between or PredicateOperator.NotBetween;
        if (attribute.Field == SystemField.ExecutionStatus)
        {
            return equality;
        }
        return attribute.Type switch
        {
            IndexedValueType.Keyword => true,
            IndexedValueType.KeywordList or IndexedValueType.Bool => equality,
            IndexedValueType.Text => op is PredicateOperator.Equal or PredicateOperator.NotEqual,
            IndexedValueType.Int or IndexedValueType.Double or IndexedValueType.Datetime => equality || ordering,
            _ => false,
        };
    }

    private static FilterValue BindValue(SearchAttribute attribute, LiteralSyntax literal)
    {
        FilterValue? value = attribute.Field switch
        {
            SystemField.ExecutionStatus => literal.Kind switch
            {
                LiteralKind.String => VisibilityLiterals.ParseStatus(literal.Text) is { } status ? new StatusLiteral(status) : null,
                LiteralKind.Integer => long.TryParse(literal.Text, CultureInfo.InvariantCulture, out var number)
                    && VisibilityLiterals.StatusFromNumber(number) is { } byNumber ? new StatusLiteral(byNumber) : null,
                _ => null,
            },
            SystemField.ExecutionDuration => literal.Kind switch
            {
                LiteralKind.String or LiteralKind.Integer => VisibilityLiterals.ParseDuration(literal.Text) is { } nanoseconds
                    ? new NumberLiteral(VisibilityNumber.Of(nanoseconds)) : null,
                _ => null,
            },
            _ => attribute.Type switch
            {
                IndexedValueType.Keyword or IndexedValueType.KeywordList =>
                    literal.Kind == LiteralKind.String ? new StringLiteral(CheckString(literal)) : null,
                IndexedValueType.Text => literal.Kind == LiteralKind.String ? BindText(attribute, literal) : null,
                IndexedValueType.Int or IndexedValueType.Double => BindNumber(literal),
                IndexedValueType.Bool => literal.Kind switch
                {
                    LiteralKind.True => new BoolLiteral(true),
                    LiteralKind.False => new BoolLiteral(false),
                    _ => null,
                },
                IndexedValueType.Datetime => literal.Kind switch
                {
                    LiteralKind.String => VisibilityLiterals.ParseTime(literal.Text) is { } time ? new TimeLiteral(time) : null,
                    LiteralKind.Integer => long.TryParse(literal.Text, CultureInfo.InvariantCulture, out var nanoseconds)
                        && VisibilityLiterals.FromUnixNanoseconds(nanoseconds) is { } fromNumber ? new TimeLiteral(fromNumber) : null,
                    _ => null,
                },
                _ => null,
            },
        };
        return value ?? throw new ListFilterException(
            $"invalid value {Quote(literal)} for {TypeName(attribute)} search attribute '{attribute.Name}': expected {Expected(attribute)}",
            literal.Position);
    }

    private static NumberLiteral? BindNumber(LiteralSyntax literal)
    {
        if (literal.Kind == LiteralKind.Integer && long.TryParse(literal.Text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer))
        {
            return new NumberLiteral(VisibilityNumber.Of(integer));
        }
        // Integers beyond 64 bits become doubles, as in Temporal.
        return literal.Kind is LiteralKind.Integer or LiteralKind.Float
            && double.TryParse(literal.Text, NumberStyles.Float, CultureInfo.InvariantCulture, out var real) && double.IsFinite(real)
            ? new NumberLiteral(VisibilityNumber.Of(real))
            : null;
    }

    private static TextLiteral BindText(SearchAttribute attribute, LiteralSyntax literal)
    {
        var tokens = TextTokens.Of(CheckString(literal));
        return tokens.Count > 0
            ? new TextLiteral(literal.Text, tokens)
            : throw new ListFilterException($"the value for Text search attribute '{attribute.Name}' has no words to match", literal.Position);
    }

    private static string CheckString(LiteralSyntax literal) => VisibilityStrings.Problem(literal.Text) is { } problem
        ? throw new ListFilterException($"a string value {problem}", literal.Position)
        : literal.Text;

    private static string Expected(SearchAttribute attribute) => attribute.Field switch
    {
        SystemField.ExecutionStatus => "a status such as 'Running', 'Completed', 'Failed', 'Canceled', 'Terminated', 'ContinuedAsNew' or 'TimedOut'",
        SystemField.ExecutionDuration => "nanoseconds or a duration such as '10m', '1.5h', '2d' or '01:30:00'",
        _ => attribute.Type switch
        {
            IndexedValueType.Keyword or IndexedValueType.KeywordList or IndexedValueType.Text => "a quoted string",
            IndexedValueType.Int or IndexedValueType.Double => "a number",
            IndexedValueType.Bool => "true or false",
            IndexedValueType.Datetime => "an RFC 3339 time such as '2026-12-07T10:00:00Z' or nanoseconds since the Unix epoch",
            _ => "a value",
        },
    };

    private static string Quote(LiteralSyntax literal) => literal.Kind == LiteralKind.String ? $"'{Shorten(literal.Text)}'" : literal.Text;

    private static string Shorten(string text) => text.Length <= 60 ? text : text[..60] + "...";

    private static string TypeName(SearchAttribute attribute) => attribute.Type.ToString();

    private static string OperatorText(PredicateOperator op) => op switch
    {
        PredicateOperator.Equal => "=",
        PredicateOperator.NotEqual => "!=",
        PredicateOperator.Less => "<",
        PredicateOperator.LessOrEqual => "<=",
        PredicateOperator.Greater => ">",
        PredicateOperator.GreaterOrEqual => ">=",
        PredicateOperator.In => "IN",
        PredicateOperator.NotIn => "NOT IN",
        PredicateOperator.StartsWith => "STARTS_WITH",
        PredicateOperator.NotStartsWith => "NOT STARTS_WITH",
        PredicateOperator.Between => "BETWEEN",
        PredicateOperator.NotBetween => "NOT BETWEEN",
        PredicateOperator.IsNull => "IS NULL",
        _ => "IS NOT NULL",
    };
}
