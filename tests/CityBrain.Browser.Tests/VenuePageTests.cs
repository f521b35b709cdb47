using CityBrain.Commands;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace CityBrain.Browser.Tests;

/// <summary>Check-ins in the browser: a checkpoint at a venue, and a resident scanning a venue's poster.</summary>
public sealed class VenuePageTests(CityFixture city) : BrowserTest(city)
{
    [Fact]
    public async Task Checkpoint_AtVenue_ScanRecordsCheckinAndShowsOccupancy()
    {
        var (token, _) = await City.TokenOfAsync(City.Green.Username);
        var page = await OpenAsync("/checkpoint.html");
        await page.Locator("#login-user").FillAsync("checkpoint");
        await page.Locator("#login-password").FillAsync(DemoCity.Password);
        await page.Locator("#login-form button[type=submit]").ClickAsync();
        await Expect(page.Locator("#login-form")).ToBeHiddenAsync();
        await Expect(page.Locator("#venue-select option[value='V330102-001']")).ToHaveCountAsync(1);
        await page.GetByTestId("venue-select").SelectOptionAsync("V330102-001");
        await page.Locator("#token-input").FillAsync(token);
        await page.GetByTestId("verify").ClickAsync();
        await Expect(page.GetByTestId("online-banner")).ToHaveAttributeAsync("data-pass", "true");
        await Expect(page.GetByTestId("checkin-id")).ToContainTextAsync("#");
        await Expect(page.GetByTestId("occupancy")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^[1-9][0-9]* / 400$"));
        await CityFixture.ScreenshotAsync(page, "checkpoint-venue-scan");
    }

    [Fact]
    public async Task Resident_OpensPosterLink_CheckedIn()
    {
        var page = await OpenAsync("/resident.html#checkin=V330106-003");
        await ResidentPageTests.LoginAsync(page, City.Green.Username);
        var result = page.GetByTestId("checkin-result");
        await Expect(result).ToBeVisibleAsync();
        await Expect(result).ToHaveAttributeAsync("data-pass", "true");
        await Expect(result).ToContainTextAsync("V330106-003");
        await CityFixture.ScreenshotAsync(page, "resident-poster-checkin");
        await page.GetByTestId("checkout").ClickAsync();
        await Expect(result).ToHaveAttributeAsync("data-pass", "out");
        await Expect(result).ToContainTextAsync("exit recorded");
    }

    [Fact]
    public async Task Resident_RedCodeAtPoster_NotAdmitted()
    {
        var page = await OpenAsync("/resident.html#checkin=V330106-004");
        await ResidentPageTests.LoginAsync(page, City.Red.Username);
        await Expect(page.GetByTestId("checkin-result")).ToHaveAttributeAsync("data-pass", "false");
    }
}
