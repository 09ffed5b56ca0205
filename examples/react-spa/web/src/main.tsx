import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { SessionProvider } from "@authsession/react";
import { App } from "./App";
import type { AppUser } from "./types";
import "./styles.css";

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    {/* The initial session comes from the JSON element the Go server renders into the page. */}
    <SessionProvider<AppUser>
      refetchOnPathChange
      autoActivityRefresh
      activityRefreshInterval={30}
      expiringSoonThreshold={5 * 60}
      onSessionChange={(session) => {
        document.documentElement.dataset.session = session ? "in" : "out";
      }}
    >
      <App />
    </SessionProvider>
  </StrictMode>,
);
