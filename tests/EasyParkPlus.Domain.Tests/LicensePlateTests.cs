
namespace EasyParkPlus.Domain.Tests;

public class LicensePlateTests
{
    [Theory]
    [InlineData("abc-123", "ABC123")]
    [InlineData(" 7 XYZ 89 ", "7XYZ89")]
    [InlineData("ma.1234", "MA1234")]
    public void Normalize_VariousSpellings_GiveOneForm(string raw, string expected) => LicensePlate.Normalize(raw).Should().Be(expected);

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("AB$12")]
    [InlineData("ABCDEFGHIJKLM")]
    [InlineData("ÄBC123")]
    public void TryNormalize_NotAPlate_IsRejected(string raw)
    {
        LicensePlate.TryNormalize(raw, out _).Should().BeFalse();
        FluentActions.Invoking(() => LicensePlate.Normalize(raw)).Should().ThrowExactly<ArgumentException>();
    }
}
