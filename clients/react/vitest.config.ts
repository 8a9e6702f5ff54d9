import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts", "test/**/*.test.tsx"],
    environment: "node",
    // The integration test starts a real server and runs a real agent CLI; the unit tests take milliseconds.
    testTimeout: 10_000,
    hookTimeout: 60_000,
    pool: "forks",
  },
});
