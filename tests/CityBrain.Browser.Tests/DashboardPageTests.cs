using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace CityBrain.Browser.Tests;

public sealed class DashboardPageTests(CityFixture city) : BrowserTest(city)
{
    [Fact]
    public async Task Load_Anonymous_ShowsCountsOfPublicSummaryAndRefreshesEvery10Seconds()
    {
        var page = await OpenAsync("/", 1920, 1080, beforeLoad: p => p.Clock.InstallAsync());
        using var http = City.Api();
        var summary = await http.GetFromJsonAsync<JsonElement>("/api/v1/public/summary");
        var colours = summary.GetProperty("colours");

        await Expect(page.GetByTestId("count-green")).ToHaveTextAsync(colours.GetProperty("green").GetInt64().ToString("N0", System.Globalization.CultureInfo.InvariantCulture));
        await Expect(page.GetByTestId("count-yellow")).ToHaveTextAsync(colours.GetProperty("yellow").GetInt64().ToString("N0", System.Globalization.CultureInfo.InvariantCulture));
        await Expect(page.GetByTestId("count-red")).ToHaveTextAsync(colours.GetProperty("red").GetInt64().ToString("N0", System.Globalization.CultureInfo.InvariantCulture));
        var residents = summary.GetProperty("residents").GetInt64();
        await Expect(page.GetByTestId("residents")).ToHaveTextAsync(residents.ToString("N0", System.Globalization.CultureInfo.InvariantCulture));
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "健康码 Health code" }).First).ToHaveAttributeAsync("href", "resident.html");
        await CityFixture.ScreenshotAsync(page, "dashboard-1920");

        // A new resident registers; the page shows it after its 10-second refresh, without a reload.
        await City.RegisterResidentAsync();
        await page.Clock.FastForwardAsync("00:11");
        await Expect(page.GetByTestId("residents")).ToHaveTextAsync((residents + 1).ToString("N0", System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task Load_PhoneWidth_CountsStackWithoutHorizontalScroll()
    {
        var page = await OpenAsync("/", 390, 844, mobile: true);
        await Expect(page.GetByTestId("count-green")).Not.ToHaveTextAsync("—");
        Assert.True(await page.EvaluateAsync<bool>("document.documentElement.scrollWidth <= 390"), "the page scrolls sideways on a phone");
        var green = await page.GetByTestId("count-green").BoundingBoxAsync();
        var red = await page.GetByTestId("count-red").BoundingBoxAsync();
        Assert.True(red!.Y > green!.Y, "on a phone the colour counts are stacked");
        await CityFixture.ScreenshotAsync(page, "dashboard-phone");
    }
}
