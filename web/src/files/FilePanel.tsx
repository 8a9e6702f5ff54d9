import { useAgentService } from "@agent-runtime/react";
import { useMemo, useState } from "react";
import { DownloadLink, FileDownload } from "./DownloadLink";
import { buildTree, type TreeFolder } from "./fileTree";
import { FileViewer } from "./FileViewer";
import { useLiveFiles, type LiveFile } from "./useLiveFiles";
import { formatBytes } from "../app/format";

/** The session's workspace: a tree that follows the agent's file events, a viewer, and downloads. */
export function FilePanel({ sessionId }: { sessionId: string }) {
  const service = useAgentService();
  const live = useLiveFiles(sessionId);
  const [selected, setSelected] = useState<string>();
  const tree = useMemo(() => buildTree(live.files), [live.files]);
  const selectedFile = selected ? live.files.find((f) => f.path === selected) : undefined;

  return (
    <section className="files" aria-label="Workspace files" data-testid="file-panel">
      <header className="files-header">
        <h2>
          Workspace <span className="muted">{live.files.length > 0 ? `· ${live.files.length}` : ""}</span>
        </h2>
        {live.files.length > 0 && (
          <DownloadLink
            className="button small"
            href={`/api/sessions/${encodeURIComponent(sessionId)}/files.zip`}
            filename={`workspace-${sessionId.slice(0, 8)}.zip`}
            fetchBlob={() => service.rest.readWorkspaceZip(sessionId)}
            testId="download-zip"
          >
            Download .zip
          </DownloadLink>
        )}
      </header>
      {live.error && <p className="notice notice-error small">{live.error}</p>}
      {live.files.length === 0 ? (
        <p className="muted pad small">{live.isLoading ? "Reading the workspace…" : "No files yet. Files the agent writes appear here as it writes them."}</p>
      ) : (
        <div className="tree" role="tree">
          <Folder folder={tree} sessionId={sessionId} selected={selected} onSelect={setSelected} depth={0} />
        </div>
      )}
      {selected && (
        <FileViewer
          sessionId={sessionId}
          path={selected}
          file={selectedFile}
          content={selectedFile ? live.contentOf(selectedFile.path, selectedFile.hash) : undefined}
          onClose={() => setSelected(undefined)}
        />
      )}
    </section>
  );
}

function Folder({
  folder,
  sessionId,
  selected,
  onSelect,
  depth,
}: {
  folder: TreeFolder<LiveFile>;
  sessionId: string;
  selected: string | undefined;
  onSelect: (path: string) => void;
  depth: number;
}) {
  const [collapsed, setCollapsed] = useState<Record<string, boolean>>({});
  const indent = { paddingLeft: `${0.85 + depth * 0.9}rem` };
  return (
    <>
      {folder.folders.map((child) => (
        <div key={child.path} role="group">
          <button
            type="button"
            className="tree-row tree-folder"
            style={indent}
            onClick={() => setCollapsed({ ...collapsed, [child.path]: !collapsed[child.path] })}
            aria-expanded={!collapsed[child.path]}
          >
            <span className="chevron" aria-hidden="true">{collapsed[child.path] ? "▸" : "▾"}</span>
            <span className="tree-name">{child.name}/</span>
          </button>
          {!collapsed[child.path] && <Folder folder={child} sessionId={sessionId} selected={selected} onSelect={onSelect} depth={depth + 1} />}
        </div>
      ))}
      {folder.files.map(({ name, file }) => (
        <div
          key={`${file.path}:${file.hash}`}
          className={`tree-row tree-file${file.path === selected ? " selected" : ""}${file.changed ? " changed" : ""}`}
          style={indent}
          role="treeitem"
          aria-selected={file.path === selected}
          data-testid="file-row"
          data-path={file.path}
        >
          <button type="button" className="tree-open" onClick={() => onSelect(file.path)} title={file.path}>
            <FileIcon />
            <span className="tree-name">{name}</span>
          </button>
          <span className="tree-size">{formatBytes(file.size)}</span>
          <FileDownload sessionId={sessionId} path={file.path} className="icon-link" title={`Download ${file.path}`}>
            ↓
          </FileDownload>
        </div>
      ))}
    </>
  );
}

function FileIcon() {
  return (
    <svg className="file-icon" viewBox="0 0 12 14" width="12" height="14" aria-hidden="true">
      <path d="M1.5 1.5h5.5l3.5 3.5v7.5h-9z M7 1.5v3.5h3.5" fill="none" stroke="currentColor" strokeWidth="1.2" strokeLinejoin="round" />
    </svg>
  );
}
