using System.Globalization;
using System.Text;
using CityBrain.Data.Identity;
using CityBrain.Domain.Identity;
using CityBrain.Features.HealthCodes;

namespace CityBrain.Commands;

/// <summary>
/// A realistic synthetic city for the demo: residents in real Hangzhou and Zhejiang counties, the health lists of an
/// outbreak (a few confirmed cases, their close and secondary contacts, inbound travellers), declarations with
/// symptoms and travel, risk grades for Wuhan and Wenzhou, and staff and resident logins. Fed through the same
/// importers an official uses, so the demo exercises the real paths. Seeded once; deterministic (seed 2020).
/// </summary>
public static class DemoCity
{
    public const string Password = "citybrain-demo";

    private static readonly string[] Counties =
    [
        "330102", "330105", "330106", "330108", "330109", "330110", "330111", "330112", "330122", "330127", "330182", // Hangzhou
        "330203", "330205", "330212", // Ningbo
        "330302", "330303", "330304", // Wenzhou
        "330402", "330502", "330602", "330702", "330782", "330802", "330902", "331002", "331102",
    ];

    private static readonly string[] Surnames = ["王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何", "林", "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾", "肖", "田", "董", "潘", "袁", "蔡", "蒋", "余", "于", "杜", "叶", "程", "魏", "苏", "吕", "丁", "任", "沈", "姚"];
    private static readonly string[] Given = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英", "霞", "平", "刚", "桂英", "建华", "文", "华", "红", "玉兰", "志强", "晓东", "海燕", "佳怡", "子涵", "浩然", "雨桐", "一诺"];

    public sealed record Login(string Username, string Role, string Note);

    public static IReadOnlyList<Login> Logins { get; private set; } = [];

    /// <summary>A confirmed case of the demo with check-ins, to try contact tracing on (synthetic data).</summary>
    public static string? SampleCase { get; private set; }

    public static async Task SeedAsync(HealthCodeService service, int residents, TextWriter output, CancellationToken ct)
    {
        var app = service.App;
        await Features.RiskMap.RiskMapDemo.LoadAsync(service, output, ct); // the real 2020 data for the risk map, once
        await using (var c = await app.Db.OpenAsync(ct))
        {
            if (ResidentStore.Count(c) > 0)
            {
                Logins = LoadLogins(c, app);
                output.WriteLine($"Demo city already loaded in {app.Db.Display} ({ResidentStore.Count(c):N0} residents).");
                return;
            }
        }
        output.WriteLine($"Building the demo city: {residents:N0} residents…");
        var rng = new Random(2020);
        var today = app.Calendar.DateOf(app.Now);
        var people = new List<(string Id, string Name, string Phone, string County)>();
        var persons = new StringBuilder("resident_id,name,phone,division_code\n");
        var seq = new Dictionary<string, int>();
        for (var i = 0; i < residents; i++)
        {
            var county = Counties[Math.Min(Counties.Length - 1, (int)(Math.Pow(rng.NextDouble(), 1.6) * Counties.Length))];
            var birth = new DateOnly(1940, 1, 1).AddDays(rng.Next(0, 365 * 80));
            var n = seq[county] = seq.GetValueOrDefault(county) + 1;
            var id = ResidentIdNumber.Create(county, birth, n % 1000).Value;
            var name = Surnames[rng.Next(Surnames.Length)] + Given[rng.Next(Given.Length)];
            var phone = "13" + rng.Next(0, 10).ToString(CultureInfo.InvariantCulture) + rng.Next(10_000_000, 99_999_999).ToString(CultureInfo.InvariantCulture);
            people.Add((id, name, phone, county));
            persons.Append(CultureInfo.InvariantCulture, $"{id},{name},{phone},{county}\n");
        }
        var cli = new Actor("demo", "operator");
        await service.ImportPersonsAsync(new StringReader(persons.ToString()), cli, ct);

        // Risk grades the travel rules read: Wuhan high, Wenzhou medium (as in February 2020).
        await service.SetRiskAreaAsync(cli, "420100", "high", ct);
        await service.SetRiskAreaAsync(cli, "330300", "medium", ct);

        // Declarations: most people declare, a few with symptoms or travel through risk areas.
        var declarations = new StringBuilder("resident_id,time,temperature,symptoms,travel,contact_with_case,kind\n");
        foreach (var p in people)
        {
            var roll = rng.NextDouble();
            if (roll > 0.85)
            {
                continue;
            }
            var daysAgo = rng.Next(0, 10);
            var at = app.Calendar.StartOf(today.AddDays(-daysAgo)).AddHours(8 + rng.Next(0, 12));
            var temp = 36.2 + rng.NextDouble() * 0.9;
            var symptoms = "";
            var travel = "";
            if (roll < 0.02)
            {
                temp = 37.4 + rng.NextDouble() * 1.2;
                symptoms = rng.NextDouble() < 0.5 ? "fever|cough" : "fever";
            }
            else if (roll < 0.05)
            {
                travel = $"420102@{today.AddDays(-daysAgo - rng.Next(1, 10)):yyyy-MM-dd}";
            }
            else if (roll < 0.09)
            {
                travel = $"330302@{today.AddDays(-daysAgo - rng.Next(1, 10)):yyyy-MM-dd}";
            }
            declarations.Append(CultureInfo.InvariantCulture, $"{p.Id},{at:yyyy-MM-ddTHH:mm:sszzz},{temp:F1},{symptoms},{travel},false,declaration\n");
            // Daily check-ins since then for some of them.
            if (rng.NextDouble() < 0.5)
            {
                for (var d = daysAgo - 1; d >= 0; d--)
                {
                    var t = app.Calendar.StartOf(today.AddDays(-d)).AddHours(7 + rng.Next(0, 3));
                    if (t <= app.Now)
                    {
                        declarations.Append(CultureInfo.InvariantCulture, $"{p.Id},{t:yyyy-MM-ddTHH:mm:sszzz},36.{rng.Next(3, 9)},,,,daily\n");
                    }
                }
            }
        }
        await service.ImportDeclarationsAsync(new StringReader(declarations.ToString()), cli, ct);

        // The health lists of an outbreak.
        var lists = new StringBuilder("resident_id,list,since\n");
        var shuffled = people.OrderBy(_ => rng.Next()).ToList();
        var k = 0;
        void Add(int count, string list)
        {
            for (var i = 0; i < count && k < shuffled.Count; i++, k++)
            {
                lists.Append(CultureInfo.InvariantCulture, $"{shuffled[k].Id},{list},{today.AddDays(-rng.Next(0, 12)):yyyy-MM-dd}\n");
            }
        }
        Add(Math.Max(3, residents / 2000), "confirmed");
        Add(Math.Max(3, residents / 1000), "suspected");
        Add(Math.Max(10, residents / 200), "close_contact");
        Add(Math.Max(10, residents / 100), "secondary_contact");
        Add(Math.Max(5, residents / 300), "inbound_quarantine");
        await service.ImportListsAsync(new StringReader(lists.ToString()), cli, "demo", ct);

        // Venues in the demo counties, and today's check-ins at them.
        await SeedVenuesAsync(service, people.Select(p => p.Id).ToList(), rng, output, ct);

        // Smart-meter readings of the demo's enterprises, December 2019 to March 2020 (synthetic): the work-resumption
        // index and its county bands on the dashboard, beside the 2020 risk-map replay.
        await SeedResumptionAsync(app, rng, output, ct);

        // Logins: staff, and three residents (green, yellow, red).
        await Features.Admin.StaffAccounts.AddAsync(app, cli, "admin", Password, Roles.Administrator, ct);
        await Features.Admin.StaffAccounts.AddAsync(app, cli, "official", Password, Roles.HealthOfficial, ct);
        await Features.Admin.StaffAccounts.AddAsync(app, cli, "official2", Password, Roles.HealthOfficial, ct);
        await Features.Admin.StaffAccounts.AddAsync(app, cli, "checkpoint", Password, Roles.Checkpoint, ct);
        await using (var c = await app.Db.OpenAsync(ct))
        {
            foreach (var colour in new[] { 0, 1, 2 })
            {
                var residentId = Dapper.SqlMapper.ExecuteScalar<long?>(c, "SELECT resident_id FROM health_state WHERE colour = @colour ORDER BY resident_id LIMIT 1", new { colour });
                if (residentId is null)
                {
                    continue;
                }
                var phone = ResidentStore.Reveal(c, residentId.Value, app.Keys.Protector)!.Value.Phone!;
                UserStore.Add(c, null, app.Keys.Protector.ResidentLogin(phone), Passwords.Hash(Password), Roles.Resident, residentId, app.Now.ToUnixTimeSeconds());
            }
            Logins = LoadLogins(c, app);
        }
        await using (var c = await app.Db.OpenAsync(ct))
        {
            var counts = await Data.HealthCodes.HealthStateStore.CountsAsync(c, ct);
            output.WriteLine($"Demo city ready: green {counts[Domain.HealthCodes.Colour.Green]:N0}, yellow {counts[Domain.HealthCodes.Colour.Yellow]:N0}, red {counts[Domain.HealthCodes.Colour.Red]:N0}.");
        }
    }

    /// <summary>The demo's sample logins; residents log in with their phone number (stored only hashed).</summary>
    private static readonly (string Type, string Name, int Capacity)[] VenueKinds =
    [
        ("market", "农贸市场", 400), ("mall", "购物中心", 3000), ("residential_compound", "小区", 0), ("station", "火车站", 8000),
        ("scenic_area", "景区", 1500), ("hospital", "医院", 2000), ("office", "写字楼", 1200), ("factory", "工厂", 800),
        ("school", "学校", 1500), ("other", "超市", 300),
    ];

    private static async Task SeedVenuesAsync(HealthCodeService service, List<string> idNumbers, Random rng, TextWriter output, CancellationToken ct)
    {
        var app = service.App;
        var venues = new StringBuilder("venue_id,name,type,division_code,lat,lon,capacity,yellow_policy\n");
        var ids = new List<string>();
        var n = 0;
        foreach (var county in Counties)
        {
            var name = app.Divisions.NameOf(county) ?? county;
            for (var i = 0; i < 8; i++)
            {
                var kind = VenueKinds[(n + i) % VenueKinds.Length];
                var id = $"V{county}-{i + 1:D3}";
                ids.Add(id);
                var lat = 27.5 + rng.NextDouble() * 3.5;
                var lon = 118.5 + rng.NextDouble() * 3.5;
                venues.Append(CultureInfo.InvariantCulture, $"{id},{name}{kind.Name}{i + 1}号,{kind.Type},{county},{lat:F5},{lon:F5},{kind.Capacity},{(kind.Type is "hospital" ? "admit" : "deny")}\n");
            }
            n++;
        }
        var cli = new Actor("demo", "operator");
        var admin = new Features.Venues.VenueAdmin(app, new Features.Venues.VenueRegistry(app));
        await admin.ImportVenuesAsync(new StringReader(venues.ToString()), cli, ct);

        // Two weeks of check-ins, as the tracing index sees a city: everybody has two or three habitual places
        // (home compound, work, a market) and now and then a popular one (Zipf-like), 0 to 3 check-ins a day between
        // 7:00 and 23:00, today only until now; some stays end with a check-out.
        var checkins = new StringBuilder("resident_id,venue_id,time,direction\n");
        var today = app.Calendar.StartOf(app.Calendar.DateOf(app.Now));
        foreach (var person in idNumbers)
        {
            var habits = Enumerable.Range(0, 2 + rng.Next(2)).Select(_ => ids[rng.Next(ids.Count)]).ToArray();
            for (var day = -13; day <= 0; day++)
            {
                var visits = rng.Next(4);
                for (var v = 0; v < visits; v++)
                {
                    var venue = rng.NextDouble() < 0.7 ? habits[rng.Next(habits.Length)] : ids[Math.Min(ids.Count - 1, (int)(Math.Pow(rng.NextDouble(), 2.2) * ids.Count))];
                    var at = today.AddDays(day).AddHours(7).AddMinutes(rng.Next(16 * 60));
                    if (at > app.Now)
                    {
                        continue;
                    }
                    checkins.Append(CultureInfo.InvariantCulture, $"{person},{venue},{at:yyyy-MM-ddTHH:mm:sszzz},in\n");
                    var leave = at.AddMinutes(20 + rng.Next(150));
                    if (rng.NextDouble() < 0.3 && leave <= app.Now)
                    {
                        checkins.Append(CultureInfo.InvariantCulture, $"{person},{venue},{leave:yyyy-MM-ddTHH:mm:sszzz},out\n");
                    }
                }
            }
        }
        var report = await admin.ImportCheckinsAsync(new StringReader(checkins.ToString()), cli, ct);

        // The police station serving each county's homes (a real deployment imports police_areas.csv).
        var police = new StringBuilder("division_code,station\n");
        foreach (var county in Counties)
        {
            police.Append(CultureInfo.InvariantCulture, $"{county},{app.Divisions.NameOf(county) ?? county}公安分局城关派出所\n");
        }
        await Cli.TracingFor(app, service, Domain.Tracing.CoPresenceIndex.Empty).ImportPoliceAreasAsync(new StringReader(police.ToString()), cli, ct);
        output.WriteLine($"Demo venues: {ids.Count}, check-ins over the last 14 days: {report.Accepted:N0}.");
    }

    private static readonly string[] Sectors =
        ["industry", "industry", "industry", "construction", "wholesale_retail", "hotels_catering", "transport", "information", "business_services", "agriculture", "public_services", "finance_real_estate"];

    /// <summary>
    /// 1,500 enterprises in the demo counties and a reading a day from 1 December 2019 (the default baseline month) to
    /// 31 March 2020: normal until the Spring Festival (24 January), then most consumption gone, and a recovery through
    /// February and March that differs by county and sector; some enterprises never reopen in the period.
    /// </summary>
    private static async Task SeedResumptionAsync(Infrastructure.CityBrainApp app, Random rng, TextWriter output, CancellationToken ct)
    {
        var enterprises = new StringBuilder("enterprise_id,name,industry,division_code,scale\n");
        var meters = new StringBuilder("enterprise_id,date,kwh\n");
        var first = new DateOnly(2019, 12, 1);
        var festival = new DateOnly(2020, 1, 24);
        var last = new DateOnly(2020, 3, 31);
        for (var i = 0; i < 1_500; i++)
        {
            var county = Counties[rng.Next(Counties.Length)];
            var sector = Sectors[rng.Next(Sectors.Length)];
            var large = rng.NextDouble() < 0.2;
            var id = $"E{county}{i:D5}";
            enterprises.Append(CultureInfo.InvariantCulture, $"{id},{app.Divisions.NameOf(county) ?? county}{sector}企业{i + 1},{sector},{county},{(large ? "above_size" : "below_size")}\n");
            var normal = (large ? 8_000 : 600) * (0.5 + rng.NextDouble());
            var reopens = festival.AddDays(10 + (int)(Math.Abs(county.GetHashCode(StringComparison.Ordinal)) % 15) + rng.Next(30));   // by county, then each firm
            var never = rng.NextDouble() < 0.08;
            for (var d = first; d <= last; d = d.AddDays(1))
            {
                double level;
                if (d < festival.AddDays(-7))
                {
                    level = 1;
                }
                else if (d < festival)
                {
                    level = 0.6;   // the week before the holiday winds down
                }
                else if (never || d < reopens)
                {
                    level = 0.08;
                }
                else
                {
                    level = Math.Min(1, 0.35 + ((d.DayNumber - reopens.DayNumber) / 30.0));
                }
                var weekend = d.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday ? 0.75 : 1;
                var kwh = normal * level * weekend * (0.9 + (rng.NextDouble() * 0.2));
                meters.Append(CultureInfo.InvariantCulture, $"{id},{d:yyyy-MM-dd},{kwh:F1}\n");
            }
        }
        var service = new Features.Resumption.ResumptionService(app, new Features.Resumption.ResumptionOptions(), Microsoft.Extensions.Logging.Abstractions.NullLogger<Features.Resumption.ResumptionService>.Instance);
        var cli = new Actor("demo", "operator");
        await service.ImportEnterprisesAsync(new StringReader(enterprises.ToString()), cli, ct);
        var report = await service.ImportMetersAsync(new StringReader(meters.ToString()), cli, ct: ct);
        output.WriteLine($"Demo work-resumption data: 1,500 enterprises, {report.Accepted:N0} daily readings (Dec 2019 – Mar 2020).");
    }

    private static List<Login> LoadLogins(System.Data.Common.DbConnection c, Infrastructure.CityBrainApp app)
    {
        var sample = Dapper.SqlMapper.ExecuteScalar<long?>(c,
            "SELECT l.resident_id FROM list_entries l JOIN checkins k ON k.resident_id = l.resident_id WHERE l.list = 0 AND l.released_at IS NULL " +
            "GROUP BY l.resident_id ORDER BY COUNT(*) DESC, l.resident_id LIMIT 1");
        SampleCase = sample is { } r ? ResidentStore.Reveal(c, r, app.Keys.Protector)?.IdNumber : null;
        return UserStore.All(c).Select(u => u.ResidentId is { } r
            ? new Login(ResidentStore.Reveal(c, r, app.Keys.Protector)!.Value.Phone!, u.Role, "resident, code " + ColourOf(c, r))
            : new Login(u.Username, u.Role, u.Role)).ToList();
    }

    private static string ColourOf(System.Data.Common.DbConnection c, long residentId) =>
        ((Domain.HealthCodes.Colour)Dapper.SqlMapper.ExecuteScalar<int>(c, "SELECT colour FROM health_state WHERE resident_id = @residentId", new { residentId })).ToString().ToLowerInvariant();

    public static void PrintWelcome(string address, TextWriter output)
    {
        output.WriteLine();
        output.WriteLine($"  Dashboard        {address}/");
        output.WriteLine($"  Resident page    {address}/resident.html");
        output.WriteLine($"  Checkpoint page  {address}/checkpoint.html");
        output.WriteLine($"  Officials' page  {address}/official.html");
        output.WriteLine($"  Contact tracing  {address}/trace.html");
        output.WriteLine($"  API description  {address}/openapi/v1.json");
        output.WriteLine();
        output.WriteLine($"  Sample logins (password for all: {Password}):");
        foreach (var l in Logins)
        {
            output.WriteLine($"    {l.Username,-14} {l.Note}");
        }
        if (SampleCase is not null)
        {
            output.WriteLine();
            output.WriteLine($"  A confirmed case to trace (synthetic): {SampleCase}");
        }
        output.WriteLine();
        output.WriteLine("  Press Ctrl+C to stop.");
    }
}
