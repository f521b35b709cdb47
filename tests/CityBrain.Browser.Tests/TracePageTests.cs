using System.Net.Http.Json;
using System.Text.Json;
using CityBrain.Commands;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace CityBrain.Browser.Tests;

public sealed class TracePageTests(CityFixture city) : BrowserTest(city)
{
    private async Task CheckInAsync(HttpClient checkpoint, string venue, string idNumber)
    {
        using var r = await checkpoint.PostAsJsonAsync("/api/v1/checkpoint/checkin-by-id", new { venue_id = venue, id_number = idNumber });
        Assert.True(r.IsSuccessStatusCode, await r.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Trace_RunConfirmAndReach_ContactsRankedTasksAndProgress()
    {
        // A venue of its own (no demo check-ins) and three new residents who check in there now, one after another.
        using var admin = City.Api(await City.BearerAsync("admin"));
        var venue = "TRACE-" + Guid.NewGuid().ToString("N")[..8];
        (await admin.PostAsJsonAsync("/api/v1/admin/venues", new { venue_id = venue, name = "流调测试菜场", type = "market", division_code = "110101", lat = 39.91, lon = 116.40, capacity = 0 }))
            .EnsureSuccessStatusCode();
        var (patient, close, other) = (await City.RegisterResidentAsync(), await City.RegisterResidentAsync(), await City.RegisterResidentAsync());
        using (var checkpoint = City.Api(await City.BearerAsync("checkpoint")))
        {
            await CheckInAsync(checkpoint, venue, patient.IdNumber);
            await CheckInAsync(checkpoint, venue, close.IdNumber);
            await CheckInAsync(checkpoint, venue, other.IdNumber);
        }

        var page = await OpenAsync("/trace.html", 1920, 1080);
        // The navigation every page draws from one list in app.js, this page marked as the current one.
        await Expect(page.Locator("nav[data-pages] a")).ToHaveCountAsync(5);
        await Expect(page.Locator("nav[data-pages] a[aria-current=page]")).ToHaveTextAsync("流调追踪 Contact tracing");
        await page.Locator("#login-user").FillAsync("official");
        await page.Locator("#login-password").FillAsync(DemoCity.Password);
        await page.Locator("#login-form button[type=submit]").ClickAsync();
        await Expect(page.Locator("#app-view")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("index-status")).ToContainTextAsync("check-ins");

        // A missing reason is refused next to its field.
        await page.Locator("#case-id").FillAsync(patient.IdNumber);
        await page.GetByTestId("run-trace").ClickAsync();
        await Expect(page.Locator("[data-error-for=why]")).ToBeVisibleAsync();

        await page.Locator("#case-why").FillAsync("病例 2020-0099 流调");
        await page.Locator("#case-degree").SelectOptionAsync("1");
        await page.GetByTestId("run-trace").ClickAsync();
        var rows = page.GetByTestId("contacts-table").Locator("tbody tr");
        await Expect(rows).ToHaveCountAsync(2);
        await Expect(page.GetByTestId("contacts")).ToContainTextAsync(close.IdNumber);
        await Expect(page.GetByTestId("contacts")).ToContainTextAsync(other.IdNumber);
        await Expect(page.GetByTestId("n-close").Locator(".v")).ToHaveTextAsync("2");
        await Expect(page.GetByTestId("timeline").Locator("[data-stay]")).ToHaveCountAsync(1);
        await Expect(page.GetByTestId("trajectory-map").Locator("[data-venue]")).ToHaveCountAsync(1);
        await CityFixture.ScreenshotAsync(page, "trace-draft");

        await page.GetByTestId("confirm").ClickAsync();
        await Expect(page.GetByTestId("confirm")).ToBeHiddenAsync();
        await Expect(page.GetByTestId("task-group")).ToHaveCountAsync(1);
        await Expect(page.GetByTestId("task-group")).ToContainTextAsync(close.Name);
        using (var http = City.Api(await City.BearerAsync(close.Phone)))
        {
            Assert.Equal("red", (await http.GetFromJsonAsync<JsonElement>("/api/v1/me/code")).GetProperty("colour").GetString());
        }

        await page.GetByTestId("reached").First.ClickAsync();
        await Expect(page.GetByTestId("n-reached").Locator(".v")).ToHaveTextAsync("1");
        await Expect(page.GetByTestId("n-open").Locator(".v")).ToHaveTextAsync("1");
        var csv = await page.GetByTestId("tasks-csv").GetAttributeAsync("href");
        Assert.Matches(@"^/api/v1/traces/\d+/tasks\.csv\?by=township$", csv);
        await Expect(page.GetByTestId("recent-traces")).ToContainTextAsync("2020-0099");
        await CityFixture.ScreenshotAsync(page, "trace-confirmed");

        // The command centre's big screen counts the open trace and the contact still to reach.
        await page.GotoAsync("/");
        await Expect(page.GetByTestId("traces-open")).Not.ToHaveTextAsync("0", new() { Timeout = 15_000 });
        await Expect(page.GetByTestId("traces-to-reach")).Not.ToHaveTextAsync("0");
        // The demo city's work-resumption index of its last day of readings, beside the risk map.
        await Expect(page.Locator("#resumption-body")).ToContainTextAsync("2020-03-31");
        // The pages share app.css: none of its light cards may leak onto the dark big screen.
        var backgrounds = await page.EvaluateAsync<string[]>(
            "() => ['#hours-chart', '#traces-body .stat', '#venues th'].map(s => getComputedStyle(document.querySelector(s)).backgroundColor)");
        Assert.All(backgrounds, b => Assert.DoesNotContain(b, new[] { "rgb(255, 255, 255)", "rgb(247, 249, 251)" }));
        await CityFixture.ScreenshotAsync(page, "dashboard-with-trace", fullPage: false);
    }
}
