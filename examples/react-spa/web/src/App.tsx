import { useSession } from "@authsession/react";
import { Link, useLocation } from "./router";
import { UserMenu } from "./UserMenu";
import { Login } from "./pages/Login";
import { Dashboard } from "./pages/Dashboard";
import { Account } from "./pages/Account";
import type { AppUser } from "./types";

function Page({ pathname }: { pathname: string }) {
  switch (pathname) {
    case "/":
      return <Home />;
    case "/login":
      return <Login />;
    case "/dashboard":
      return <Dashboard />;
    case "/account":
      return <Account />;
    default:
      return (
        <main>
          <h1>Not found</h1>
          <p>
            <Link to="/">Home</Link>
          </p>
        </main>
      );
  }
}

function Home() {
  const { status } = useSession<AppUser>();
  return (
    <main>
      <h1>authsession + React</h1>
      <p>
        A single-page app on <code>@authsession/react</code>, served by a Go server using authsession: the session
        lives in an encrypted, HttpOnly cookie; the app only ever sees the session API's JSON.
      </p>
      {status === "authenticated" ? <Link to="/dashboard">Go to the dashboard</Link> : <Link to="/login">Sign in</Link>}
    </main>
  );
}

/** A failing session API is shown, never thrown. */
function SessionError() {
  const { error } = useSession<AppUser>();
  if (!error || error.status === 401) return null;
  return (
    <p role="alert" className="error" data-testid="session-error">
      The session service is having trouble ({error.code}); showing what we last knew.
    </p>
  );
}

export function App() {
  const { pathname } = useLocation();
  return (
    <>
      <header>
        <Link to="/" className="brand">
          authsession
        </Link>
        <nav>
          <Link to="/dashboard">Dashboard</Link>
          <Link to="/account">Account</Link>
        </nav>
        <UserMenu />
      </header>
      <SessionError />
      <Page pathname={pathname} />
    </>
  );
}
