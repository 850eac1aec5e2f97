namespace EasyParkPlus.Domain;

public enum SpaceType
{
    Regular,
    Ev,
    Accessible,
}
