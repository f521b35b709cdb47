using CityBrain.Commands;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace CityBrain.Browser.Tests;

public sealed class CheckpointPageTests(CityFixture city) : BrowserTest(city)
{
    private const string Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";

    private async Task<IPage> OpenLoggedInAsync(int width = 1440, int height = 900, bool mobile = false)
    {
        var page = await OpenAsync("/checkpoint.html", width, height, mobile);
        await page.Locator("#login-user").FillAsync("checkpoint");
        await page.Locator("#login-password").FillAsync(DemoCity.Password);
        await page.Locator("#login-form button[type=submit]").ClickAsync();
        await Expect(page.Locator("#login-form")).ToBeHiddenAsync();
        await Expect(page.GetByTestId("user")).ToHaveTextAsync("checkpoint");
        await Expect(page.GetByTestId("keys-status")).ToContainTextAsync("public key");
        return page;
    }

    private static async Task VerifyAsync(IPage page, string token)
    {
        await page.Locator("#token-input").FillAsync(token);
        await page.GetByTestId("verify").ClickAsync();
    }

    [Fact]
    public async Task Verify_GreenResidentToken_OfflineValidGreenAndOnlinePass()
    {
        var (token, colour) = await City.TokenOfAsync(City.Green.Username);
        Assert.Equal("green", colour);
        var page = await OpenLoggedInAsync();
        await VerifyAsync(page, token);

        var offline = page.Locator("#offline .result");
        await Expect(offline).ToHaveAttributeAsync("data-status", "valid");
        await Expect(offline).ToHaveAttributeAsync("data-colour", "green");
        await Expect(offline).ToContainTextAsync("签名有效 Valid");
        await Expect(offline).ToContainTextAsync("绿码 Green code");
        var banner = page.GetByTestId("online-banner");
        await Expect(banner).ToHaveAttributeAsync("data-pass", "true");
        await Expect(banner).ToContainTextAsync("通过 PASS");
        await Expect(banner).ToHaveCSSAsync("background-color", "rgb(27, 127, 59)");
        await Expect(page.GetByTestId("masked-name")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^[\\u4e00-\\u9fff]\\*+$"));
        await CityFixture.ScreenshotAsync(page, "checkpoint-green-pass");
    }

    [Fact]
    public async Task Verify_RedResidentTokenOnPhone_OfflineValidRedAndOnlineDeny()
    {
        var (token, colour) = await City.TokenOfAsync(City.Red.Username);
        Assert.Equal("red", colour);
        var page = await OpenLoggedInAsync(390, 844, mobile: true);
        await VerifyAsync(page, token);

        var offline = page.Locator("#offline .result");
        await Expect(offline).ToHaveAttributeAsync("data-status", "valid");
        await Expect(offline).ToHaveAttributeAsync("data-colour", "red");
        await Expect(offline).ToContainTextAsync("红码 Red code");
        var banner = page.GetByTestId("online-banner");
        await Expect(banner).ToHaveAttributeAsync("data-pass", "false");
        await Expect(banner).ToContainTextAsync("禁止通行 DENY");
        await Expect(banner).ToContainTextAsync("red: not admitted");
        await Expect(banner).ToHaveCSSAsync("background-color", "rgb(198, 40, 40)");
        Assert.True(await page.EvaluateAsync<bool>("document.documentElement.scrollWidth <= 390"), "the page scrolls sideways on a phone");
        await CityFixture.ScreenshotAsync(page, "checkpoint-red-deny-phone");
    }

    [Fact]
    public async Task Verify_TokenWithOneCharacterChanged_OfflineBadSignatureAndOnlineDeny()
    {
        var (token, _) = await City.TokenOfAsync(City.Red.Username);
        // Character 18 of the Base45 text is the low digit of bytes 12-13 (the colour byte is 13): a forger turning red
        // into something else. One step in the alphabet keeps the text valid Base45, so only the signature can tell.
        var i = "CB1:".Length + 18;
        var v = Alphabet.IndexOf(token[i], StringComparison.Ordinal);
        var tampered = token[..i] + Alphabet[v > 0 ? v - 1 : v + 1] + token[(i + 1)..];
        Assert.NotEqual(token, tampered);

        var page = await OpenLoggedInAsync();
        await VerifyAsync(page, tampered);

        var offline = page.Locator("#offline .result");
        await Expect(offline).ToHaveAttributeAsync("data-status", "bad_signature");
        await Expect(offline).ToContainTextAsync("签名无效 Bad signature");
        await Expect(offline).ToHaveAttributeAsync("data-colour", ""); // an unverified colour is not shown
        var banner = page.GetByTestId("online-banner");
        await Expect(banner).ToHaveAttributeAsync("data-pass", "false");
        await Expect(banner).ToContainTextAsync("signature does not verify");
        await CityFixture.ScreenshotAsync(page, "checkpoint-tampered");

        await VerifyAsync(page, "CB1:NOT-A-TOKEN");
        await Expect(offline).ToHaveAttributeAsync("data-status", "malformed");
        await Expect(banner).ToHaveAttributeAsync("data-pass", "false");
    }

    [Fact]
    public async Task Verify_NetworkDown_OfflineCheckStillSaysValid()
    {
        var (token, _) = await City.TokenOfAsync(City.Green.Username);
        var page = await OpenLoggedInAsync();
        await page.Context.SetOfflineAsync(true);
        await VerifyAsync(page, token);

        var offline = page.Locator("#offline .result");
        await Expect(offline).ToHaveAttributeAsync("data-status", "valid");
        await Expect(offline).ToHaveAttributeAsync("data-colour", "green");
        await Expect(page.GetByTestId("online-banner")).ToHaveAttributeAsync("data-pass", "unknown");
        await Expect(page.GetByTestId("online-banner")).ToContainTextAsync("No network");
        await CityFixture.ScreenshotAsync(page, "checkpoint-offline");
    }
}
