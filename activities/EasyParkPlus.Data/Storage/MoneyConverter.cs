using EasyParkPlus.Domain;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace EasyParkPlus.Data.Storage;

public sealed class MoneyConverter() : ValueConverter<Money, long>(money => money.Cents, cents => Money.FromCents(cents));
