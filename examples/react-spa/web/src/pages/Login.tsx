import { useEffect, useState, type FormEvent } from "react";
import { useSession } from "@authsession/react";
import { localPath, navigate, useLocation } from "../router";
import type { AppUser } from "../types";

/** Signs in with POST /auth/login, then re-reads the session and goes where the user was going. */
export function Login() {
  const { status, refetch } = useSession<AppUser>();
  const { search } = useLocation();
  const params = new URLSearchParams(search);
  const callbackUrl = localPath(params.get("callbackUrl")) ?? "/dashboard";
  const [name, setName] = useState("");
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (status === "authenticated") navigate(callbackUrl, { replace: true });
  }, [status, callbackUrl]);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setProblem(null);
    try {
      const res = await fetch("/auth/login", {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify({ name }),
      });
      if (!res.ok) {
        const body = (await res.json().catch(() => null)) as { error?: { message?: string } } | null;
        setProblem(body?.error?.message ?? `sign-in failed (${res.status})`);
        return;
      }
      await refetch(); // the provider learns about the new cookie; the effect above navigates
    } catch {
      setProblem("the server could not be reached");
    } finally {
      setBusy(false);
    }
  }

  return (
    <main>
      <h1>Sign in</h1>
      {params.get("reason") === "signedout" && <p className="notice">You have been signed out.</p>}
      <form id="login-form" onSubmit={submit}>
        <label>
          Name <input id="name" value={name} onChange={(e) => setName(e.target.value)} autoComplete="username" required maxLength={64} />
        </label>
        <button type="submit" disabled={busy}>
          Sign in
        </button>
      </form>
      {problem && (
        <p role="alert" className="error">
          {problem}
        </p>
      )}
    </main>
  );
}
