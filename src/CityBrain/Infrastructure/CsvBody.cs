namespace CityBrain.Infrastructure;

/// <summary>The CSV imports over HTTP: the body is read as UTF-8 text, and the OpenAPI document says so.</summary>
public static class CsvBody
{
    /// <summary>
    /// Describes the body as text/csv in the OpenAPI document. (Not <c>Accepts</c>: that would also refuse other content
    /// types with a 415 before authorisation, and the body is read as text whatever its declared type.)
    /// </summary>
    public static RouteHandlerBuilder AcceptsCsv(this RouteHandlerBuilder endpoint) =>
        endpoint.AddOpenApiOperationTransformer((operation, _, _) =>
        {
            operation.RequestBody = new Microsoft.OpenApi.OpenApiRequestBody
            {
                Required = true,
                Description = "a CSV file with a header row (UTF-8)",
                Content = new Dictionary<string, Microsoft.OpenApi.OpenApiMediaType>
                {
                    ["text/csv"] = new() { Schema = new Microsoft.OpenApi.OpenApiSchema { Type = Microsoft.OpenApi.JsonSchemaType.String } },
                },
            };
            return Task.CompletedTask;
        });

    /// <summary>The whole body as a reader (imports over HTTP are bounded by the server's body size limit).</summary>
    public static async Task<TextReader> ReadAsync(HttpRequest request, CancellationToken ct)
    {
        using var body = new StreamReader(request.Body, System.Text.Encoding.UTF8);
        return new StringReader(await body.ReadToEndAsync(ct));
    }
}
