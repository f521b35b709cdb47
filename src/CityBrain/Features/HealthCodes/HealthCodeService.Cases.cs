using System.Data.Common;
using System.Globalization;
using CityBrain.Data.Audit;
using CityBrain.Data.HealthCodes;
using CityBrain.Data.Identity;
using CityBrain.Domain.HealthCodes;
using CityBrain.Domain.Identity;
using Dapper;

namespace CityBrain.Features.HealthCodes;

public sealed record TravelInput(string Division, DateOnly Date);

public sealed record DeclarationInput(decimal? Temperature, IReadOnlyList<string>? Symptoms, IReadOnlyList<TravelInput>? Travel, bool ContactWithCase);

public sealed record RegistrationInput(string? IdNumber, string? Name, string? Phone, string? DivisionCode, string? Password);

public sealed record TokenView(string Token, string Colour, DateTimeOffset IssuedAt, DateTimeOffset ExpiresAt, string KeyId);

public sealed record VerifyResult(bool Valid, bool Pass, string? Colour, string? MaskedName, string Reason, DateTimeOffset? ExpiresAt);

public sealed partial class HealthCodeService
{
    // ---------- residents ----------

    public PersonInput ValidatePerson(string? idNumber, string? name, string? phone, string? division, string idField = "resident_id")
    {
        var today = App.Calendar.DateOf(App.Now);
        if (!ResidentIdNumber.TryParse(idNumber, today, App.Divisions.IsPlausibleIdPrefix, out var id, out var error))
        {
            throw new InputException(idField, error);
        }
        name = name?.Trim();
        if (string.IsNullOrEmpty(name) || name.Length > 50)
        {
            throw new InputException("name", "name is required and at most 50 characters");
        }
        phone = string.IsNullOrWhiteSpace(phone) ? null : phone.Trim();
        if (phone is not null && !(phone.Length == 11 && phone[0] == '1' && phone.All(char.IsAsciiDigit)))
        {
            throw new InputException("phone", "phone must be an 11-digit mobile number starting with 1");
        }
        division = division?.Trim();
        if (!DivisionCode.IsWellFormed(division) || !App.Divisions.Contains(division!))
        {
            throw new InputException("division_code", $"'{division}' is not a known division code");
        }
        return new PersonInput(id, name, phone, division!);
    }

    /// <summary>
    /// Self-registration: a resident with a login (the phone number). A person the health system already imported can
    /// register only with the name (and phone, if one is on file) it holds; nothing an anonymous caller sends overwrites
    /// stored data, and the refusal does not say whether the ID number is known.
    /// </summary>
    public async Task<long> RegisterAsync(RegistrationInput input, CancellationToken ct = default)
    {
        var person = ValidatePerson(input.IdNumber, input.Name, input.Phone, input.DivisionCode, idField: "id_number");
        if (person.Phone is null)
        {
            throw new InputException("phone", "phone is required to register (it is the login name)");
        }
        if (input.Password is null || input.Password.Length < 8)
        {
            throw new InputException("password", "password must have at least 8 characters");
        }
        var protector = App.Keys.Protector;
        var login = protector.ResidentLogin(person.Phone);
        await using var c = await App.Db.OpenAsync(ct);
        if (UserStore.Find(c, login) is not null)
        {
            throw new ConflictException("phone", "this phone number is already registered");
        }
        var hash = Passwords.Hash(input.Password);
        await using var tx = await c.BeginTransactionAsync(ct);
        var now = App.Now.ToUnixTimeSeconds();
        long residentId;
        if (ResidentStore.FindByIdNumber(c, tx, person.IdNumber.Value, protector) is { } existing)
        {
            var known = ResidentStore.Reveal(c, existing, protector)!.Value;
            if (UserStore.FindByResident(c, existing) is not null || known.Name != person.Name || (known.Phone is not null && known.Phone != person.Phone))
            {
                throw new ConflictException("id_number", "these details cannot be registered; if they are yours, ask your community office");
            }
            ResidentStore.SetPhoneIfMissing(c, tx, existing, person.Phone, protector);
            residentId = existing;
        }
        else
        {
            residentId = ResidentStore.Upsert(c, tx, [person], protector, now)[0].Id;
        }
        UserStore.Add(c, tx, login, hash, Roles.Resident, residentId, now);
        await ChangeAsync(c, tx, residentId, "registration", null, ct);
        await tx.CommitAsync(ct);
        return residentId;
    }

    // ---------- declarations and daily check-ins ----------

    internal (int? TempX10, Symptoms Symptoms, string? Travel) ValidateDeclaration(DeclarationInput d, DateOnly today, string prefix = "")
    {
        int? temp = null;
        if (d.Temperature is { } t)
        {
            if (t is < 34m or > 43m)
            {
                throw new InputException(prefix + "temperature", "temperature must be between 34.0 and 43.0 °C");
            }
            temp = (int)Math.Round(t * 10m, MidpointRounding.AwayFromZero);
        }
        var symptoms = Symptoms.None;
        foreach (var s in d.Symptoms ?? [])
        {
            if (!SymptomNames.TryParse(s, out var flag))
            {
                throw new InputException(prefix + "symptoms", $"unknown symptom '{s}'; use {string.Join(", ", SymptomNames.All.Select(x => x.Name))}");
            }
            symptoms |= flag;
        }
        var travel = new List<TravelItem>();
        foreach (var (item, i) in (d.Travel ?? []).Select((x, i) => (x, i)))
        {
            if (item is null || !DivisionCode.IsWellFormed(item.Division) || !App.Divisions.Contains(item.Division))
            {
                throw new InputException($"{prefix}travel[{i}].division", $"'{item?.Division}' is not a known division code");
            }
            if (item.Date > today || item.Date < today.AddDays(-30))
            {
                throw new InputException($"{prefix}travel[{i}].date", "travel dates must be within the last 30 days");
            }
            travel.Add(new TravelItem(item.Division, item.Date.DayNumber));
        }
        if (travel.Count > 50)
        {
            throw new InputException(prefix + "travel", "at most 50 travel entries");
        }
        return (temp, symptoms, travel.Count == 0 ? null : TravelItems.Format(travel));
    }

    /// <summary>A full self-declaration (健康申报): the code is recomputed at once.</summary>
    public async Task<CodeView> DeclareAsync(long residentId, DeclarationInput d, CancellationToken ct = default)
    {
        var now = App.Now;
        var today = App.Calendar.DateOf(now);
        var (temp, symptoms, travel) = ValidateDeclaration(d, today);
        await using var c = await App.Db.OpenAsync(ct);
        await using var tx = await c.BeginTransactionAsync(ct);
        DeclarationStore.Add(c, tx, residentId, now.ToUnixTimeSeconds(), false, temp, symptoms, d.ContactWithCase, travel);
        await ChangeAsync(c, tx, residentId, "declaration", f => ApplyDeclaration(f, today.DayNumber, temp, symptoms, d.ContactWithCase, travel), ct);
        await tx.CommitAsync(ct);
        return (await GetCodeAsync(residentId, ct))!;
    }

    private static void ApplyDeclaration(HealthFacts f, int day, int? temp, Symptoms symptoms, bool contact, string? travel)
    {
        if (day >= f.DeclarationDay)
        {
            f.DeclarationDay = day;
            f.TemperatureX10 = temp ?? 0;
            f.Symptoms = symptoms;
            f.ContactWithCase = contact;
            f.Travel = travel;
        }
        f.RecordCheckin(day, SymptomNames.IsAbnormal(symptoms, temp));
    }

    /// <summary>The daily health check-in (每日健康打卡): temperature and symptoms.</summary>
    public async Task<CodeView> DailyCheckinAsync(long residentId, decimal? temperature, IReadOnlyList<string>? symptomNames, CancellationToken ct = default)
    {
        var now = App.Now;
        var today = App.Calendar.DateOf(now);
        var (temp, symptoms, _) = ValidateDeclaration(new DeclarationInput(temperature, symptomNames, null, false), today);
        await using var c = await App.Db.OpenAsync(ct);
        await using var tx = await c.BeginTransactionAsync(ct);
        DeclarationStore.Add(c, tx, residentId, now.ToUnixTimeSeconds(), true, temp, symptoms, false, null);
        await ChangeAsync(c, tx, residentId, "daily", f => f.RecordCheckin(today.DayNumber, SymptomNames.IsAbnormal(symptoms, temp)), ct);
        await tx.CommitAsync(ct);
        return (await GetCodeAsync(residentId, ct))!;
    }

    // ---------- tokens ----------

    public async Task<TokenView> IssueTokenAsync(long residentId, CancellationToken ct = default)
    {
        var code = await GetCodeAsync(residentId, ct) ?? throw new NotFoundException("no such resident");
        Colours.TryParse(code.Colour, out var colour);
        var now = App.Now;
        var lifetime = App.Options.TokenLifetimeSeconds;
        var token = App.Keys.Issuer.Issue(residentId, colour, now, lifetime);
        return new TokenView(token, code.Colour, DateTimeOffset.FromUnixTimeSeconds(now.ToUnixTimeSeconds()),
            DateTimeOffset.FromUnixTimeSeconds(now.ToUnixTimeSeconds() + lifetime), Domain.HealthCodes.Tokens.CodeToken.KeyIdText(App.Keys.Issuer.KeyId));
    }

    /// <summary>
    /// The online check at a checkpoint: the token must verify, and the answer uses the resident's colour now (which
    /// may be stricter than the colour in the token if it changed since it was issued).
    /// </summary>
    public async Task<VerifyResult> VerifyAsync(string? token, CancellationToken ct = default)
    {
        if (string.IsNullOrWhiteSpace(token))
        {
            throw new InputException("token", "token is required");
        }
        var check = App.Keys.Recognizer.Recognize(token, App.Now);
        if (!check.IsValid)
        {
            return new VerifyResult(false, false, null, null, check.Reason, null);
        }
        await using var c = await App.Db.OpenAsync(ct);
        var code = await FreshCodeAsync(c, check.Token.Subject, ct);
        var resident = ResidentStore.Get(c, check.Token.Subject);
        if (code is null || resident is null)
        {
            return new VerifyResult(false, false, null, null, "the resident of this code is not known", check.Token.ExpiresAt);
        }
        var colour = code.Colour; // the colour now, even if the token carries an older one
        var pass = colour == Colour.Green || (colour == Colour.Yellow && App.Options.YellowPolicy == "admit");
        var reason = colour switch
        {
            Colour.Green => "green: pass",
            Colour.Yellow => pass ? "yellow: admit and record" : "yellow: not admitted by this venue's policy",
            _ => "red: not admitted; refer to the health authorities",
        };
        return new VerifyResult(true, pass, colour.Name(), resident.NameMasked, reason, check.Token.ExpiresAt);
    }

    // ---------- overrides (hand-set colours) ----------

    public async Task<OverrideRow> SetOverrideAsync(Actor actor, long residentId, string? colourName, string? reason, DateTimeOffset? expiresAt, CancellationToken ct = default)
    {
        if (!Colours.TryParse(colourName, out var colour))
        {
            throw new InputException("colour", "colour must be green, yellow or red");
        }
        if (string.IsNullOrWhiteSpace(reason) || reason.Trim().Length < 5)
        {
            throw new InputException("reason", "a reason of at least 5 characters is required; the resident sees it");
        }
        var now = App.Now;
        if (expiresAt is null || expiresAt <= now || expiresAt > now.AddDays(30))
        {
            throw new InputException("expires_at", "expires_at is required, in the future and at most 30 days ahead");
        }
        await using var c = await App.Db.OpenAsync(ct);
        if (ResidentStore.Get(c, residentId) is null)
        {
            throw new NotFoundException("no such resident");
        }
        await using var tx = await c.BeginTransactionAsync(ct);
        // A red set by hand bars a person from everywhere: it takes effect only when a second official approves it.
        var status = colour == Colour.Red ? "pending" : "active";
        var id = OverrideStore.Add(c, tx, residentId, colour, reason.Trim(), expiresAt.Value.ToUnixTimeSeconds(), actor.Name, now.ToUnixTimeSeconds(), "pending");
        Audit(c, tx, actor, "override.set", residentId, $"override {id}: {colour.Name()} until {expiresAt:O} ({status}): {reason.Trim()}");
        if (status == "active")
        {
            await ActivateOverrideAsync(c, tx, id, residentId, null, ct);
        }
        await tx.CommitAsync(ct);
        return OverrideStore.Get(c, null, id)!;
    }

    public async Task<OverrideRow> DecideOverrideAsync(Actor actor, long overrideId, bool approve, CancellationToken ct = default)
    {
        await using var c = await App.Db.OpenAsync(ct);
        await using var tx = await c.BeginTransactionAsync(ct);
        var o = OverrideStore.Get(c, tx, overrideId) ?? throw new NotFoundException($"no override {overrideId}");
        if (o.Status != "pending")
        {
            throw new ConflictException("status", $"override {overrideId} is {o.Status}, not pending");
        }
        if (o.SetBy == actor.Name)
        {
            throw new ConflictException("approver", "a second official must approve: the one who set it cannot");
        }
        var moved = approve
            ? await ActivateOverrideAsync(c, tx, o.Id, o.ResidentId, actor.Name, ct)
            : OverrideStore.Transition(c, tx, o.Id, "pending", "rejected", actor.Name, App.Now.ToUnixTimeSeconds());
        if (!moved)
        {
            throw new ConflictException("status", $"override {overrideId} was decided by another official just now");
        }
        Audit(c, tx, actor, approve ? "override.approve" : "override.reject", o.ResidentId, $"override {o.Id}");
        await tx.CommitAsync(ct);
        return OverrideStore.Get(c, null, o.Id)!;
    }

    public async Task<OverrideRow> RevokeOverrideAsync(Actor actor, long overrideId, CancellationToken ct = default)
    {
        await using var c = await App.Db.OpenAsync(ct);
        await using var tx = await c.BeginTransactionAsync(ct);
        var o = OverrideStore.Get(c, tx, overrideId) ?? throw new NotFoundException($"no override {overrideId}");
        if (o.Status is not ("active" or "pending"))
        {
            throw new ConflictException("status", $"override {overrideId} is {o.Status}");
        }
        if (!OverrideStore.Transition(c, tx, o.Id, o.Status, "revoked", actor.Name, App.Now.ToUnixTimeSeconds()))
        {
            throw new ConflictException("status", $"override {overrideId} was changed by another official just now");
        }
        if (o.Status == "active")
        {
            HealthStateStore.SaveOverride(c, tx, o.ResidentId, null, null, null);
            await ChangeAsync(c, tx, o.ResidentId, "override", null, ct);
        }
        Audit(c, tx, actor, "override.revoke", o.ResidentId, $"override {o.Id}");
        await tx.CommitAsync(ct);
        return OverrideStore.Get(c, null, o.Id)!;
    }

    private async Task<bool> ActivateOverrideAsync(DbConnection c, DbTransaction tx, long id, long residentId, string? approvedBy, CancellationToken ct, string from = "pending")
    {
        if (!OverrideStore.Activate(c, tx, id, residentId, approvedBy, App.Now.ToUnixTimeSeconds(), from))
        {
            return false;
        }
        var o = OverrideStore.Get(c, tx, id)!;
        HealthStateStore.SaveOverride(c, tx, residentId, o.Colour, o.ExpiresAt.ToUnixTimeSeconds(), o.Reason, App.Calendar.DayOf(o.SetAt));
        await ChangeAsync(c, tx, residentId, "override", null, ct);
        return true;
    }

    // ---------- appeals (申诉) ----------

    public async Task<AppealRow> FileAppealAsync(long residentId, string? text, CancellationToken ct = default)
    {
        if (string.IsNullOrWhiteSpace(text) || text.Trim().Length < 5 || text.Length > 2000)
        {
            throw new InputException("text", "say why the colour is wrong, in 5 to 2000 characters");
        }
        await using var c = await App.Db.OpenAsync(ct);
        if (AppealStore.List(c, "open", residentId).Count > 0)
        {
            throw new ConflictException("appeal", "you already have an open appeal");
        }
        var code = await HealthStateStore.GetCodeAsync(c, residentId, ct) ?? throw new NotFoundException("no such resident");
        await using var tx = await c.BeginTransactionAsync(ct);
        var id = AppealStore.File(c, tx, residentId, code.Colour, code.Rules, text.Trim(), App.Now.ToUnixTimeSeconds());
        AuditLog.Write(c, tx, App.Now.ToUnixTimeSeconds(), "resident", Roles.Resident, "appeal.file", residentId, $"appeal {id} against {code.Colour.Name()} ({code.Rules})");
        await tx.CommitAsync(ct);
        return AppealStore.Get(c, null, id)!;
    }

    /// <summary>
    /// An official decides an appeal: upheld (the colour stays) or overturned (a hand-set colour, green unless said
    /// otherwise, until <paramref name="expiresAt"/>, default 14 days). The outcome is recorded and audited.
    /// </summary>
    public async Task<AppealRow> DecideAppealAsync(Actor actor, long appealId, string? decision, string? outcome, string? colourName, DateTimeOffset? expiresAt, CancellationToken ct = default)
    {
        if (decision is not ("upheld" or "overturned"))
        {
            throw new InputException("decision", "decision must be upheld or overturned");
        }
        if (string.IsNullOrWhiteSpace(outcome))
        {
            throw new InputException("outcome", "say what was decided and why; the resident sees it");
        }
        var colour = Colour.Green;
        if (colourName is not null && !Colours.TryParse(colourName, out colour))
        {
            throw new InputException("colour", "colour must be green, yellow or red");
        }
        if (decision == "overturned" && colour == Colour.Red)
        {
            throw new InputException("colour", "an appeal cannot make a code red; set a colour by hand instead");
        }
        var now = App.Now;
        var until = expiresAt ?? now.AddDays(14);
        if (until <= now || until > now.AddDays(30))
        {
            throw new InputException("expires_at", "expires_at must be in the future and at most 30 days ahead");
        }
        await using var c = await App.Db.OpenAsync(ct);
        await using var tx = await c.BeginTransactionAsync(ct);
        var a = AppealStore.Get(c, tx, appealId) ?? throw new NotFoundException($"no appeal {appealId}");
        if (a.Status != "open")
        {
            throw new ConflictException("status", $"appeal {appealId} was already decided ({a.Status})");
        }
        if (!AppealStore.Decide(c, tx, a.Id, decision, actor.Name, outcome.Trim(), now.ToUnixTimeSeconds()))
        {
            throw new ConflictException("status", $"appeal {appealId} was decided by another official just now");
        }
        if (decision == "overturned")
        {
            var id = OverrideStore.Add(c, tx, a.ResidentId, colour, $"appeal {a.Id} overturned: {outcome.Trim()}", until.ToUnixTimeSeconds(), actor.Name, now.ToUnixTimeSeconds(), "pending");
            await ActivateOverrideAsync(c, tx, id, a.ResidentId, null, ct);
        }
        Audit(c, tx, actor, "appeal.decide", a.ResidentId, $"appeal {a.Id} {decision}: {outcome.Trim()}");
        await tx.CommitAsync(ct);
        return AppealStore.Get(c, null, a.Id)!;
    }

    /// <summary>Puts a resident on a list from <paramref name="since"/> and recomputes the code in the caller's
    /// transaction (a confirmed trace); returns whether the code's facts changed (false: already on that list).</summary>
    public async Task<bool> JoinListAsync(DbConnection c, DbTransaction tx, long residentId, ListKind list, DateTimeOffset since, string source, CancellationToken ct = default)
    {
        if (!ListStore.Join(c, tx, residentId, list, since.ToUnixTimeSeconds(), App.Now.ToUnixTimeSeconds(), source))
        {
            return false;
        }
        var day = App.Calendar.DayOf(since);
        return await ChangeAsync(c, tx, residentId, "list", f =>
        {
            f.Lists |= (byte)(1 << (int)list);
            f.ListSinceDay[(int)list] = day;
        }, ct);
    }

    // ---------- risk areas ----------

    public async Task<int> SetRiskAreaAsync(Actor actor, string? code, string? level, CancellationToken ct = default)
    {
        if (!DivisionCode.IsWellFormed(code) || !App.Divisions.Contains(code!))
        {
            throw new InputException("division_code", $"'{code}' is not a known division code");
        }
        // A city or province is often written in its 6-digit form (420100 Wuhan, 330000 Zhejiang); grades are kept
        // under the short prefix that the codes inside it start with (4201, 33).
        code = DivisionCode.Normalise(code!);
        if (!RiskRanks.TryParse(level, out var rank))
        {
            throw new InputException("level", "level must be low, medium or high");
        }
        await using var c = await App.Db.OpenAsync(ct);
        await using (var tx = await c.BeginTransactionAsync(ct))
        {
            RiskAreaStore.Set(c, tx, code!, rank, actor.Name, App.Now.ToUnixTimeSeconds());
            Audit(c, tx, actor, "risk.set", null, $"{code} {rank.Name()}");
            await tx.CommitAsync(ct);
        }
        ForgetRisk();
        var affected = RiskAreaStore.ResidentsTravelledThrough(c, code);
        return await RecomputeResidentsAsync(c, affected, "risk", ct);
    }

    // ---------- an official's view of a resident ----------

    public sealed record ResidentDetail(long ResidentKey, string IdNumberMasked, string Name, string? Phone, string DivisionCode, CodeView Code,
        IReadOnlyList<ListStore.Membership> Lists, IReadOnlyList<DeclarationStore.Row> Declarations, IReadOnlyList<OverrideRow> Overrides, IReadOnlyList<AppealRow> Appeals);

    /// <summary>Everything about a resident, for a health official; the read is audited.</summary>
    public async Task<ResidentDetail> ResidentDetailAsync(Actor actor, long residentId, string why, CancellationToken ct = default)
    {
        if (string.IsNullOrWhiteSpace(why) || why.Trim().Length < 5)
        {
            throw new InputException("why", "say why you need this person's data (a case number or purpose, at least 5 characters); it goes into the audit log");
        }
        await using var c = await App.Db.OpenAsync(ct);
        var row = ResidentStore.Get(c, residentId) ?? throw new NotFoundException($"no resident with key {residentId}");
        var who = ResidentStore.Reveal(c, residentId, App.Keys.Protector)!.Value;
        var code = await HealthStateStore.GetCodeAsync(c, residentId, ct);
        Audit(c, null, actor, "resident.read", residentId, why.Trim());
        var id = ResidentIdNumber.TryParse(who.IdNumber, DateOnly.MaxValue, null, out var parsed, out _) ? parsed.Masked : "****";
        return new ResidentDetail(residentId, id, who.Name, who.Phone is null ? null : Masking.Phone(who.Phone), row.DivisionCode, View(code!),
            ListStore.History(c, residentId), DeclarationStore.Recent(c, residentId, 20), OverrideStore.List(c, null, residentId), AppealStore.List(c, null, residentId));
    }

    public async Task<long?> FindResidentAsync(string idNumber, CancellationToken ct = default)
    {
        await using var c = await App.Db.OpenAsync(ct);
        return ResidentStore.FindByIdNumber(c, null, idNumber.Trim().ToUpperInvariant(), App.Keys.Protector);
    }

    private static readonly string[] OffsetFormats =
    [
        "yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK", "yyyy-MM-dd'T'HH:mmK", "yyyy-MM-dd HH:mm:ssK", "yyyy-MM-dd HH:mmK",
        "yyyy-MM-dd'T'HH:mm:sszz", "yyyy-MM-dd'T'HH:mmzz", "yyyy-MM-dd HH:mm:sszz", "yyyy-MM-dd HH:mmzz",
    ];

    private static readonly string[] LocalFormats =
        ["yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF", "yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd HH:mm"];

    /// <summary>
    /// ISO 8601: a date-time with an offset (Z, +08:00, +08), a local date-time (the city's time zone, never the
    /// server's), or a date alone (local midnight).
    /// </summary>
    internal static DateTimeOffset ParseTime(string text, Domain.Common.CityCalendar calendar)
    {
        text = text.Trim();
        if (DateTimeOffset.TryParseExact(text, OffsetFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out var t) && HasOffset(text))
        {
            return t;
        }
        if (DateTime.TryParseExact(text, LocalFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out var local))
        {
            local = DateTime.SpecifyKind(local, DateTimeKind.Unspecified);
            return new DateTimeOffset(local, calendar.Zone.GetUtcOffset(local));
        }
        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d))
        {
            return calendar.StartOf(d);
        }
        throw new FormatException($"'{text}' is not an ISO 8601 date or date-time");
    }

    private static bool HasOffset(string text) =>
        text.EndsWith('Z') || text.EndsWith('z') || System.Text.RegularExpressions.Regex.IsMatch(text, @"[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?[+-]\d{2}(:?\d{2})?$");
}

public sealed class ConflictException(string field, string message) : Exception(message)
{
    public string Field { get; } = field;
}
