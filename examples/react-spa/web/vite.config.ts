// The app is built into dist/, which the Go server (one folder up) serves.
// `npm run dev` serves it from Vite instead and forwards the API to a Go
// server on :8080.
import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

export default defineConfig({
  plugins: [react()],
  resolve: {
    // @authsession/react is linked from client/react, which may have its own
    // node_modules (its tests): the app and the package share one React.
    dedupe: ["react", "react-dom"],
  },
  server: {
    proxy: { "/api": "http://localhost:8080", "/auth": "http://localhost:8080" },
  },
  build: { outDir: "dist", emptyOutDir: true },
});
