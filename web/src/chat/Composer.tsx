import type { ImageMediaType, MessageContent } from "@agent-runtime/react";
import { useEffect, useRef, useState, type ClipboardEvent, type DragEvent, type FormEvent, type KeyboardEvent } from "react";
import { formatBytes } from "../app/format";

/** What the server takes in a message: these types, at most 5 MB each, at most 4 per message. */
export const IMAGE_TYPES: readonly ImageMediaType[] = ["image/png", "image/jpeg", "image/gif", "image/webp"];
export const MAX_IMAGE_BYTES = 5 * 1024 * 1024;
export const MAX_IMAGES = 4;

interface Attachment {
  key: number;
  name: string;
  size: number;
  mediaType: ImageMediaType;
  /** Base64, without the `data:` prefix. */
  data: string;
  /** An object URL for the preview, revoked when the attachment goes. */
  preview: string;
}

export interface ComposerProps {
  /** A turn is under way: nothing can be sent, and it can be stopped. */
  busy: boolean;
  onSend: (content: MessageContent) => Promise<unknown>;
  /** Stops the running turn (the Stop button, or Esc anywhere in the conversation). */
  onStop: () => Promise<unknown>;
}

/**
 * The message box: Enter sends, Shift+Enter starts a new line; images come by paste, drop or the attach button
 * (previewed, removable). While the agent is answering it holds, and offers Stop.
 */
export function Composer({ busy, onSend, onStop }: ComposerProps) {
  const [text, setText] = useState("");
  const [images, setImages] = useState<Attachment[]>([]);
  const [imageError, setImageError] = useState<string>();
  const [sending, setSending] = useState(false);
  const [stopping, setStopping] = useState(false);
  const fileInput = useRef<HTMLInputElement>(null);
  const nextKey = useRef(0);
  const disabled = busy || sending || (text.trim().length === 0 && images.length === 0);

  // The previews' object URLs live as long as their attachment.
  const shown = useRef<Attachment[]>([]);
  shown.current = images;
  useEffect(() => () => shown.current.forEach((image) => URL.revokeObjectURL(image.preview)), []);
  useEffect(() => {
    if (!busy) setStopping(false);
  }, [busy]);

  const send = async (event?: FormEvent) => {
    event?.preventDefault();
    if (disabled) return;
    setSending(true);
    try {
      const trimmed = text.trim();
      const content: MessageContent =
        images.length === 0
          ? trimmed
          : [
              ...(trimmed ? [{ type: "text" as const, text: trimmed }] : []),
              ...images.map((image) => ({ type: "image" as const, mediaType: image.mediaType, data: image.data })),
            ];
      await onSend(content);
      setText("");
      images.forEach((image) => URL.revokeObjectURL(image.preview));
      setImages([]);
      setImageError(undefined);
    } catch {
      // The error is shown by the conversation (useMessages().error); keep the text so it can be sent again.
    } finally {
      setSending(false);
    }
  };

  const stop = async () => {
    if (stopping) return;
    setStopping(true);
    try {
      await onStop();
    } catch {
      // The turn ended by itself meanwhile (409), or the server is away: the state the events show is what counts.
      setStopping(false);
    }
  };

  const add = async (files: File[]) => {
    const problems: string[] = [];
    const room = MAX_IMAGES - images.length;
    const accepted: Attachment[] = [];
    for (const file of files) {
      if (!IMAGE_TYPES.includes(file.type as ImageMediaType)) {
        problems.push(`${file.name || "The file"} is not a PNG, JPEG, GIF or WebP image.`);
      } else if (file.size > MAX_IMAGE_BYTES) {
        problems.push(`${file.name || "The image"} is ${formatBytes(file.size)}; the limit is 5 MB.`);
      } else if (accepted.length >= room) {
        problems.push(`At most ${MAX_IMAGES} images per message.`);
        break;
      } else {
        accepted.push({
          key: nextKey.current++,
          name: file.name || "pasted image",
          size: file.size,
          mediaType: file.type as ImageMediaType,
          data: await toBase64(file),
          preview: URL.createObjectURL(file),
        });
      }
    }
    setImages((current) => [...current, ...accepted].slice(0, MAX_IMAGES));
    setImageError(problems.length > 0 ? problems.join(" ") : undefined);
  };

  const remove = (key: number) => {
    setImages((current) => {
      const gone = current.find((image) => image.key === key);
      if (gone) URL.revokeObjectURL(gone.preview);
      return current.filter((image) => image.key !== key);
    });
    setImageError(undefined);
  };

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === "Enter" && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      void send();
    }
  };

  const onPaste = (event: ClipboardEvent<HTMLTextAreaElement>) => {
    const files = Array.from(event.clipboardData.files);
    if (files.length === 0) return;
    event.preventDefault();
    void add(files);
  };

  const onDrop = (event: DragEvent<HTMLFormElement>) => {
    const files = Array.from(event.dataTransfer.files);
    if (files.length === 0) return;
    event.preventDefault();
    void add(files);
  };

  return (
    <form className="composer" onSubmit={send} onDragOver={(e) => e.dataTransfer.types.includes("Files") && e.preventDefault()} onDrop={onDrop}>
      {(images.length > 0 || imageError) && (
        <div className="composer-attachments">
          {images.length > 0 && (
            <ul className="attachments" aria-label="Images to send" data-testid="attachments">
              {images.map((image, index) => (
                <li key={image.key} className="attachment" data-testid="attachment">
                  <img src={image.preview} alt={`Image ${index + 1}: ${image.name}`} />
                  <span className="attachment-size">{formatBytes(image.size)}</span>
                  <button
                    type="button"
                    className="attachment-remove"
                    onClick={() => remove(image.key)}
                    aria-label={`Remove image ${index + 1} (${image.name})`}
                    data-testid="attachment-remove"
                  >
                    ×
                  </button>
                </li>
              ))}
            </ul>
          )}
          {imageError && (
            <p className="field-error" role="alert" data-testid="attachment-error">
              {imageError}
            </p>
          )}
        </div>
      )}
      <div className="composer-row">
        <button
          type="button"
          className="button ghost attach-button"
          onClick={() => fileInput.current?.click()}
          disabled={images.length >= MAX_IMAGES}
          aria-label="Attach images"
          title={`Attach images (PNG, JPEG, GIF, WebP; up to ${MAX_IMAGES}, 5 MB each). You can also paste or drop them.`}
          data-testid="attach"
        >
          <svg aria-hidden="true" width="18" height="18" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round">
            <path d="M21 11.5 12.5 20a5.5 5.5 0 0 1-7.8-7.8l8.5-8.5a3.7 3.7 0 0 1 5.2 5.2l-8.5 8.5a1.8 1.8 0 0 1-2.6-2.6l7.8-7.8" />
          </svg>
        </button>
        <input
          ref={fileInput}
          type="file"
          accept={IMAGE_TYPES.join(",")}
          multiple
          hidden
          onChange={(e) => {
            void add(Array.from(e.target.files ?? []));
            e.target.value = "";
          }}
          data-testid="attach-input"
        />
        <textarea
          value={text}
          onChange={(e) => setText(e.target.value)}
          onKeyDown={onKeyDown}
          onPaste={onPaste}
          placeholder={busy ? "The agent is working… (Esc to stop)" : "Message the agent (Enter to send, Shift+Enter for a new line)"}
          rows={2}
          aria-label="Message"
          data-testid="composer-input"
        />
        {busy ? (
          <button
            type="button"
            className="button danger"
            onClick={() => void stop()}
            disabled={stopping}
            aria-label="Stop the agent (Esc)"
            aria-keyshortcuts="Escape"
            title="Stop the agent (Esc)"
            data-testid="stop"
          >
            {stopping ? "Stopping…" : "Stop"}
          </button>
        ) : (
          <button type="submit" className="button primary" disabled={disabled} data-testid="send">
            {sending ? "Sending…" : "Send"}
          </button>
        )}
      </div>
    </form>
  );
}

/** The file's bytes in base64 (in chunks: spreading megabytes of bytes into one call overflows the stack). */
async function toBase64(file: Blob): Promise<string> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  let binary = "";
  const chunk = 0x8000;
  for (let i = 0; i < bytes.length; i += chunk) binary += String.fromCharCode(...bytes.subarray(i, i + chunk));
  return btoa(binary);
}
