using System.Text.RegularExpressions;
using CityBrain.Commands;
using CityBrain.Domain.Identity;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace CityBrain.Browser.Tests;

public sealed partial class ResidentPageTests(CityFixture city) : BrowserTest(city)
{
    internal static async Task LoginAsync(IPage page, string phone)
    {
        await page.Locator("#login-phone").FillAsync(phone);
        await page.Locator("#login-password").FillAsync(DemoCity.Password);
        await page.Locator("#login-form button[type=submit]").ClickAsync();
        await Expect(page.Locator("#app-view")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("token")).ToHaveTextAsync(TokenPattern());
    }

    [GeneratedRegex("^CB1:[0-9A-Z $%*+\\-./:]{138}$")]
    internal static partial Regex TokenPattern();

    [Fact]
    public async Task Login_GreenDemoResident_ShowsGreenCodeQrAndReason()
    {
        var page = await OpenAsync("/resident.html");
        await LoginAsync(page, City.Green.Username);

        await Expect(page.GetByTestId("code-card")).ToHaveAttributeAsync("data-colour", "green");
        await Expect(page.GetByTestId("colour-word")).ToHaveTextAsync("绿码 Green code");
        await Expect(page.Locator("#qr svg")).ToBeVisibleAsync();
        Assert.Contains("#1b7f3b", await page.Locator("#qr").InnerHTMLAsync(), StringComparison.OrdinalIgnoreCase); // QR drawn in green
        await Expect(page.GetByTestId("reasons")).ToContainTextAsync("未发现风险");
        await Expect(page.GetByTestId("refresh-in")).ToHaveTextAsync(new Regex("^[01]:\\d\\d$"));
        await CityFixture.ScreenshotAsync(page, "resident-green");
    }

    [Fact]
    public async Task Login_RedDemoResidentOnPhone_ShowsRedCodeInWordsWithoutSidewaysScroll()
    {
        var page = await OpenAsync("/resident.html", 390, 844, mobile: true);
        await LoginAsync(page, City.Red.Username);

        await Expect(page.GetByTestId("code-card")).ToHaveAttributeAsync("data-colour", "red");
        await Expect(page.GetByTestId("colour-word")).ToHaveTextAsync("红码 Red code");
        await Expect(page.Locator("#code-sym")).ToHaveTextAsync("✕");
        Assert.Contains("#c62828", await page.Locator("#qr").InnerHTMLAsync(), StringComparison.OrdinalIgnoreCase);
        await Expect(page.GetByTestId("reasons")).Not.ToContainTextAsync("未发现风险");
        await Expect(page.GetByTestId("reasons").Locator("li").First).ToContainTextAsync(new Regex("[\\u4e00-\\u9fff].*[A-Za-z]"));
        Assert.True(await page.EvaluateAsync<bool>("document.documentElement.scrollWidth <= 390"), "the page scrolls sideways on a phone");
        var qr = await page.Locator("#qr svg").BoundingBoxAsync();
        Assert.True(qr!.Width >= 250, $"the QR code is too small on a phone: {qr.Width}px");
        await CityFixture.ScreenshotAsync(page, "resident-red-phone");
        await CityFixture.ScreenshotAsync(page, "resident-red-phone-screen", fullPage: false);
    }

    [Fact]
    public async Task TokenRefresh_After60Seconds_ShowsANewToken()
    {
        var page = await OpenAsync("/resident.html", beforeLoad: p => p.Clock.InstallAsync());
        await LoginAsync(page, City.Yellow.Username);
        await Expect(page.GetByTestId("code-card")).ToHaveAttributeAsync("data-colour", "yellow");
        var token = page.GetByTestId("token");
        var first = await token.TextContentAsync();

        await page.Clock.FastForwardAsync("00:30");
        await Expect(page.GetByTestId("refresh-in")).ToHaveTextAsync(new Regex("^0:(29|30)$"));
        Assert.Equal(first, await token.TextContentAsync());

        await page.Clock.FastForwardAsync("00:31");
        await Expect(token).Not.ToHaveTextAsync(first!);
        await Expect(token).ToHaveTextAsync(TokenPattern());
        await Expect(page.GetByTestId("refresh-in")).ToHaveTextAsync(new Regex("^(1:00|0:59)$"));
        await CityFixture.ScreenshotAsync(page, "resident-yellow-refreshed");
    }

    [Fact]
    public async Task Declare_Fever_TurnsCodeYellowOnThePage()
    {
        var resident = await City.RegisterResidentAsync();
        var page = await OpenAsync("/resident.html");
        await LoginAsync(page, resident.Phone);
        await Expect(page.GetByTestId("code-card")).ToHaveAttributeAsync("data-colour", "green");
        var greenToken = await page.GetByTestId("token").TextContentAsync();

        var form = page.GetByTestId("declaration-form");
        await form.Locator("#decl-temp").FillAsync("38.4");
        await form.Locator("input[name=symptoms][value=fever]").CheckAsync();
        await form.Locator("input[name=symptoms][value=cough]").CheckAsync();
        await form.Locator("button[type=submit]").ClickAsync();

        await Expect(page.GetByTestId("code-card")).ToHaveAttributeAsync("data-colour", "yellow");
        await Expect(page.GetByTestId("colour-word")).ToHaveTextAsync("黄码 Yellow code");
        await Expect(page.GetByTestId("reasons")).ToContainTextAsync("fever");
        await Expect(page.GetByTestId("reasons")).ToContainTextAsync("发热");
        await Expect(page.GetByTestId("next-change")).Not.ToHaveTextAsync(new Regex("None"));
        await Expect(form.Locator(".form-ok")).ToContainTextAsync("yellow");
        await Expect(page.GetByTestId("token")).Not.ToHaveTextAsync(greenToken!); // a new token carrying the new colour
        Assert.Contains("#b8860b", await page.Locator("#qr").InnerHTMLAsync(), StringComparison.OrdinalIgnoreCase);
        await CityFixture.ScreenshotAsync(page, "resident-declared-fever");
    }

    [Fact]
    public async Task Declare_TravelDateInTheFuture_ShowsErrorNextToThatDate()
    {
        var resident = await City.RegisterResidentAsync();
        var page = await OpenAsync("/resident.html");
        await LoginAsync(page, resident.Phone);

        var form = page.GetByTestId("declaration-form");
        await page.Locator("#add-travel").ClickAsync();
        await page.Locator("#add-travel").ClickAsync();
        var second = form.Locator(".travel-row").Nth(1);
        await form.Locator(".travel-row").Nth(0).Locator("[name=division]").FillAsync("330106");
        await second.Locator("[name=division]").FillAsync("420100");
        await second.Locator("[name=date]").FillAsync(DateTime.UtcNow.AddDays(5).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
        await form.Locator("button[type=submit]").ClickAsync();

        await Expect(second.Locator("[name=date]")).ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(form.Locator(".field-error")).ToContainTextAsync("within the last 30 days");
        await Expect(page.GetByTestId("code-card")).ToHaveAttributeAsync("data-colour", "green");
    }

    [Fact]
    public async Task Register_BadIdNumberCheckDigit_ShowsErrorAtTheIdField()
    {
        var good = ResidentIdNumber.Create("110101", new DateOnly(1990, 5, 17), 321).Value;
        var bad = good[..17] + (good[17] == '0' ? '1' : '0');
        var page = await OpenAsync("/resident.html");
        var form = page.GetByTestId("register-form");
        await form.Locator("#reg-id").FillAsync(bad);
        await form.Locator("#reg-name").FillAsync("王测试");
        await form.Locator("#reg-phone").FillAsync("13700000001");
        await form.Locator("#reg-division").FillAsync("110101");
        await form.Locator("#reg-password").FillAsync("long-enough-1");
        await form.Locator("button[type=submit]").ClickAsync();

        var error = form.Locator(".field-error[data-error-for=id_number]");
        await Expect(error).ToContainTextAsync("check digit");
        await Expect(form.Locator("#reg-id")).ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(form.Locator("#reg-phone")).Not.ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(page.Locator("#app-view")).ToBeHiddenAsync();
        // the message sits right under the ID field
        var field = await form.Locator("#reg-id").BoundingBoxAsync();
        var message = await error.BoundingBoxAsync();
        Assert.InRange(message!.Y - (field!.Y + field.Height), 0, 30);
        await CityFixture.ScreenshotAsync(page, "resident-register-bad-id");
    }

    [Fact]
    public async Task Register_ValidDetails_LogsInWithGreenCode()
    {
        var id = ResidentIdNumber.Create("330106", new DateOnly(1979, 3, 9), 987).Value;
        var page = await OpenAsync("/resident.html");
        var form = page.GetByTestId("register-form");
        await form.Locator("#reg-id").FillAsync(id);
        await form.Locator("#reg-name").FillAsync("李注册");
        await form.Locator("#reg-phone").FillAsync("13712345678");
        await form.Locator("#reg-division").FillAsync("330106");
        await form.Locator("#reg-password").FillAsync("long-enough-2");
        await form.Locator("button[type=submit]").ClickAsync();

        await Expect(page.Locator("#app-view")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("code-card")).ToHaveAttributeAsync("data-colour", "green");
        await Expect(page.GetByTestId("user")).ToHaveTextAsync("137****5678"); // the page shows the masked phone only

        await page.GetByTestId("logout").ClickAsync();
        await Expect(page.Locator("#auth-view")).ToBeVisibleAsync();
        await page.ReloadAsync();
        await Expect(page.Locator("#auth-view")).ToBeVisibleAsync(); // the cookie is gone
    }
}
