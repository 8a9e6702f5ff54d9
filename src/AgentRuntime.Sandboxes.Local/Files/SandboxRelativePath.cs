using System.Text;

namespace AgentRuntime.Sandboxes.Local.Files;

/// <summary>
/// The one check of the paths <see cref="SandboxFileSystem"/> takes: relative, '/'-separated, no empty, <c>.</c> or
/// <c>..</c> components, within Linux's limits. Nothing is normalised: a path either names exactly one place below
/// the root or is refused, so what is checked is what the kernel resolves. A backslash is an ordinary character.
/// Messages quote the caller's path, never the host path of the root.
/// </summary>
internal static class SandboxRelativePath
{
    /// <summary>PATH_MAX, counting the path's UTF-8 bytes.</summary>
    public const int MaxLength = 4096;

    /// <summary>NAME_MAX, counting a component's UTF-8 bytes.</summary>
    public const int MaxComponentLength = 255;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>The components of <paramref name="relativePath"/>; none for <c>""</c> when <paramref name="allowRoot"/>.</summary>
    /// <exception cref="ArgumentException">The path is not one this type accepts.</exception>
    public static string[] Split(string relativePath, bool allowRoot, string parameterName)
    {
        ArgumentNullException.ThrowIfNull(relativePath, parameterName);
        if (relativePath.Length == 0)
        {
            return allowRoot ? [] : throw new ArgumentException("The path is empty.", parameterName);
        }

        if (relativePath.Contains('\0'))
        {
            throw new ArgumentException("The path contains a NUL character.", parameterName);
        }

        int length;
        try
        {
            length = StrictUtf8.GetByteCount(relativePath);
        }
        catch (EncoderFallbackException)
        {
            // A lone surrogate would silently become U+FFFD, naming a different file than the caller meant.
            throw new ArgumentException("The path is not valid Unicode.", parameterName);
        }

        if (length > MaxLength)
        {
            throw new ArgumentException($"The path is longer than {MaxLength} bytes.", parameterName);
        }

        if (relativePath[0] == '/')
        {
            throw new ArgumentException($"The path '{relativePath}' is absolute; give it relative to the sandbox root.", parameterName);
        }

        var components = relativePath.Split('/');
        foreach (var component in components)
        {
            if (component.Length == 0)
            {
                throw new ArgumentException($"The path '{relativePath}' has an empty component ('//' or a trailing '/').", parameterName);
            }

            if (component is "." or "..")
            {
                throw new ArgumentException($"The path '{relativePath}' contains '{component}'.", parameterName);
            }

            if (Encoding.UTF8.GetByteCount(component) > MaxComponentLength)
            {
                throw new ArgumentException($"A component of the path is longer than {MaxComponentLength} bytes.", parameterName);
            }
        }

        return components;
    }
}
