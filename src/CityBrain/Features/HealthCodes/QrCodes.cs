using QRCoder;

namespace CityBrain.Features.HealthCodes;

/// <summary>Renders a token as a QR code in the code's colour (the colour is also printed as text beside it).</summary>
public static class QrCodes
{
    public static string Svg(string text, string colour)
    {
        using var generator = new QRCodeGenerator();
        using var data = generator.CreateQrCode(text, QRCodeGenerator.ECCLevel.M);
        var dark = colour switch
        {
            "red" => "#c62828",
            "yellow" => "#b8860b",
            _ => "#1b7f3b",
        };
        return new SvgQRCode(data).GetGraphic(new System.Drawing.Size(256, 256), dark, "#ffffff", drawQuietZones: true);
    }
}
