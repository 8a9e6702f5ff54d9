import { useAgentService } from "@agent-runtime/react";
import { useEffect, useState } from "react";
import { formatBytes } from "../app/format";
import { FileDownload } from "./DownloadLink";
import type { LiveFile } from "./useLiveFiles";

const PREVIEW_LIMIT = 2 * 1024 * 1024;

type Loaded = { kind: "text"; text: string } | { kind: "binary" } | { kind: "error"; message: string };

/** One file's text (from its file event when that carried it, else from the file API), kept current as it changes. */
export function FileViewer({
  sessionId,
  path,
  file,
  content,
  onClose,
}: {
  sessionId: string;
  path: string;
  file: LiveFile | undefined;
  content: string | undefined;
  onClose: () => void;
}) {
  const service = useAgentService();
  const [loaded, setLoaded] = useState<{ hash: string; value: Loaded }>();
  const hash = file?.hash;
  const tooBig = (file?.size ?? 0) > PREVIEW_LIMIT;

  useEffect(() => {
    if (!hash || content !== undefined || tooBig) return;
    const abort = new AbortController();
    service.rest
      .readFileBytes(sessionId, path, abort.signal)
      .then((buffer) => {
        const bytes = new Uint8Array(buffer);
        let value: Loaded;
        try {
          if (bytes.subarray(0, 8000).includes(0)) throw new Error("binary");
          value = { kind: "text", text: new TextDecoder("utf-8", { fatal: true }).decode(bytes) };
        } catch {
          value = { kind: "binary" };
        }
        setLoaded({ hash, value });
      })
      .catch((error: unknown) => {
        if (!abort.signal.aborted) setLoaded({ hash, value: { kind: "error", message: error instanceof Error ? error.message : String(error) } });
      });
    return () => abort.abort();
  }, [service, sessionId, path, hash, content, tooBig]);

  let body;
  if (!file) body = <p className="muted small pad">This file was deleted.</p>;
  else if (content !== undefined) body = <pre className="viewer-text" data-testid="file-content">{content}</pre>;
  else if (tooBig) body = <p className="muted small pad">Too large to preview ({formatBytes(file.size)}); download it instead.</p>;
  else if (!loaded || loaded.hash !== file.hash) body = <p className="muted small pad">Loading…</p>;
  else if (loaded.value.kind === "text") body = <pre className="viewer-text" data-testid="file-content">{loaded.value.text}</pre>;
  else if (loaded.value.kind === "binary") body = <p className="muted small pad">Binary file ({formatBytes(file.size)}); download it to open it.</p>;
  else body = <p className="notice notice-error small">Could not read the file: {loaded.value.message}</p>;

  return (
    <div className="viewer" data-testid="file-viewer" data-path={path}>
      <div className="viewer-header">
        <code className="viewer-path" title={path}>{path}</code>
        {file && <span className="muted small">{formatBytes(file.size)}</span>}
        {file && (
          <FileDownload sessionId={sessionId} path={path} className="button small">
            Download
          </FileDownload>
        )}
        <button type="button" className="button small ghost" onClick={onClose} aria-label="Close the file">
          ✕
        </button>
      </div>
      {body}
    </div>
  );
}
