using System.Diagnostics;
using System.Runtime.Versioning;
using EasyParkPlus.TestSupport;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace EasyParkPlus.Api.Tests;

// Issue 16, point 6: `./easypark run` uses secrets made once per installation under .easypark/, and the code keeps no
// fixed secret of its own (the test suite brings its own values).
// ./easypark and its file modes are Linux's.
[SupportedOSPlatform("linux")]
public sealed class InstallationSecretsTests
{
    private static async Task<(int ExitCode, string Output)> EasyparkAsync(string stateDir, params string[] args)
    {
        var start = new ProcessStartInfo(Path.Combine(ServiceProcess.RepositoryRoot(), "easypark"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment = { ["EASYPARK_STATE_DIR"] = stateDir },
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(5));
        return (process.ExitCode, await output + await errors);
    }

    // Reachable by the postgres user, so the cluster lives inside it and goes with it.
    private static string StateDirectory()
    {
        var directory = Directory.CreateTempSubdirectory("easypark-secrets-");
        File.SetUnixFileMode(directory.FullName, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
            | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        return directory.FullName;
    }

    private static Dictionary<string, string> Read(string file) => File.ReadAllLines(file)
        .Select(line => line.Split('=', 2)).ToDictionary(kv => kv[0], kv => kv[1]);

    [Fact]
    public async Task Secrets_TwoInstallations_EachGetsItsOwnOnceKeptPrivateAndItsPostgresRefusesNoPassword()
    {
        var first = StateDirectory();
        var second = StateDirectory();
        try
        {
            var (exit, output) = await EasyparkAsync(first, "secrets");
            var created = Read(Path.Combine(first, "secrets.env"));
            var (againExit, _) = await EasyparkAsync(first, "secrets");
            var again = Read(Path.Combine(first, "secrets.env"));
            await EasyparkAsync(second, "secrets");
            var other = Read(Path.Combine(second, "secrets.env"));

            (exit, againExit).Should().Be((0, 0), output);
            output.Should().Contain("postgres without password: refused").And.Contain("postgres with the installation's password: accepted");
            File.GetUnixFileMode(Path.Combine(first, "secrets.env")).Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite);
            again.Should().Equal(created, "secrets are made once per installation");
            created["EASYPARK_JWT_SIGNING_KEY"].Length.Should().BeGreaterThanOrEqualTo(64);
            created["EASYPARK_STRIPE_WEBHOOK_SECRET"].Should().StartWith("whsec_");
            created.Keys.Should().Contain(["EASYPARK_PG_PASSWORD", "EASYPARK_DEV_PASSWORD", "EASYPARK_GATE_DEV_PASSWORD", "EASYPARK_STATION_DEV_PASSWORD"]);
            foreach (var (key, value) in created)
            {
                other[key].Should().NotBe(value, $"{key} is random per installation");
            }
        }
        finally
        {
            Directory.Delete(first, recursive: true);
            Directory.Delete(second, recursive: true);
        }
    }

    [Fact]
    public void Api_InDevelopmentWithoutASigningKey_RefusesToStart()
    {
        using var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
        {
            web.UseEnvironment("Development");
            web.UseSetting("Postgres:ConnectionString", "Host=127.0.0.1;Port=1;Username=postgres");
            web.UseSetting("Api:RunWorker", "false");
            // Temporal's address is required too; nothing listens there, and the host fails before it would connect.
            web.UseSetting("Temporal:Address", "127.0.0.1:1");
        });

        // Other options (Stripe's) fail too in this bare host; among the start-up failures must be the signing key's.
        var failure = Record.Exception(() => factory.StartServer());

        failure.Should().NotBeNull();
        failure!.ToString().Should().Contain("OptionsValidationException").And.Contain("'SigningKey'");
    }
}
