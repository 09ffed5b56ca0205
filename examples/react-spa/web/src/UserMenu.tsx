import { useState } from "react";
import { useSession } from "@authsession/react";
import { Link } from "./router";
import type { AppUser } from "./types";

/** The header's user menu: sign-in link, or the user's name opening a menu. */
export function UserMenu() {
  const { status, session, logout } = useSession<AppUser>();
  const [open, setOpen] = useState(false);

  if (status === "loading") return <span className="menu muted">…</span>;
  if (status === "unauthenticated") {
    return (
      <span className="menu">
        <Link to="/login">Sign in</Link>
      </span>
    );
  }
  return (
    <span className="menu">
      <button type="button" data-testid="user-menu" aria-expanded={open} onClick={() => setOpen(!open)}>
        {session.user.name}
      </button>
      {open && (
        <ul role="menu" onClick={() => setOpen(false)}>
          <li>
            <Link to="/dashboard">Dashboard</Link>
          </li>
          <li>
            <Link to="/account">Account</Link>
          </li>
          <li>
            <button type="button" data-testid="sign-out" onClick={() => logout({ redirectTo: "/login?reason=signedout" })}>
              Sign out
            </button>
          </li>
        </ul>
      )}
    </span>
  );
}
