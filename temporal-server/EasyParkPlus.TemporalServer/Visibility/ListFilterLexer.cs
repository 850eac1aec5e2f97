using System.Text;

namespace EasyParkPlus.TemporalServer.Visibility;

internal enum TokenKind
{
    End,
    Identifier,
    String,
    Integer,
    Float,
    LeftParen,
    RightParen,
    Comma,
    Minus,
    Equal,
    NotEqual,
    Less,
    LessOrEqual,
    Greater,
    GreaterOrEqual,
    NullSafeEqual,
    And,
    Or,
    Not,
    In,
    Between,
    Is,
    Null,
    True,
    False,
    StartsWith,
    Like,
    Order,
    Group,
    By,
    Asc,
    Desc,
    Limit,
    Having,
    Other,
}

// Text: the identifier's name, the string's decoded value or the number's digits. Position: 1-based.
internal readonly record struct Token(TokenKind Kind, string Text, int Position);

/// <summary>
/// Splits a list filter into tokens the way Temporal's SQL-like parser does: keywords in any case,
/// names made of letters, digits, <c>_</c> and <c>@</c> (or anything between backquotes, <c>``</c>
/// for one backquote), strings in single or double quotes with MySQL escapes (<c>\n</c>, <c>\'</c>, a
/// doubled quote, ...), <c>--</c>, <c>#</c> and <c>/* */</c> comments.
/// </summary>
internal sealed class ListFilterLexer(string text)
{
    private static readonly Dictionary<string, TokenKind> Keywords = new(StringComparer.OrdinalIgnoreCase)
    {
        ["and"] = TokenKind.And,
        ["or"] = TokenKind.Or,
        ["not"] = TokenKind.Not,
        ["in"] = TokenKind.In,
        ["between"] = TokenKind.Between,
        ["is"] = TokenKind.Is,
        ["null"] = TokenKind.Null,
        ["true"] = TokenKind.True,
        ["false"] = TokenKind.False,
        ["starts_with"] = TokenKind.StartsWith,
        ["like"] = TokenKind.Like,
        ["order"] = TokenKind.Order,
        ["group"] = TokenKind.Group,
        ["by"] = TokenKind.By,
        ["asc"] = TokenKind.Asc,
        ["desc"] = TokenKind.Desc,
        ["limit"] = TokenKind.Limit,
        ["having"] = TokenKind.Having,
    };

    private int _index;

    public Token Next()
    {
        SkipBlanksAndComments();
        if (_index >= text.Length)
        {
            return new Token(TokenKind.End, "", text.Length + 1);
        }

        var start = _index;
        var c = text[_index];
        if (IsNameStart(c))
        {
            while (_index < text.Length && IsNamePart(text[_index]))
            {
                _index++;
            }
            var word = text[start.._index];
            return new Token(Keywords.TryGetValue(word, out var keyword) ? keyword : TokenKind.Identifier, word, start + 1);
        }
        if (char.IsAsciiDigit(c) || (c == '.' && _index + 1 < text.Length && char.IsAsciiDigit(text[_index + 1])))
        {
            return ScanNumber();
        }

        _index++;
        return c switch
        {
            '(' => new Token(TokenKind.LeftParen, "(", start + 1),
            ')' => new Token(TokenKind.RightParen, ")", start + 1),
            ',' => new Token(TokenKind.Comma, ",", start + 1),
            '-' => new Token(TokenKind.Minus, "-", start + 1),
            '=' => new Token(TokenKind.Equal, "=", start + 1),
            '<' when Accept('>') => new Token(TokenKind.NotEqual, "<>", start + 1),
            '<' when Accept('=') => Accept('>')
                ? new Token(TokenKind.NullSafeEqual, "<=>", start + 1)
                : new Token(TokenKind.LessOrEqual, "<=", start + 1),
            '<' => new Token(TokenKind.Less, "<", start + 1),
            '>' when Accept('=') => new Token(TokenKind.GreaterOrEqual, ">=", start + 1),
            '>' => new Token(TokenKind.Greater, ">", start + 1),
            '!' when Accept('=') => new Token(TokenKind.NotEqual, "!=", start + 1),
            '&' when Accept('&') => new Token(TokenKind.And, "&&", start + 1),
            '|' when Accept('|') => new Token(TokenKind.Or, "||", start + 1),
            '\'' or '"' => ScanString(c, start),
            '`' => ScanQuotedName(start),
            _ => new Token(TokenKind.Other, char.IsSurrogate(c) && _index < text.Length ? text.Substring(start, 2) : c.ToString(), start + 1),
        };
    }

    private static bool IsNameStart(char c) => char.IsAsciiLetter(c) || c is '_' or '@';

    private static bool IsNamePart(char c) => IsNameStart(c) || char.IsAsciiDigit(c);

    private bool Accept(char expected)
    {
        if (_index < text.Length && text[_index] == expected)
        {
            _index++;
            return true;
        }
        return false;
    }

    private void SkipBlanksAndComments()
    {
        while (_index < text.Length)
        {
            var c = text[_index];
            if (c is ' ' or '\t' or '\r' or '\n')
            {
                _index++;
            }
            else if (c == '#' || (c == '-' && Peek(1) == '-'))
            {
                var end = text.IndexOf('\n', _index);
                _index = end < 0 ? text.Length : end + 1;
            }
            else if (c == '/' && Peek(1) == '*')
            {
                var end = text.IndexOf("*/", _index + 2, StringComparison.Ordinal);
                if (end < 0)
                {
                    throw new ListFilterException("unterminated comment", _index + 1);
                }
                _index = end + 2;
            }
            else
            {
                return;
            }
        }
    }

    private char Peek(int offset) => _index + offset < text.Length ? text[_index + offset] : '\0';

    private Token ScanNumber()
    {
        var start = _index;
        var kind = TokenKind.Integer;
        if (text[_index] == '0' && (Peek(1) is 'x' or 'X'))
        {
            throw new ListFilterException("hexadecimal numbers are not supported", start + 1);
        }
        SkipDigits();
        if (_index < text.Length && text[_index] == '.')
        {
            kind = TokenKind.Float;
            _index++;
            SkipDigits();
        }
        if (_index < text.Length && text[_index] is 'e' or 'E')
        {
            kind = TokenKind.Float;
            _index++;
            if (_index < text.Length && text[_index] is '+' or '-')
            {
                _index++;
            }
            var digits = _index;
            SkipDigits();
            if (digits == _index)
            {
                throw new ListFilterException($"malformed number '{text[start.._index]}'", start + 1);
            }
        }
        if (_index < text.Length && IsNameStart(text[_index]))
        {
            throw new ListFilterException($"malformed number '{text[start..(_index + 1)]}'", start + 1);
        }
        return new Token(kind, text[start.._index], start + 1);
    }

    private void SkipDigits()
    {
        while (_index < text.Length && char.IsAsciiDigit(text[_index]))
        {
            _index++;
        }
    }

    private Token ScanString(char quote, int start)
    {
        var value = new StringBuilder();
        while (true)
        {
            if (_index >= text.Length)
            {
                throw new ListFilterException("unterminated string", start + 1);
            }
            var c = text[_index++];
            if (c == quote)
            {
                if (_index < text.Length && text[_index] == quote)
                {
                    value.Append(quote);
                    _index++;
                    continue;
                }
                return new Token(TokenKind.String, value.ToString(), start + 1);
            }
            if (c == '\\')
            {
                if (_index >= text.Length)
                {
                    throw new ListFilterException("unterminated string", start + 1);
                }
                var escaped = text[_index++];
                value.Append(escaped switch
                {
                    '0' => '\0',
                    'b' => '\b',
                    'n' => '\n',
                    'r' => '\r',
                    't' => '\t',
                    'Z' => '\x1A',
                    _ => escaped,
                });
                continue;
            }
            value.Append(c);
        }
    }

    private Token ScanQuotedName(int start)
    {
        var name = new StringBuilder();
        while (true)
        {
            if (_index >= text.Length)
            {
                throw new ListFilterException("unterminated backquoted name", start + 1);
            }
            var c = text[_index++];
            if (c == '`')
            {
                if (_index < text.Length && text[_index] == '`')
                {
                    name.Append('`');
                    _index++;
                    continue;
                }
                if (name.Length == 0)
                {
                    throw new ListFilterException("empty backquoted name", start + 1);
                }
                return new Token(TokenKind.Identifier, name.ToString(), start + 1);
            }
            name.Append(c);
        }
    }
}
