// Unit tests of the hooks: React 19 in jsdom, against the built dist/
// (`npm test` builds it first), with the browser client's test doubles
// from client/test/fakes.mjs.
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: {
    // test/types/port.tsx imports the package by name, as an application would.
    alias: { "@authsession/react": fileURLToPath(new URL("./dist/index.js", import.meta.url)) },
  },
  test: {
    environment: "jsdom",
    include: ["test/**/*.test.{js,jsx,tsx}"],
    restoreMocks: true,
    unstubGlobals: true,
  },
});
