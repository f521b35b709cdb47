using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using CityBrain.Commands;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace CityBrain.Browser.Tests;

public sealed class OfficialPageTests(CityFixture city) : BrowserTest(city)
{
    private async Task<IPage> OpenLoggedInAsync(string user = "official", int width = 1920, int height = 1080)
    {
        var page = await OpenAsync("/official.html", width, height);
        await page.Locator("#login-user").FillAsync(user);
        await page.Locator("#login-password").FillAsync(DemoCity.Password);
        await page.Locator("#login-form button[type=submit]").ClickAsync();
        await Expect(page.Locator("#app-view")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("stat-green")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("rules")).ToContainTextAsync("confirmed");
        return page;
    }

    private static string CityToday() =>
        DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai")).DateTime)
            .AddDays(-1).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

    private async Task<string> ColourOfAsync(string phone)
    {
        using var http = City.Api(await City.BearerAsync(phone));
        return (await http.GetFromJsonAsync<JsonElement>("/api/v1/me/code")).GetProperty("colour").GetString()!;
    }

    private static async Task LookUpAsync(IPage page, string idNumber)
    {
        var form = page.GetByTestId("lookup-form");
        await form.Locator("#lookup-id").FillAsync(idNumber);
        await form.Locator("#lookup-why").FillAsync("核实密接线索 checking a contact-tracing lead");
        await form.Locator("button[type=submit]").ClickAsync();
    }

    [Fact]
    public async Task ImportLists_OneGoodAndOneBadRow_ShowsOneAcceptedAndTheBadLine()
    {
        var resident = await City.RegisterResidentAsync();
        var csv = $"resident_id,list,since\n{resident.IdNumber},secondary_contact,{CityToday()}\n{resident.IdNumber},zombie_list,{CityToday()}\n";
        var page = await OpenLoggedInAsync();

        await page.Locator("#import-kind").SelectOptionAsync("lists");
        await page.Locator("#import-file").SetInputFilesAsync(new FilePayload { Name = "lists.csv", MimeType = "text/csv", Buffer = Encoding.UTF8.GetBytes(csv) });
        await page.GetByTestId("import-form").Locator("button[type=submit]").ClickAsync();

        var report = page.GetByTestId("import-report");
        await Expect(report.GetByTestId("report-rows").Locator(".v")).ToHaveTextAsync("2");
        await Expect(report.GetByTestId("report-accepted").Locator(".v")).ToHaveTextAsync("1");
        await Expect(report.GetByTestId("report-rejected").Locator(".v")).ToHaveTextAsync("1");
        var rejected = report.GetByTestId("rejected-rows").Locator("tbody tr");
        await Expect(rejected).ToHaveCountAsync(1);
        await Expect(rejected.Locator("td").Nth(0)).ToHaveTextAsync("3");
        await Expect(rejected.Locator("td").Nth(1)).ToHaveTextAsync("list");
        await Expect(rejected.Locator("td").Nth(2)).ToContainTextAsync("zombie_list");
        await CityFixture.ScreenshotAsync(page, "official-import-report");

        Assert.Equal("yellow", await ColourOfAsync(resident.Phone)); // the good row took effect
    }

    [Fact]
    public async Task LookUp_WithoutWhyOnLaptop_ShowsErrorAtWhyField()
    {
        var page = await OpenLoggedInAsync(width: 1366, height: 768);
        var form = page.GetByTestId("lookup-form");
        await form.Locator("#lookup-id").FillAsync("110101199001011237");
        await form.Locator("button[type=submit]").ClickAsync();
        await Expect(form.Locator("#lookup-why")).ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(form.Locator(".field-error[data-error-for=why]")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("resident-detail")).ToBeHiddenAsync();
        Assert.True(await page.EvaluateAsync<bool>("document.documentElement.scrollWidth <= 1366"), "the page scrolls sideways on a laptop");
        await CityFixture.ScreenshotAsync(page, "official-lookup-no-why-laptop", fullPage: false);
    }

    [Fact]
    public async Task SetOverride_RedApprovedBySecondOfficial_ResidentPageShowsRed()
    {
        var resident = await City.RegisterResidentAsync();
        var official = await OpenLoggedInAsync("official");
        await LookUpAsync(official, resident.IdNumber);
        var detail = official.GetByTestId("resident-detail");
        await Expect(detail).ToBeVisibleAsync();
        await Expect(detail.Locator("#detail-facts")).ToContainTextAsync(resident.Name);
        await Expect(official.GetByTestId("detail-colour")).ToContainTextAsync("Green");

        var form = official.GetByTestId("override-form");
        await form.Locator("#ov-colour").SelectOptionAsync("red");
        await form.Locator("#ov-reason").FillAsync("同住家人确诊 household member confirmed");
        await form.Locator("button[type=submit]").ClickAsync();
        await Expect(official.GetByTestId("override-result")).ToContainTextAsync("pending");
        var row = official.GetByTestId("pending-overrides").Locator("tbody tr", new() { HasText = $"#{resident.Key}" });
        await Expect(row).ToHaveCountAsync(1);
        await Expect(row).ToContainTextAsync("待审批 Pending");
        await CityFixture.ScreenshotAsync(official, "official-override-pending");

        // The official who set it cannot approve it; the resident stays green meanwhile.
        await row.Locator("[data-testid^=approve-]").ClickAsync();
        await Expect(official.GetByTestId("pending-overrides").Locator(".form-error")).ToContainTextAsync("second official");
        Assert.Equal("green", await ColourOfAsync(resident.Phone));

        var second = await OpenLoggedInAsync("official2");
        var row2 = second.GetByTestId("pending-overrides").Locator("tbody tr", new() { HasText = $"#{resident.Key}" });
        await row2.Locator("[data-testid^=approve-]").ClickAsync();
        await Expect(second.GetByTestId("pending-overrides").Locator(".form-ok")).ToContainTextAsync("Active");
        await Expect(row2).ToHaveCountAsync(0);

        var page = await OpenAsync("/resident.html");
        await ResidentPageTests.LoginAsync(page, resident.Phone);
        await Expect(page.GetByTestId("code-card")).ToHaveAttributeAsync("data-colour", "red");
        await Expect(page.GetByTestId("colour-word")).ToHaveTextAsync("红码 Red code");
        await Expect(page.GetByTestId("reasons")).ToContainTextAsync("household member confirmed");
        await CityFixture.ScreenshotAsync(page, "resident-red-by-hand");
    }

    [Fact]
    public async Task DecideAppeal_OverturnedToGreen_ResidentSeesGreenAndOutcome()
    {
        var resident = await City.RegisterResidentAsync();
        using (var http = City.Api(await City.BearerAsync(resident.Phone)))
        {
            using var res = await http.PostAsJsonAsync("/api/v1/me/declarations", new { temperature = 38.0, symptoms = new[] { "fever" } });
            res.EnsureSuccessStatusCode();
        }
        var page = await OpenAsync("/resident.html");
        await ResidentPageTests.LoginAsync(page, resident.Phone);
        await Expect(page.GetByTestId("code-card")).ToHaveAttributeAsync("data-colour", "yellow");
        await page.Locator("#appeal-text").FillAsync("体温计坏了 The thermometer was broken; I have no fever.");
        await page.GetByTestId("appeal-form").Locator("button[type=submit]").ClickAsync();
        await Expect(page.GetByTestId("appeals").Locator("tbody tr")).ToHaveCountAsync(1);
        await Expect(page.GetByTestId("appeals")).ToContainTextAsync("处理中 Open");

        var official = await OpenLoggedInAsync();
        var appeal = official.GetByTestId("open-appeals").Locator("form", new() { HasText = "thermometer was broken" });
        await Expect(appeal).ToHaveCountAsync(1);
        await appeal.Locator("[name=decision]").SelectOptionAsync("overturned");
        await appeal.Locator("button[type=submit]").ClickAsync();
        await Expect(appeal.Locator(".field-error[data-error-for=outcome]")).ToBeVisibleAsync(); // the outcome is required
        await appeal.Locator("[name=outcome]").FillAsync("复测正常 Re-test normal");
        await CityFixture.ScreenshotAsync(official, "official-appeal");
        await appeal.Locator("button[type=submit]").ClickAsync();
        await Expect(appeal).ToHaveCountAsync(0);

        await page.ReloadAsync();
        await Expect(page.GetByTestId("code-card")).ToHaveAttributeAsync("data-colour", "green");
        await Expect(page.GetByTestId("appeals")).ToContainTextAsync("复测正常 Re-test normal");
        await Expect(page.GetByTestId("appeals")).ToContainTextAsync("已改判 Overturned");
    }
}
