import preact from "@preact/preset-vite";
import { defineConfig } from "vitest/config";

// The page is built straight into the Python package, which serves index.html at "/"
// and the files under "/assets/". Relative paths keep it working behind any prefix.
export default defineConfig({
  plugins: [preact()],
  base: "./",
  build: {
    outDir: "../src/activelabel/server/static",
    emptyOutDir: true,
    assetsDir: "assets",
    target: "es2022",
  },
  server: {
    proxy: { "/api": "http://127.0.0.1:8765" },
  },
  test: {
    include: ["tests/**/*.test.ts"],
    environment: "node",
  },
});
