import { useEffect, useState, type FormEvent } from "react";
import { useRequireAuth, useSession, useSessionExpiry } from "@authsession/react";
import type { AppUser } from "../types";

/** mm:ss (or h:mm:ss) of a duration in milliseconds. */
export function clock(ms: number): string {
  const total = Math.floor(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
}

/** A live countdown to the session's expiry: recalculate() once a second. */
function ExpiryTimer() {
  const { expiresAt, expiresIn, isExpiringSoon, recalculate } = useSessionExpiry();
  useEffect(() => {
    const id = setInterval(recalculate, 1000);
    return () => clearInterval(id);
  }, [recalculate]);
  if (expiresAt === null || expiresIn === null) return null;
  return (
    <p>
      Session ends in{" "}
      <strong id="countdown" data-expires-at={expiresAt} className={isExpiringSoon ? "warning" : undefined}>
        {clock(expiresIn)}
      </strong>
    </p>
  );
}

export function Dashboard() {
  const { isLoading, isAuthenticated } = useRequireAuth("/login");
  const { session, refresh, update } = useSession<AppUser>();
  const [name, setName] = useState("");
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);

  if (isLoading) return <main aria-busy="true">Loading…</main>;
  if (!isAuthenticated || !session) return <main>Redirecting to sign-in…</main>;

  async function extend() {
    const r = await refresh();
    setMessage(r.ok ? { ok: true, text: "Session extended." } : { ok: false, text: `Could not extend: ${r.error?.message}` });
  }

  async function rename(e: FormEvent) {
    e.preventDefault();
    const r = await update({ user: { name } });
    setMessage(r.ok ? { ok: true, text: "Name updated." } : { ok: false, text: `Could not rename: ${r.error?.message}` });
    if (r.ok) setName("");
  }

  return (
    <main>
      <h1>
        Hello, <span id="user-name">{session.user.name}</span>
      </h1>
      <ExpiryTimer />
      <p>
        <button type="button" id="extend" onClick={extend}>
          Extend session
        </button>
      </p>
      <form id="rename-form" onSubmit={rename}>
        <label>
          New name <input id="new-name" value={name} onChange={(e) => setName(e.target.value)} required maxLength={64} />
        </label>
        <button type="submit">Rename</button>
      </form>
      {message && (
        <p id="message" role="status" className={message.ok ? "notice" : "error"}>
          {message.text}
        </p>
      )}
    </main>
  );
}
