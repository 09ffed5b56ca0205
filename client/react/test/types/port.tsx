// A client component written the way next-auth-session's README shows its
// React side, ported by changing one line: the import path
// ("next-auth-session/client" -> "@authsession/react"). `npm run typecheck`
// compiles it under strict TypeScript; test/port.test.jsx renders it.
"use client";

import { useEffect, type ReactNode } from "react";
import {
  SessionProvider,
  useSession,
  useUser,
  useSessionExpiry,
  useRequireAuth,
  type Session,
} from "@authsession/react";

// The application's own user type, as given to NextAuthSession<AppUser>.
export interface AppUser {
  id: string;
  email: string;
  name: string;
  role: "admin" | "user";
}

export function Providers({ children, session }: { children: ReactNode; session?: Session<AppUser> | null }) {
  return (
    <SessionProvider<AppUser>
      initialSession={session}
      fetchOnMount={true}
      refreshInterval={5 * 60 * 1000}
      refetchOnPathChange={true}
      autoActivityRefresh={true}
      activityRefreshInterval={60 * 1000}
      onSessionChange={(s) => {
        if (!s) console.info("signed out");
      }}
    >
      {children}
    </SessionProvider>
  );
}

export function UserMenu() {
  const { session, status, refresh, update, logout } = useSession<AppUser>();

  if (status === "loading") return <p>Loading...</p>;
  if (status === "unauthenticated") return <a href="/login">Sign in</a>;

  return (
    <div>
      <span data-testid="menu-name">{session.user.name}</span>
      <span data-testid="menu-role">{session.user.role}</span>
      <button onClick={() => refresh()}>Extend session</button>
      <button onClick={async () => { await update({ user: { name: "Ann Lee" } }); }}>Rename</button>
      <button onClick={() => logout()}>Sign out</button>
    </div>
  );
}

export function Profile() {
  const { user, isAuthenticated, isLoading } = useUser<AppUser>();
  if (isLoading) return <p>Loading...</p>;
  if (!isAuthenticated) return <p>Not signed in</p>;
  return <p data-testid="profile">{user.email}</p>;
}

export function ExpiryBanner() {
  const { expiresAt, expiresIn, isExpiringSoon, recalculate } = useSessionExpiry();

  useEffect(() => {
    const id = setInterval(recalculate, 1000);
    return () => clearInterval(id);
  }, [recalculate]);

  if (expiresAt === null || expiresIn === null) return null;
  const minutes = Math.floor(expiresIn / 60_000);
  return (
    <p data-testid="expiry" className={isExpiringSoon ? "warning" : ""}>
      Session expires in {minutes} min ({new Date(expiresAt).toISOString()})
    </p>
  );
}

export function ProtectedPage() {
  const { isLoading, isAuthenticated } = useRequireAuth("/login");
  if (isLoading) return <p>Loading...</p>;
  if (!isAuthenticated) return null;
  return <h1>Dashboard</h1>;
}

export function App({ session }: { session?: Session<AppUser> | null }) {
  return (
    <Providers session={session}>
      <UserMenu />
      <Profile />
      <ExpiryBanner />
      <ProtectedPage />
    </Providers>
  );
}
