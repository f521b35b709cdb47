using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using CityBrain.Tests.Infrastructure;
using static CityBrain.Tests.Infrastructure.Http;

namespace CityBrain.Tests.HealthCodes;

/// <summary>The health-code capability end to end over real HTTP, on SQLite and on PostgreSQL.</summary>
public abstract class HealthCodeFlowTests<TServer>(TServer server) where TServer : ServerFixture
{
    protected TServer Server { get; } = server;

    private static async Task<JsonElement> Code(HttpClient resident) => await Json(await resident.GetAsync("/api/v1/me/code"));

    [Fact]
    public async Task Register_NewResident_GreenWithReason()
    {
        var (resident, _, _) = await Server.NewResidentAsync();
        var code = await Code(resident);
        Assert.Equal("green", code.GetProperty("colour").GetString());
        Assert.NotEmpty(code.GetProperty("reasons").EnumerateArray());
        Assert.Equal(JsonValueKind.Null, code.GetProperty("next_change").ValueKind);
    }

    [Fact]
    public async Task Register_BadIdNumber_ProblemDetailsNamingTheField()
    {
        using var anon = Server.Client();
        var r = await anon.PostAsJsonAsync("/api/v1/residents/register",
            new { id_number = "330106198001010011", name = "张三", phone = "13900000001", division_code = "330106", password = "long-enough" }, ServerFixture.Json);
        Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
        Assert.Equal("application/problem+json", r.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(await r.Content.ReadAsStringAsync()).RootElement;
        Assert.Contains("check digit", problem.GetProperty("errors").GetProperty("id_number")[0].GetString());
    }

    [Fact]
    public async Task Declare_Fever_YellowUntilSevenNormalCheckins()
    {
        var (resident, _, _) = await Server.NewResidentAsync();
        var code = await Json(await resident.PostAsJsonAsync("/api/v1/me/declarations", new { temperature = 38.2, symptoms = new[] { "cough" } }, ServerFixture.Json));
        Assert.Equal("yellow", code.GetProperty("colour").GetString());
        Assert.Contains("symptoms", code.GetProperty("rules").EnumerateArray().Select(x => x.GetString()));
        Assert.NotEqual(JsonValueKind.Null, code.GetProperty("next_change").ValueKind);

        for (var day = 1; day <= 7; day++)
        {
            Server.Clock.Advance(TimeSpan.FromDays(1));
            code = await Json(await resident.PostAsJsonAsync("/api/v1/me/daily", new { temperature = 36.5 }, ServerFixture.Json));
            Assert.Equal(day < 7 ? "yellow" : "green", code.GetProperty("colour").GetString());
        }
    }

    [Fact]
    public async Task Declare_BadTemperature_ProblemDetailsNamingTheField()
    {
        var (resident, _, _) = await Server.NewResidentAsync();
        var r = await resident.PostAsJsonAsync("/api/v1/me/declarations", new { temperature = 52.0 }, ServerFixture.Json);
        Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
        Assert.True(JsonDocument.Parse(await r.Content.ReadAsStringAsync()).RootElement.GetProperty("errors").TryGetProperty("temperature", out _));
        Assert.Equal("green", (await Code(resident)).GetProperty("colour").GetString());
    }

    [Fact]
    public async Task ImportLists_CloseContact_RedAtOnceAndBadRowsReportedWithLine()
    {
        var (resident, id, _) = await Server.NewResidentAsync();
        using var official = await Server.LoginAsync("official");
        var csv = $"resident_id,list,since\n{id},close_contact,{Server.Clock.GetUtcNow():yyyy-MM-dd}\n110101199003070000,confirmed,2020-02-01\n{id},quarantined,2020-02-01\n";
        var report = await Json(await official.PostAsync("/api/v1/health/imports/lists", Csv(csv)));
        Assert.Equal(1, report.GetProperty("accepted").GetInt32());
        var rejected = report.GetProperty("rejected").EnumerateArray().ToList();
        Assert.Equal([3, 4], rejected.Select(e => e.GetProperty("line").GetInt32()));
        Assert.Equal("list", rejected[1].GetProperty("field").GetString());
        Assert.Equal("red", (await Code(resident)).GetProperty("colour").GetString());

        var release = $"resident_id,list,since,released\n{id},close_contact,{Server.Clock.GetUtcNow():yyyy-MM-dd},{Server.Clock.GetUtcNow():yyyy-MM-ddTHH:mm:sszzz}\n";
        await Json(await official.PostAsync("/api/v1/health/imports/lists", Csv(release)));
        Assert.Equal("green", (await Code(resident)).GetProperty("colour").GetString());
    }

    [Fact]
    public async Task Token_Verified_GreenPassesRedDoesNotTamperedRejected()
    {
        var (green, _, _) = await Server.NewResidentAsync();
        var (red, redId, _) = await Server.NewResidentAsync();
        using var official = await Server.LoginAsync("official");
        await Json(await official.PostAsync("/api/v1/health/imports/lists", Csv($"resident_id,list,since\n{redId},confirmed,2020-02-01\n")));
        using var checkpoint = await Server.LoginAsync("checkpoint");

        var token = (await Json(await green.GetAsync("/api/v1/me/token"))).GetProperty("token").GetString()!;
        Assert.StartsWith("CB1:", token);
        Assert.True(token.Length <= 142, "token must stay small enough for a QR code read at arm's length (version 6-M holds 180 characters)");
        var ok = await Json(await checkpoint.PostAsJsonAsync("/api/v1/checkpoint/verify", new { token }, ServerFixture.Json));
        Assert.True(ok.GetProperty("pass").GetBoolean());
        Assert.Equal("green", ok.GetProperty("colour").GetString());
        Assert.Matches("^测\\*+$", ok.GetProperty("masked_name").GetString());

        var redToken = (await Json(await red.GetAsync("/api/v1/me/token"))).GetProperty("token").GetString()!;
        var no = await Json(await checkpoint.PostAsJsonAsync("/api/v1/checkpoint/verify", new { token = redToken }, ServerFixture.Json));
        Assert.False(no.GetProperty("pass").GetBoolean());
        Assert.Equal("red", no.GetProperty("colour").GetString());

        var tampered = token[..30] + (token[30] == 'A' ? 'B' : 'A') + token[31..];
        var bad = await Json(await checkpoint.PostAsJsonAsync("/api/v1/checkpoint/verify", new { token = tampered }, ServerFixture.Json));
        Assert.False(bad.GetProperty("valid").GetBoolean());
        Assert.False(bad.GetProperty("pass").GetBoolean());

        Server.Clock.Advance(TimeSpan.FromMinutes(10));
        var expired = await Json(await checkpoint.PostAsJsonAsync("/api/v1/checkpoint/verify", new { token }, ServerFixture.Json));
        Assert.False(expired.GetProperty("valid").GetBoolean());
        Assert.Contains("expired", expired.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task Jwks_PublishesTheSigningKey()
    {
        using var anon = Server.Client();
        var jwks = await Json(await anon.GetAsync("/.well-known/citybrain/jwks.json"));
        var key = jwks.GetProperty("keys")[0];
        Assert.Equal("EC", key.GetProperty("kty").GetString());
        Assert.Equal("P-256", key.GetProperty("crv").GetString());
        Assert.Equal(8, key.GetProperty("kid").GetString()!.Length);
        Assert.False(key.TryGetProperty("d", out _), "the private part must never be published");
    }

    [Fact]
    public async Task Override_RedNeedsASecondOfficial_ResidentSeesReason()
    {
        var (resident, _, key) = await Server.NewResidentAsync();
        using var official = await Server.LoginAsync("official");
        using var official2 = await Server.LoginAsync("official2");
        var expires = Server.Clock.GetUtcNow().AddDays(3);

        var missing = await official.PostAsJsonAsync($"/api/v1/health/residents/{key}/overrides", new { colour = "red", expires_at = expires }, ServerFixture.Json);
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);

        var o = await Json(await official.PostAsJsonAsync($"/api/v1/health/residents/{key}/overrides", new { colour = "red", reason = "Positive test at Zhejiang Provincial Hospital", expires_at = expires }, ServerFixture.Json));
        Assert.Equal("pending", o.GetProperty("status").GetString());
        Assert.Equal("green", (await Code(resident)).GetProperty("colour").GetString());
        var id = o.GetProperty("id").GetInt64();

        var self = await official.PostAsync($"/api/v1/health/overrides/{id}/approve", null);
        Assert.Equal(HttpStatusCode.Conflict, self.StatusCode);

        var approved = await Json(await official2.PostAsync($"/api/v1/health/overrides/{id}/approve", null));
        Assert.Equal("active", approved.GetProperty("status").GetString());
        var code = await Code(resident);
        Assert.Equal("red", code.GetProperty("colour").GetString());
        Assert.Contains("Positive test", code.GetProperty("reasons")[0].GetString());

        Server.Clock.Advance(TimeSpan.FromDays(4));
        using var admin = await Server.LoginAsync("admin");
        await Json(await admin.PostAsJsonAsync("/api/v1/admin/recompute", new { }, ServerFixture.Json));
        Assert.Equal("green", (await Code(resident)).GetProperty("colour").GetString());

        var audit = await Json(await admin.GetAsync($"/api/v1/admin/audit?resident_key={key}"));
        var actions = audit.EnumerateArray().Select(a => a.GetProperty("action").GetString()).ToList();
        Assert.Contains("override.set", actions);
        Assert.Contains("override.approve", actions);
    }

    [Fact]
    public async Task Appeal_Overturned_GreenWithOutcomeRecorded()
    {
        var (resident, id, _) = await Server.NewResidentAsync();
        using var official = await Server.LoginAsync("official");
        await Json(await official.PostAsync("/api/v1/health/imports/lists", Csv($"resident_id,list,since\n{id},secondary_contact,{Server.Clock.GetUtcNow():yyyy-MM-dd}\n")));
        Assert.Equal("yellow", (await Code(resident)).GetProperty("colour").GetString());

        var appeal = await Json(await resident.PostAsJsonAsync("/api/v1/me/appeals", new { text = "I was in Shanghai all week, not at that market." }, ServerFixture.Json));
        var second = await resident.PostAsJsonAsync("/api/v1/me/appeals", new { text = "Again, please look at it." }, ServerFixture.Json);
        Assert.Equal(HttpStatusCode.Conflict, second.StatusCode);

        var decided = await Json(await official.PostAsJsonAsync($"/api/v1/health/appeals/{appeal.GetProperty("id").GetInt64()}/decision",
            new { decision = "overturned", outcome = "Phone location data confirms the resident was in Shanghai." }, ServerFixture.Json));
        Assert.Equal("overturned", decided.GetProperty("status").GetString());
        Assert.Equal("green", (await Code(resident)).GetProperty("colour").GetString());
        var mine = await Json(await resident.GetAsync("/api/v1/me/appeals"));
        Assert.Contains("Shanghai", mine[0].GetProperty("outcome").GetString());
    }

    [Fact]
    public async Task RiskArea_GradedMedium_TravellersTurnYellowThenGreenAfter14Days()
    {
        var (resident, _, _) = await Server.NewResidentAsync();
        var trip = DateOnly.FromDateTime(Server.Clock.GetUtcNow().ToOffset(TimeSpan.FromHours(8)).DateTime).AddDays(-2);
        var code = await Json(await resident.PostAsJsonAsync("/api/v1/me/declarations",
            new { temperature = 36.6, travel = new[] { new { division = "330782", date = trip } } }, ServerFixture.Json));
        Assert.Equal("green", code.GetProperty("colour").GetString());

        using var official = await Server.LoginAsync("official");
        var set = await Json(await official.PutAsJsonAsync("/api/v1/health/risk-areas/330782", new { level = "medium" }, ServerFixture.Json));
        Assert.True(set.GetProperty("codes_changed").GetInt32() >= 1);
        code = await Code(resident);
        Assert.Equal("yellow", code.GetProperty("colour").GetString());
        Assert.Contains("risky_travel", code.GetProperty("rules").EnumerateArray().Select(x => x.GetString()));

        Server.Clock.Advance(TimeSpan.FromDays(13));
        using var admin = await Server.LoginAsync("admin");
        var report = await Json(await admin.PostAsJsonAsync("/api/v1/admin/recompute", new { }, ServerFixture.Json));
        Assert.True(report.GetProperty("residents").GetInt64() >= 1);
        Assert.Equal("green", (await Code(resident)).GetProperty("colour").GetString());

        // A second recompute at the same time changes nothing: nothing changes without a reason.
        var again = await Json(await admin.PostAsJsonAsync("/api/v1/admin/recompute", new { }, ServerFixture.Json));
        Assert.Equal(0, again.GetProperty("changed").GetInt64());
    }

    [Fact]
    public async Task Rules_InvalidRejectedWithRuleAndField_ValidReplacesAndRecomputes()
    {
        using var official = await Server.LoginAsync("official");
        var bad = await official.PutAsync("/api/v1/health/rules", new StringContent(
            """{"name":"x","rules":[{"id":"a","colour":"purple","when":{"var":"lists"},"reason":"r"}]}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("colour", await bad.Content.ReadAsStringAsync());

        var (resident, id, _) = await Server.NewResidentAsync();
        await Json(await official.PostAsync("/api/v1/health/imports/lists", Csv($"resident_id,list,since\n{id},secondary_contact,{Server.Clock.GetUtcNow():yyyy-MM-dd}\n")));
        Assert.Equal("yellow", (await Code(resident)).GetProperty("colour").GetString());

        var source = await (await official.GetAsync("/api/v1/health/rules/source")).Content.ReadAsStringAsync();
        var stricter = source.Replace("\"id\": \"secondary_contact\",\n      \"colour\": \"yellow\"", "\"id\": \"secondary_contact\",\n      \"colour\": \"red\"", StringComparison.Ordinal);
        Assert.NotEqual(source, stricter);
        var replaced = await Json(await official.PutAsync("/api/v1/health/rules", new StringContent(stricter, Encoding.UTF8, "application/json")));
        Assert.True(replaced.GetProperty("recompute").GetProperty("changed").GetInt64() >= 1);
        Assert.Equal("red", (await Code(resident)).GetProperty("colour").GetString());
        await Json(await official.PutAsync("/api/v1/health/rules", new StringContent(source, Encoding.UTF8, "application/json")));
        Assert.Equal("yellow", (await Code(resident)).GetProperty("colour").GetString());
    }

    [Fact]
    public async Task ResidentDetail_ReadByOfficial_IsAuditedAndMasksIdNumber()
    {
        var (_, id, key) = await Server.NewResidentAsync();
        using var official = await Server.LoginAsync("official");
        var found = await Json(await official.GetAsync($"/api/v1/health/residents?id_number={id}"));
        Assert.Equal(key, found.GetProperty("resident_key").GetInt64());
        var detail = await Json(await official.GetAsync($"/api/v1/health/residents/{key}?why=case+investigation+2020-017"));
        Assert.DoesNotContain(id, detail.GetRawText());
        Assert.Equal(id[..6] + "********" + id[14..], detail.GetProperty("id_number_masked").GetString());
        using var admin = await Server.LoginAsync("admin");
        var audit = await Json(await admin.GetAsync($"/api/v1/admin/audit?resident_key={key}"));
        Assert.Contains(audit.EnumerateArray(), a => a.GetProperty("action").GetString() == "resident.read"
            && a.GetProperty("actor").GetString() == "official" && a.GetProperty("detail").GetString()!.Contains("2020-017"));
    }

    [Fact]
    public async Task Register_ImportedPersonWithOtherName_RefusedAndNothingOverwritten()
    {
        using var official = await Server.LoginAsync("official");
        var id = Domain.Identity.ResidentIdNumber.Create("330106", new DateOnly(1977, 5, 4), 901).Value;
        await Json(await official.PostAsync("/api/v1/health/imports/persons", Csv($"resident_id,name,phone,division_code\n{id},钱七,13700000009,330106\n")));
        using var anon = Server.Client();
        var takeover = await anon.PostAsJsonAsync("/api/v1/residents/register",
            new { id_number = id, name = "冒名", phone = "13700000010", division_code = "330106", password = "attacker-pass" }, ServerFixture.Json);
        Assert.Equal(HttpStatusCode.Conflict, takeover.StatusCode);
        var key = (await Json(await official.GetAsync($"/api/v1/health/residents?id_number={id}"))).GetProperty("resident_key").GetInt64();
        var detail = await Json(await official.GetAsync($"/api/v1/health/residents/{key}?why=check+registration+attempt"));
        Assert.Equal("钱七", detail.GetProperty("name").GetString());

        var genuine = await anon.PostAsJsonAsync("/api/v1/residents/register",
            new { id_number = id, name = "钱七", phone = "13700000009", division_code = "330106", password = "genuine-pass" }, ServerFixture.Json);
        Assert.Equal(HttpStatusCode.Created, genuine.StatusCode);
        Assert.Equal(key, (await Json(genuine)).GetProperty("resident_key").GetInt64());
    }

    [Fact]
    public async Task Release_EarnedByCheckins_SticksWhenCheckinsStop()
    {
        var (resident, id, _) = await Server.NewResidentAsync();
        using var official = await Server.LoginAsync("official");
        await Json(await official.PostAsync("/api/v1/health/imports/lists", Csv($"resident_id,list,since\n{id},secondary_contact,{Server.Clock.GetUtcNow().ToOffset(TimeSpan.FromHours(8)):yyyy-MM-dd}\n")));
        for (var day = 1; day <= 7; day++)
        {
            Server.Clock.Advance(TimeSpan.FromDays(1));
            await Json(await resident.PostAsJsonAsync("/api/v1/me/daily", new { temperature = 36.4 }, ServerFixture.Json));
        }
        Assert.Equal("green", (await Code(resident)).GetProperty("colour").GetString());
        Server.Clock.Advance(TimeSpan.FromDays(3));
        using var admin = await Server.LoginAsync("admin");
        await Json(await admin.PostAsJsonAsync("/api/v1/admin/recompute", new { }, ServerFixture.Json));
        Assert.Equal("green", (await Code(resident)).GetProperty("colour").GetString());
    }

    [Fact]
    public async Task Override_HandSetGreen_DoesNotHideALaterConfirmedCase()
    {
        var (resident, id, key) = await Server.NewResidentAsync();
        using var official = await Server.LoginAsync("official");
        await Json(await official.PostAsJsonAsync($"/api/v1/health/residents/{key}/overrides",
            new { colour = "green", reason = "List entry was a data error", expires_at = Server.Clock.GetUtcNow().AddDays(20) }, ServerFixture.Json));
        Server.Clock.Advance(TimeSpan.FromDays(2));
        await Json(await official.PostAsync("/api/v1/health/imports/lists", Csv($"resident_id,list,since\n{id},confirmed,{Server.Clock.GetUtcNow().ToOffset(TimeSpan.FromHours(8)):yyyy-MM-dd}\n")));
        Assert.Equal("red", (await Code(resident)).GetProperty("colour").GetString());
    }

    [Fact]
    public async Task RiskArea_CityInSixDigitForm_GradesTheCountiesInIt()
    {
        var (resident, _, _) = await Server.NewResidentAsync();
        var trip = DateOnly.FromDateTime(Server.Clock.GetUtcNow().ToOffset(TimeSpan.FromHours(8)).DateTime).AddDays(-3);
        await Json(await resident.PostAsJsonAsync("/api/v1/me/declarations", new { temperature = 36.5, travel = new[] { new { division = "420106", date = trip } } }, ServerFixture.Json));
        using var official = await Server.LoginAsync("official");
        await Json(await official.PutAsJsonAsync("/api/v1/health/risk-areas/420100", new { level = "high" }, ServerFixture.Json));
        Assert.Equal("yellow", (await Code(resident)).GetProperty("colour").GetString());
        var areas = await Json(await official.GetAsync("/api/v1/health/risk-areas"));
        Assert.Equal("high", areas.GetProperty("4201").GetString());
    }

    [Fact]
    public async Task BadInput_JsonTypeOrHugeRelease_400NamingTheField()
    {
        var (resident, _, _) = await Server.NewResidentAsync();
        var wrongType = await resident.PostAsync("/api/v1/me/declarations", new StringContent("""{"temperature":"hot"}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, wrongType.StatusCode);
        Assert.Contains("temperature", await wrongType.Content.ReadAsStringAsync());

        using var official = await Server.LoginAsync("official");
        var huge = await official.PutAsync("/api/v1/health/rules", new StringContent(
            """{"name":"x","rules":[{"id":"a","colour":"yellow","when":{"var":"declaration.fever"},"reason":"r","release":{"normal_checkins":2147483647}}]}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, huge.StatusCode);
        Assert.Contains("normal_checkins", await huge.Content.ReadAsStringAsync());

        using var admin = await Server.LoginAsync("admin");
        var farFuture = await admin.PostAsJsonAsync("/api/v1/admin/recompute", new { at = "9999-12-31T00:00:00Z" }, ServerFixture.Json);
        Assert.Equal(HttpStatusCode.BadRequest, farFuture.StatusCode);
        Assert.Contains("\"at\"", await farFuture.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Override_RejectedThenApproved_SecondDecisionConflicts()
    {
        var (resident, _, key) = await Server.NewResidentAsync();
        using var official = await Server.LoginAsync("official");
        using var official2 = await Server.LoginAsync("official2");
        var o = await Json(await official.PostAsJsonAsync($"/api/v1/health/residents/{key}/overrides",
            new { colour = "red", reason = "Suspected from hospital report", expires_at = Server.Clock.GetUtcNow().AddDays(2) }, ServerFixture.Json));
        var id = o.GetProperty("id").GetInt64();
        await Json(await official2.PostAsync($"/api/v1/health/overrides/{id}/reject", null));
        var late = await official2.PostAsync($"/api/v1/health/overrides/{id}/approve", null);
        Assert.Equal(HttpStatusCode.Conflict, late.StatusCode);
        Assert.Equal("green", (await Code(resident)).GetProperty("colour").GetString());
    }
}

public sealed class HealthCodeFlowSqliteTests(SqliteServer server) : HealthCodeFlowTests<SqliteServer>(server), IClassFixture<SqliteServer>;

public sealed class HealthCodeFlowPostgresTests(PostgresServer server) : HealthCodeFlowTests<PostgresServer>(server), IClassFixture<PostgresServer>;
