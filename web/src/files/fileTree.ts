export interface TreeFolder<F> {
  name: string;
  path: string;
  folders: TreeFolder<F>[];
  files: { name: string; file: F }[];
}

/** Folders from slash-separated paths: folders first, then files, each sorted by name. */
export function buildTree<F extends { path: string }>(files: F[]): TreeFolder<F> {
  const root: TreeFolder<F> = { name: "", path: "", folders: [], files: [] };
  for (const file of files) {
    const parts = file.path.split("/").filter(Boolean);
    let folder = root;
    for (const part of parts.slice(0, -1)) {
      let next = folder.folders.find((f) => f.name === part);
      if (!next) {
        next = { name: part, path: folder.path ? `${folder.path}/${part}` : part, folders: [], files: [] };
        folder.folders.push(next);
      }
      folder = next;
    }
    folder.files.push({ name: parts[parts.length - 1] ?? file.path, file });
  }
  const sort = (folder: TreeFolder<F>) => {
    folder.folders.sort((a, b) => a.name.localeCompare(b.name));
    folder.files.sort((a, b) => a.name.localeCompare(b.name));
    folder.folders.forEach(sort);
  };
  sort(root);
  return root;
}
