using System.Buffers.Text;
using AgentRuntime.Blocks;
using AgentRuntime.Hosting;

namespace AgentRuntime.Sessions;

/// <summary>Checks the images of a message before anything is logged or sent to an agent.</summary>
internal static class MessageImages
{
    /// <exception cref="ArgumentException">Says which image is wrong and why.</exception>
    public static void Validate(IReadOnlyList<MessageImage> images, AgentRuntimeOptions options)
    {
        if (images.Count > options.MaxImagesPerMessage)
        {
            throw new ArgumentException($"A message may carry at most {options.MaxImagesPerMessage} images, not {images.Count}.", nameof(images));
        }

        for (var i = 0; i < images.Count; i++)
        {
            var image = images[i] ?? throw new ArgumentException($"Image {i + 1} is missing.", nameof(images));
            if (!MessageImage.MediaTypes.Contains(image.MediaType))
            {
                throw new ArgumentException($"Image {i + 1} is of type '{image.MediaType}'; the types taken are {string.Join(", ", MessageImage.MediaTypes)}.", nameof(images));
            }

            // The encoded length bounds the decoded one, so a huge string is refused before it is read through.
            if (image.Data is null || (long)image.Data.Length * 3 / 4 > options.MaxImageBytes + 2 || !Base64.IsValid(image.Data, out var decoded) || decoded > options.MaxImageBytes)
            {
                throw new ArgumentException(
                    image.Data is not null && Base64.IsValid(image.Data)
                        ? $"Image {i + 1} is larger than {options.MaxImageBytes} bytes."
                        : $"Image {i + 1} is not base64 data of at most {options.MaxImageBytes} bytes.",
                    nameof(images));
            }

            if (decoded == 0)
            {
                throw new ArgumentException($"Image {i + 1} is empty.", nameof(images));
            }
        }
    }
}
