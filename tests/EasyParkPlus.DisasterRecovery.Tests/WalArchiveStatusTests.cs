using EasyParkPlus.ServiceDefaults.Backups;

namespace EasyParkPlus.DisasterRecovery.Tests;

public sealed class WalArchiveStatusTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Rpo = TimeSpan.FromMinutes(15);

    private static WalArchiveSnapshot Snapshot(string? lastArchived = "00000001000000000000002A", TimeSpan? archivedAgo = null, string? current = "00000001000000000000002A") =>
        new(Now, ArchiveModeOn: true, ArchiveTimeout: TimeSpan.FromMinutes(1), InRecovery: false, ArchivedCount: 42,
            LastArchivedWal: lastArchived, LastArchivedAt: lastArchived is null ? null : Now - (archivedAgo ?? TimeSpan.FromSeconds(20)),
            FailedCount: 0, LastFailedWal: null, LastFailedAt: null, Since: Now.AddDays(-1), CurrentWal: current);

    [Fact]
    public void Assess_LastWrittenSegmentArchived_IsOkWithNothingWaiting()
    {
        var assessment = WalArchiveStatus.Assess(Snapshot(archivedAgo: TimeSpan.FromHours(3)), Rpo);

        // Hours without archiving are fine when nothing was written: an idle database loses nothing.
        assessment.Should().Be(new WalArchiveAssessment(WalArchiveHealth.Ok, assessment.Description, TimeSpan.FromHours(3), WalWaiting: false));
        assessment.Description.Should().Contain("00000001000000000000002A");
    }

    [Fact]
    public void Assess_WalWaitingLongerThanTheRpo_IsBehind()
    {
        var assessment = WalArchiveStatus.Assess(Snapshot(archivedAgo: TimeSpan.FromMinutes(16), current: "00000001000000000000002B"), Rpo);

        assessment.Health.Should().Be(WalArchiveHealth.Behind);
        assessment.WalWaiting.Should().BeTrue();
        assessment.Description.Should().Contain("16 min").And.Contain("at risk");
    }

    [Fact]
    public void Assess_WalWaitingWithinTheRpo_IsOk()
    {
        WalArchiveStatus.Assess(Snapshot(archivedAgo: TimeSpan.FromMinutes(14), current: "00000001000000000000002B"), Rpo)
            .Should().Match<WalArchiveAssessment>(a => a.Health == WalArchiveHealth.Ok && a.WalWaiting);
    }

    [Fact]
    public void Assess_LastAttemptFailedAfterTheLastSuccess_IsFailing()
    {
        var snapshot = Snapshot(current: "00000001000000000000002C") with
        {
            FailedCount = 3,
            LastFailedWal = "00000001000000000000002B",
            LastFailedAt = Now.AddSeconds(-5),
        };

        var assessment = WalArchiveStatus.Assess(snapshot, Rpo);

        assessment.Health.Should().Be(WalArchiveHealth.Failing);
        assessment.Description.Should().Contain("3 failed attempts").And.Contain("00000001000000000000002B");
    }

    [Fact]
    public void Assess_FailuresBeforeTheLastSuccess_IsOkAndMentionsThem()
    {
        var snapshot = Snapshot() with { FailedCount = 3, LastFailedWal = "000000010000000000000029", LastFailedAt = Now.AddMinutes(-10) };

        var assessment = WalArchiveStatus.Assess(snapshot, Rpo);

        assessment.Health.Should().Be(WalArchiveHealth.Ok);
        assessment.Description.Should().Contain("none since the last success");
    }

    [Fact]
    public void Assess_ArchiveModeOff_IsOff()
    {
        WalArchiveStatus.Assess(Snapshot() with { ArchiveModeOn = false }, Rpo).Health.Should().Be(WalArchiveHealth.Off);
    }

    [Fact]
    public void Assess_InRecovery_IsInRecoveryWhateverTheAge()
    {
        var snapshot = Snapshot(archivedAgo: TimeSpan.FromDays(2)) with { InRecovery = true, CurrentWal = null };

        WalArchiveStatus.Assess(snapshot, Rpo).Health.Should().Be(WalArchiveHealth.InRecovery);
    }

    [Fact]
    public void Assess_NothingArchivedYet_AgesFromWhenTheCountersStarted()
    {
        var snapshot = Snapshot(lastArchived: null, current: "000000010000000000000001") with { Since = Now.AddMinutes(-20) };

        var assessment = WalArchiveStatus.Assess(snapshot, Rpo);

        assessment.Should().Match<WalArchiveAssessment>(a => a.Health == WalArchiveHealth.Behind && a.LastArchivedAge == TimeSpan.FromMinutes(20));
    }

    [Theory]
    // After a restore the new timeline's first segment continues the position: only the position counts, not the timeline.
    [InlineData("000000020000000000000005", "000000010000000000000005", false)]
    [InlineData("000000020000000000000006", "000000010000000000000005", true)]
    // Backup labels and partial segments carry their segment's position; a history file carries none, so WAL counts as waiting.
    [InlineData("000000010000000000000005", "000000010000000000000005.00000028.backup", false)]
    [InlineData("000000020000000000000005", "000000010000000000000005.partial", false)]
    [InlineData("000000020000000000000005", "00000002.history", true)]
    public void WalWaiting_ComparesSegmentPositions(string current, string lastArchived, bool waiting)
    {
        WalArchiveStatus.WalWaiting(Snapshot(lastArchived: lastArchived, current: current)).Should().Be(waiting);
    }
}
