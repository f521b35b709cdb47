using System.Net;
using System.Text;
using System.Text.Json;

namespace CityBrain.Tests.Infrastructure;

/// <summary>What the HTTP tests assert about answers: a success with its JSON, or a ProblemDetails with its status.</summary>
public static class Http
{
    /// <summary>A CSV body for the import endpoints.</summary>
    public static StringContent Csv(string text) => new(text, Encoding.UTF8, "text/csv");

    /// <summary>The JSON of a successful answer (default for an empty body); fails the test with the body otherwise.</summary>
    public static async Task<JsonElement> Json(HttpResponseMessage r)
    {
        var text = await r.Content.ReadAsStringAsync();
        Assert.True(r.IsSuccessStatusCode, $"{(int)r.StatusCode} {r.RequestMessage?.RequestUri}: {text}");
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement;
    }

    /// <summary>The ProblemDetails of an error answer with the expected status.</summary>
    public static async Task<JsonElement> Problem(HttpResponseMessage r, HttpStatusCode status = HttpStatusCode.BadRequest)
    {
        var text = await r.Content.ReadAsStringAsync();
        Assert.True(r.StatusCode == status, $"{(int)r.StatusCode}: {text}");
        Assert.Equal("application/problem+json", r.Content.Headers.ContentType?.MediaType);
        return JsonDocument.Parse(text).RootElement;
    }
}
