using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using CityBrain.Commands;
using CityBrain.Domain.Identity;
using CityBrain.Features.HealthCodes;
using CityBrain.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace CityBrain.Browser.Tests;

/// <summary>
/// One real CityBrain server (Kestrel on a free port, SQLite in a temp folder, the demo city seeded) and one headless
/// Chromium for every test in the "browser" collection; each test opens its own browser context.
/// </summary>
public sealed class CityFixture : IAsyncLifetime
{
    private WebApplication? _app;
    private IPlaywright? _playwright;
    private int _registered;

    public IBrowser Browser { get; private set; } = null!;
    public string BaseUrl { get; private set; } = "";
    public string TempDir { get; } = Path.Combine(Path.GetTempPath(), "citybrain-browser-" + Guid.NewGuid().ToString("N")[..10]);
    public static string ScreenshotDir { get; } = Path.Combine(RepoRoot(), "artifacts", "screenshots");

    public DemoCity.Login Green { get; private set; } = null!;
    public DemoCity.Login Yellow { get; private set; } = null!;
    public DemoCity.Login Red { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(TempDir);
        Directory.CreateDirectory(ScreenshotDir);
        var browser = LaunchBrowserAsync(); // in parallel with seeding the city
        var settings = new Dictionary<string, string?>
        {
            ["CityBrain:Db"] = "sqlite:" + Path.Combine(TempDir, "cb.db"),
            ["urls"] = "http://127.0.0.1:0",
            ["Logging:LogLevel:Default"] = "Warning",
            ["CityBrain:Dashboard:SnapshotSeconds"] = "1",
        };
        _app = WebServer.Build([], settings);
        await DemoCity.SeedAsync(_app.Services.GetRequiredService<HealthCodeService>(), 300, TextWriter.Null, CancellationToken.None);
        await DashboardSeed.ImportAsync(_app.Services.GetRequiredService<CityBrain.Features.RiskMap.RiskMapService>());
        await _app.StartAsync();
        BaseUrl = _app.Urls.First().TrimEnd('/');
        var residents = DemoCity.Logins.Where(l => l.Role == Roles.Resident).ToList();
        Green = residents.Single(l => l.Note.EndsWith("green", StringComparison.Ordinal));
        Yellow = residents.Single(l => l.Note.EndsWith("yellow", StringComparison.Ordinal));
        Red = residents.Single(l => l.Note.EndsWith("red", StringComparison.Ordinal));
        Browser = await browser;
    }

    private async Task<IBrowser> LaunchBrowserAsync()
    {
        _playwright = await Playwright.CreateAsync();
        return await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args =
            [
                "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost",
            ],
        });
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.CloseAsync();
        }
        _playwright?.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(TempDir, recursive: true);
        }
        catch (IOException)
        {
            // a leftover temp folder is harmless
        }
    }

    /// <summary>A fresh context (cookies, storage) at a screen size; the city's time zone and language.</summary>
    public async Task<IPage> NewPageAsync(int width = 1440, int height = 900, bool mobile = false)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = BaseUrl,
            ViewportSize = new ViewportSize { Width = width, Height = height },
            IsMobile = mobile,
            HasTouch = mobile,
            DeviceScaleFactor = 1,
            Locale = "zh-CN",
            TimezoneId = "Asia/Shanghai",
        });
        context.SetDefaultTimeout(10_000);
        return await context.NewPageAsync();
    }

    /// <summary>Saves artifacts/screenshots/NAME.png: the whole page, or only what the screen shows.</summary>
    public static async Task ScreenshotAsync(IPage page, string name, bool fullPage = true) =>
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotDir, name + ".png"), FullPage = fullPage });

    // ---------- the API, for setting up what a test needs ----------

    public HttpClient Api(string? bearer = null)
    {
        var http = new HttpClient { BaseAddress = new Uri(BaseUrl) };
        if (bearer is not null)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }
        return http;
    }

    public async Task<string> BearerAsync(string username, string password = DemoCity.Password)
    {
        using var http = Api();
        using var res = await http.PostAsJsonAsync("/api/v1/auth/login", new { username, password });
        res.EnsureSuccessStatusCode();
        using var doc = JsonDocument.Parse(await res.Content.ReadAsStringAsync());
        return doc.RootElement.GetProperty("access_token").GetString()!;
    }

    /// <summary>A fresh QR token of a resident, as their phone would get it.</summary>
    public async Task<(string Token, string Colour)> TokenOfAsync(string username)
    {
        using var http = Api(await BearerAsync(username));
        using var doc = JsonDocument.Parse(await http.GetStringAsync("/api/v1/me/token"));
        return (doc.RootElement.GetProperty("token").GetString()!, doc.RootElement.GetProperty("colour").GetString()!);
    }

    public sealed record NewResident(string IdNumber, string Phone, string Name, long Key);

    /// <summary>Registers a new resident (green: nothing known about them) with the demo password.</summary>
    public async Task<NewResident> RegisterResidentAsync()
    {
        var n = Interlocked.Increment(ref _registered);
        // Beijing Dongcheng: no demo resident lives there, so the ID number is new.
        var id = ResidentIdNumber.Create("110101", new DateOnly(1985, 1, 1).AddDays(n * 37), n).Value;
        var phone = "139" + n.ToString("D8", System.Globalization.CultureInfo.InvariantCulture);
        var name = "测试" + n.ToString(System.Globalization.CultureInfo.InvariantCulture);
        using var http = Api();
        using var res = await http.PostAsJsonAsync("/api/v1/residents/register",
            new { id_number = id, name, phone, division_code = "110101", password = DemoCity.Password });
        var body = await res.Content.ReadAsStringAsync();
        Assert.True(res.IsSuccessStatusCode, $"register failed: {(int)res.StatusCode} {body}");
        using var doc = JsonDocument.Parse(body);
        return new NewResident(id, phone, name, doc.RootElement.GetProperty("resident_key").GetInt64());
    }

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "CityBrain.slnx")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("CityBrain.slnx not found above " + AppContext.BaseDirectory);
    }
}

/// <summary>
/// Base of the page tests: opens pages in new contexts, closes them after the test, and fails the test if a page threw
/// an uncaught script error.
/// </summary>
[Collection(BrowserCollection.Name)]
public abstract class BrowserTest(CityFixture fixture) : IAsyncLifetime
{
    private readonly List<(IPage Page, List<string> Errors)> _pages = [];

    protected CityFixture City { get; } = fixture;

    protected async Task<IPage> OpenAsync(string path, int width = 1440, int height = 900, bool mobile = false, Func<IPage, Task>? beforeLoad = null)
    {
        var page = await City.NewPageAsync(width, height, mobile);
        var errors = new List<string>();
        page.PageError += (_, e) => errors.Add(e);
        _pages.Add((page, errors));
        if (beforeLoad is not null)
        {
            await beforeLoad(page);
        }
        await page.GotoAsync(path);
        return page;
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var (page, _) in _pages)
        {
            await page.Context.CloseAsync();
        }
        var errors = _pages.SelectMany(p => p.Errors).ToList();
        Assert.True(errors.Count == 0, "script errors on the page: " + string.Join(" | ", errors));
    }
}

[CollectionDefinition(Name)]
public sealed class BrowserCollection : ICollectionFixture<CityFixture>
{
    public const string Name = "browser";
}
