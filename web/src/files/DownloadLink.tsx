import { useAgentService } from "@agent-runtime/react";
import { useState, type MouseEvent, type ReactNode } from "react";
import { fileUrl } from "../app/format";

/**
 * A download that carries the signed-in key. A plain `<a download>` cannot send an `Authorization` header, so a click
 * fetches the bytes with the REST client and saves them from a blob URL; the `href` stays for the address it shows.
 */
export function DownloadLink({
  href,
  filename,
  fetchBlob,
  className,
  title,
  children,
  testId,
}: {
  href: string;
  filename: string;
  fetchBlob: () => Promise<Blob>;
  className?: string;
  title?: string;
  children: ReactNode;
  testId?: string;
}) {
  const [state, setState] = useState<{ busy: boolean; error?: string }>({ busy: false });

  const onClick = async (event: MouseEvent<HTMLAnchorElement>) => {
    event.preventDefault();
    if (state.busy) return;
    setState({ busy: true });
    try {
      save(await fetchBlob(), filename);
      setState({ busy: false });
    } catch (error) {
      setState({ busy: false, error: `Could not download ${filename}: ${error instanceof Error ? error.message : String(error)}` });
    }
  };

  return (
    <a
      className={`${className ?? ""}${state.error ? " download-failed" : ""}`}
      href={href}
      download={filename}
      onClick={onClick}
      title={state.error ?? title}
      aria-label={title}
      aria-busy={state.busy || undefined}
      data-testid={testId}
    >
      {children}
    </a>
  );
}

/** A workspace file's download, fetched with the signed-in key. */
export function FileDownload({ sessionId, path, className, title, children }: { sessionId: string; path: string; className: string; title?: string; children: ReactNode }) {
  const service = useAgentService();
  return (
    <DownloadLink
      className={className}
      href={fileUrl(sessionId, path)}
      filename={path.split("/").pop() ?? path}
      fetchBlob={async () => new Blob([await service.rest.readFileBytes(sessionId, path)])}
      title={title}
    >
      {children}
    </DownloadLink>
  );
}

function save(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  document.body.appendChild(link);
  link.click();
  link.remove();
  // The browser has taken the URL once the click has been handled; let it go after that.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
