namespace EasyParkPlus.TemporalServer.Visibility;

internal enum PredicateOperator
{
    Equal,
    NotEqual,
    Less,
    LessOrEqual,
    Greater,
    GreaterOrEqual,
    In,
    NotIn,
    StartsWith,
    NotStartsWith,
    Between,
    NotBetween,
    IsNull,
    IsNotNull,
}

internal enum LiteralKind
{
    String,
    Integer,
    Float,
    True,
    False,
}

// The untyped syntax tree: names and literals as written, before they meet the namespace's attributes.
internal abstract record FilterSyntax;

internal sealed record AndSyntax(IReadOnlyList<FilterSyntax> Terms) : FilterSyntax;

internal sealed record OrSyntax(IReadOnlyList<FilterSyntax> Terms) : FilterSyntax;

internal sealed record NotSyntax(FilterSyntax Operand) : FilterSyntax;

internal sealed record PredicateSyntax(NameSyntax Name, PredicateOperator Operator, IReadOnlyList<LiteralSyntax> Values, int OperatorPosition)
    : FilterSyntax;

internal sealed record NameSyntax(string Name, int Position);

internal sealed record LiteralSyntax(LiteralKind Kind, string Text, int Position);

internal sealed record OrderSyntax(NameSyntax Name, bool Descending);

internal sealed record ListFilterSyntax(FilterSyntax? Where, IReadOnlyList<NameSyntax> GroupBy, IReadOnlyList<OrderSyntax> OrderBy);

/// <summary>
/// Recursive descent over Temporal's list-filter grammar with SQL precedence (NOT binds tighter than
/// AND, AND tighter than OR). Nesting of parentheses and NOT is bounded, so no input can exhaust the
/// stack; AND/OR chains are flat lists, so their length costs no depth.
/// </summary>
internal sealed class ListFilterParser
{
    public const int MaxNesting = 100;
    public const int MaxValues = 1000;

    private readonly ListFilterLexer _lexer;
    private Token _current;
    private int _depth;
    private int _values;

    private ListFilterParser(string text)
    {
        _lexer = new ListFilterLexer(text);
        _current = _lexer.Next();
    }

    public static ListFilterSyntax Parse(string? text)
    {
        var parser = new ListFilterParser(text ?? "");
        return parser.ParseQuery();
    }

    private ListFilterSyntax ParseQuery()
    {
        FilterSyntax? where = null;
        if (_current.Kind is not (TokenKind.End or TokenKind.Order or TokenKind.Group))
        {
            where = ParseOr();
        }

        var groupBy = new List<NameSyntax>();
        if (Accept(TokenKind.Group))
        {
            Expect(TokenKind.By, "'BY' after 'GROUP'");
            do
            {
                groupBy.Add(ParseName());
            }
            while (Accept(TokenKind.Comma));
        }

        if (_current.Kind == TokenKind.Having)
        {
            throw Error("'HAVING' is not supported");
        }

        var orderBy = new List<OrderSyntax>();
        if (Accept(TokenKind.Order))
        {
            Expect(TokenKind.By, "'BY' after 'ORDER'");
            do
            {
                var name = ParseName();
                var descending = Accept(TokenKind.Desc);
                if (!descending)
                {
                    Accept(TokenKind.Asc);
                }
                orderBy.Add(new OrderSyntax(name, descending));
            }
            while (Accept(TokenKind.Comma));
        }

        return _current.Kind switch
        {
            TokenKind.End => new ListFilterSyntax(where, groupBy, orderBy),
            TokenKind.Limit => throw Error("'LIMIT' is not supported; use the page size"),
            TokenKind.Group when orderBy.Count > 0 => throw Error("'GROUP BY' must come before 'ORDER BY'"),
            _ => throw Unexpected("'AND', 'OR', 'GROUP BY', 'ORDER BY' or the end of the query"),
        };
    }

    private FilterSyntax ParseOr()
    {
        var first = ParseAnd();
        if (_current.Kind != TokenKind.Or)
        {
            return first;
        }
        var terms = new List<FilterSyntax> { first };
        while (Accept(TokenKind.Or))
        {
            terms.Add(ParseAnd());
        }
        return new OrSyntax(terms);
    }

    private FilterSyntax ParseAnd()
    {
        var first = ParseNot();
        if (_current.Kind != TokenKind.And)
        {
            return first;
        }
        var terms = new List<FilterSyntax> { first };
        while (Accept(TokenKind.And))
        {
            terms.Add(ParseNot());
        }
        return new AndSyntax(terms);
    }

    private FilterSyntax ParseNot()
    {
        if (_current.Kind == TokenKind.Not)
        {
            Enter();
            Advance();
            var operand = ParseNot();
            _depth--;
            return new NotSyntax(operand);
        }
        if (_current.Kind == TokenKind.LeftParen)
        {
            Enter();
            Advance();
            var inner = ParseOr();
            Expect(TokenKind.RightParen, "')'");
            _depth--;
            return inner;
        }
        return ParsePredicate();
    }

    private void Enter()
    {
        if (++_depth > MaxNesting)
        {
            throw Error($"nesting deeper than {MaxNesting} levels of parentheses or NOT");
        }
    }

    private PredicateSyntax ParsePredicate()
    {
        var name = ParseName();
        var opToken = _current;
        var at = opToken.Position;
        Advance();
        switch (opToken.Kind)
        {
            case TokenKind.Equal: return Single(name, PredicateOperator.Equal, at);
            case TokenKind.NotEqual: return Single(name, PredicateOperator.NotEqual, at);
            case TokenKind.Less: return Single(name, PredicateOperator.Less, at);
            case TokenKind.LessOrEqual: return Single(name, PredicateOperator.LessOrEqual, at);
            case TokenKind.Greater: return Single(name, PredicateOperator.Greater, at);
            case TokenKind.GreaterOrEqual: return Single(name, PredicateOperator.GreaterOrEqual, at);
            case TokenKind.StartsWith: return Single(name, PredicateOperator.StartsWith, at);
            case TokenKind.In: return InList(name, PredicateOperator.In, at);
            case TokenKind.Between: return Range(name, PredicateOperator.Between, at);
            case TokenKind.Is:
                var negated = Accept(TokenKind.Not);
                if (_current.Kind is TokenKind.True or TokenKind.False)
                {
                    throw Error("'IS' can only be used as 'IS NULL' or 'IS NOT NULL'");
                }
                Expect(TokenKind.Null, "'NULL' after 'IS'");
                return new PredicateSyntax(name, negated ? PredicateOperator.IsNotNull : PredicateOperator.IsNull, [], at);
            case TokenKind.Not:
                var what = _current.Kind;
                Advance();
                return what switch
                {
                    TokenKind.In => InList(name, PredicateOperator.NotIn, at),
                    TokenKind.Between => Range(name, PredicateOperator.NotBetween, at),
                    TokenKind.StartsWith => Single(name, PredicateOperator.NotStartsWith, at),
                    TokenKind.Like => throw new ListFilterException("operator 'NOT LIKE' is not supported; use 'NOT STARTS_WITH'", at),
                    _ => throw new ListFilterException("expected 'IN', 'BETWEEN' or 'STARTS_WITH' after 'NOT'", at),
                };
            case TokenKind.Like:
                throw new ListFilterException("operator 'LIKE' is not supported; use 'STARTS_WITH'", at);
            case TokenKind.NullSafeEqual:
                throw new ListFilterException("operator '<=>' is not supported", at);
            default:
                throw new ListFilterException(
                    $"expected an operator after '{Shorten(name.Name)}' but found {Describe(opToken)}", at);
        }
    }

    private PredicateSyntax Single(NameSyntax name, PredicateOperator op, int at) => new(name, op, [ParseLiteral()], at);

    private PredicateSyntax Range(NameSyntax name, PredicateOperator op, int at)
    {
        var from = ParseLiteral();
        Expect(TokenKind.And, "'AND' between the two bounds of 'BETWEEN'");
        var to = ParseLiteral();
        return new PredicateSyntax(name, op, [from, to], at);
    }

    private PredicateSyntax InList(NameSyntax name, PredicateOperator op, int at)
    {
        Expect(TokenKind.LeftParen, "'(' to open the list of values");
        var values = new List<LiteralSyntax> { ParseLiteral() };
        while (Accept(TokenKind.Comma))
        {
            values.Add(ParseLiteral());
        }
        Expect(TokenKind.RightParen, "',' or ')' in the list of values");
        return new PredicateSyntax(name, op, values, at);
    }

    private NameSyntax ParseName()
    {
        if (_current.Kind != TokenKind.Identifier)
        {
            throw Unexpected("a search attribute name");
        }
        var name = new NameSyntax(_current.Text, _current.Position);
        Advance();
        return name;
    }

    private LiteralSyntax ParseLiteral()
    {
        if (++_values > MaxValues)
        {
            throw Error($"more than {MaxValues} values in one query");
        }
        var token = _current;
        switch (token.Kind)
        {
            case TokenKind.String:
                Advance();
                return new LiteralSyntax(LiteralKind.String, token.Text, token.Position);
            case TokenKind.Integer:
            case TokenKind.Float:
                Advance();
                return new LiteralSyntax(token.Kind == TokenKind.Integer ? LiteralKind.Integer : LiteralKind.Float, token.Text, token.Position);
            case TokenKind.Minus:
                Advance();
                if (_current.Kind is not (TokenKind.Integer or TokenKind.Float))
                {
                    throw Unexpected("a number after '-'");
                }
                var number = _current;
                Advance();
                return new LiteralSyntax(number.Kind == TokenKind.Integer ? LiteralKind.Integer : LiteralKind.Float, "-" + number.Text, token.Position);
            case TokenKind.True:
            case TokenKind.False:
                Advance();
                return new LiteralSyntax(token.Kind == TokenKind.True ? LiteralKind.True : LiteralKind.False, token.Text, token.Position);
            case TokenKind.Null:
                throw Error("compare with NULL through 'IS NULL' or 'IS NOT NULL'");
            case TokenKind.Identifier:
                throw Error($"expected a value but found the name '{token.Text}' (did you forget to quote it?)");
            default:
                throw Unexpected("a value (a quoted string, a number, true or false)");
        }
    }

    private void Advance() => _current = _lexer.Next();

    private bool Accept(TokenKind kind)
    {
        if (_current.Kind != kind)
        {
            return false;
        }
        Advance();
        return true;
    }

    private void Expect(TokenKind kind, string what)
    {
        if (!Accept(kind))
        {
            throw Unexpected(what);
        }
    }

    private ListFilterException Error(string reason) => new(reason, _current.Position);

    private ListFilterException Unexpected(string expected) => Error($"expected {expected} but found {Describe(_current)}");

    private static string Describe(Token token) => token.Kind switch
    {
        TokenKind.End => "the end of the query",
        TokenKind.String => $"the string '{Shorten(token.Text)}'",
        TokenKind.Identifier => $"'{Shorten(token.Text)}'",
        _ => string.IsNullOrEmpty(token.Text) ? token.Kind.ToString() : $"'{Shorten(token.Text)}'",
    };

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "...";
}
