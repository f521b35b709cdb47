using System.Net;
using System.Net.Http.Headers;

namespace CityBrain.Tests.Infrastructure;

/// <summary>The pages' files: compressed, the library and boundaries cached, pages revalidated.</summary>
public sealed class StaticFileTests(SqliteServer server) : IClassFixture<SqliteServer>
{
    [Theory]
    [InlineData("/lib/echarts.min.js", "public, max-age=86400")]
    [InlineData("/geo/zhejiang-county.json", "public, max-age=86400")]
    [InlineData("/", "no-cache")]
    [InlineData("/trace.js", "no-cache")]
    public async Task Get_WithGzip_CompressedAndCachedAsIntended(string path, string cacheControl)
    {
        using var http = new HttpClient(new HttpClientHandler { AutomaticDecompression = DecompressionMethods.None }) { BaseAddress = server.BaseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.AcceptEncoding.Add(new StringWithQualityHeaderValue("gzip"));
        using var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(cacheControl, response.Headers.CacheControl?.ToString());
        Assert.Contains("gzip", response.Content.Headers.ContentEncoding);
    }
}
