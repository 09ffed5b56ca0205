import { useRequireAuth, useSession, useUser } from "@authsession/react";
import type { AppUser } from "../types";

/**
 * A page protected on the client only (the server treats /account as
 * public): useRequireAuth sends visitors without a session to the sign-in
 * page, and does so again if the session ends while it is open.
 */
export function Account() {
  const { isLoading, isAuthenticated } = useRequireAuth("/login");
  const { user } = useUser<AppUser>();
  const { session } = useSession<AppUser>();
  if (isLoading) return <main aria-busy="true">Loading…</main>;
  if (!isAuthenticated || !user || !session) return <main>Redirecting to sign-in…</main>;
  return (
    <main>
      <h1>Account</h1>
      <dl id="account">
        <dt>Name</dt>
        <dd>{user.name}</dd>
        <dt>User id</dt>
        <dd>
          <code>{user.id}</code>
        </dd>
        <dt>Signed in</dt>
        <dd>{new Date(session.createdAt).toLocaleString()}</dd>
        <dt>Last refreshed</dt>
        <dd>{new Date(session.lastActivity).toLocaleString()}</dd>
      </dl>
    </main>
  );
}
