import { defineConfig } from "vite";

// JSX through esbuild's automatic runtime, as the repository's web UI builds it: no React plugin needed.
export default defineConfig({ esbuild: { jsx: "automatic" }, logLevel: "error" });
