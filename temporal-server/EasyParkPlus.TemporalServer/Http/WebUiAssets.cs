using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.StaticFiles;

namespace EasyParkPlus.TemporalServer.Http;

/// <summary>
/// The built UI as static files. It is a single-page app: a path with no file behind it (/namespaces/default/workflows,
/// say) gets index.html and the app's router renders the page. Files under _app/immutable carry a content hash in
/// their names, so browsers may keep them for good; index.html is revalidated every time.
/// </summary>
internal sealed class WebUiAssets(string? root)
{
    private static readonly FileExtensionContentTypeProvider ContentTypes = new();

    public string? Root { get; } = root is null ? null : Path.TrimEndingDirectorySeparator(Path.GetFullPath(root));

    public Results<PhysicalFileHttpResult, ContentHttpResult> Serve(HttpContext http)
    {
        if (Root is null)
        {
            return TypedResults.Content(
                "The Temporal Web UI is not built. Run ./easypark ui_build (npm install and vite build in temporal-server/ui).",
                "text/plain", statusCode: StatusCodes.Status503ServiceUnavailable);
        }
        var relative = Uri.UnescapeDataString(http.Request.Path.Value ?? "/").TrimStart('/');
        var file = relative.Length == 0 ? null : Path.GetFullPath(Path.Combine(Root, relative));
        // Only files inside the build folder; "../" or an absolute path falls back to the app.
        if (file is null || !file.StartsWith(Root + Path.DirectorySeparatorChar, StringComparison.Ordinal) || !File.Exists(file))
        {
            http.Response.Headers.CacheControl = "no-cache";
            return TypedResults.PhysicalFile(Path.Combine(Root, "index.html"), "text/html; charset=utf-8");
        }
        http.Response.Headers.CacheControl = relative.StartsWith("_app/immutable/", StringComparison.Ordinal)
            ? "public, max-age=31536000, immutable"
            : "no-cache";
        var contentType = ContentTypes.TryGetContentType(file, out var known) ? known : "application/octet-stream";
        return TypedResults.PhysicalFile(file, contentType, enableRangeProcessing: true);
    }
}
