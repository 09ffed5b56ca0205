import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { SessionProvider } from "@authsession/react";
import { App } from "./App";
import type { AppUser } from "./types";
import "./styles.css";

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    {/* The initial session comes from the JSON element the Go server renders into the page. */}
    {/* Durations in milliseconds, as in next-auth-session. Activity refreshes the session once it is
        older than the server's refresh threshold (five minutes here); the hourly refresh is longer than
        this server's 30-minute sessions on purpose, so an idle tab's session still ends (the browser
        test checks that this value sends no more than one request a second). */}
    <SessionProvider<AppUser>
      refreshInterval={60 * 60 * 1000}
      refetchOnPathChange
      autoActivityRefresh
      expiringSoonThreshold={5 * 60 * 1000}
      onSessionChange={(session) => {
        document.documentElement.dataset.session = session ? "in" : "out";
      }}
    >
      <App />
    </SessionProvider>
  </StrictMode>,
);
