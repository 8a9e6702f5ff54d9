import { defineConfig } from "vite";

// The server this UI talks to during `npm run dev`; the built UI is served by that server itself, at the same origin.
const devServer = process.env.AGENT_RUNTIME_URL ?? "http://127.0.0.1:5080";

export default defineConfig({
  // JSX through esbuild's automatic runtime: no React plugin needed for a production build.
  esbuild: { jsx: "automatic" },
  resolve: {
    // The hooks package is linked from ../clients/react, which has its own node_modules (for its tests); one React and
    // one SignalR client for the whole app, or hooks would run against a second React.
    dedupe: ["react", "react-dom", "@microsoft/signalr"],
  },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    sourcemap: true,
    chunkSizeWarningLimit: 800,
    rollupOptions: {
      onwarn(warning, warn) {
        // The SignalR client's /*#__PURE__*/ comments sit where Rollup cannot use them; harmless, and not ours to fix.
        if (warning.code === "INVALID_ANNOTATION" && warning.id?.includes("@microsoft/signalr")) return;
        warn(warning);
      },
    },
  },
  server: {
    proxy: {
      "/api": devServer,
      "/hubs": { target: devServer, ws: true },
    },
  },
  preview: {
    proxy: {
      "/api": devServer,
      "/hubs": { target: devServer, ws: true },
    },
  },
});
