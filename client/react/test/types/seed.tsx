// next-auth-session's README, its React part, snippet after snippet, with
// one change: the import path "next-auth-session/client" is now
// "@authsession/react" (the README's "import type { User, Session } from
// 'next-auth-session'" too). Nothing else is edited, so a type error here
// is a porting surprise. `npm run typecheck` compiles it under strict
// TypeScript (tsconfig.json); test/seed.test.jsx renders it in jsdom.
// (The README is not on this machine's npm mirror: the snippets follow the
// parts of it that issue 24 quotes, in the README's own style.)
"use client";

import { useEffect, useState } from "react";
import { SessionProvider, useSession, useUser, useSessionExpiry, useRequireAuth } from "@authsession/react";
import type { User, Session } from "@authsession/react";

// app/providers.tsx
export function Providers({ children }: { children: React.ReactNode }) {
  return (
    <SessionProvider
      refreshInterval={5 * 60 * 1000} // Refresh every 5 minutes
      refetchOnPathChange={true}
      autoActivityRefresh={true}
      activityRefreshInterval={30000}
      onSessionChange={(session) => console.log("Session changed:", session)}
    >
      {children}
    </SessionProvider>
  );
}

// useSession
export function UserProfile() {
  const { session, status, logout } = useSession();

  if (status === "loading") return <div>Loading...</div>;
  if (!session) return <div>Not logged in</div>;

  return (
    <div>
      <p>Welcome, {session.user.name}</p>
      <button onClick={logout}>Logout</button>
    </div>
  );
}

// useUser
export function UserAvatar() {
  const { user, isAuthenticated, isLoading } = useUser();

  if (isLoading) return <div>...</div>;
  if (!isAuthenticated) return null;

  return <img src={user.image} alt={user.name} />;
}

// useSessionExpiry
export function SessionTimer() {
  const { expiresIn, isExpiringSoon, recalculate } = useSessionExpiry();

  useEffect(() => {
    const interval = setInterval(recalculate, 1000);
    return () => clearInterval(interval);
  }, [recalculate]);

  if (!expiresIn) return null;

  const minutes = Math.floor(expiresIn / 60000);
  const seconds = Math.floor((expiresIn % 60000) / 1000);

  return (
    <div className={isExpiringSoon ? "text-red-500" : ""}>
      Session expires in {minutes}:{seconds.toString().padStart(2, "0")}
    </div>
  );
}

// useRequireAuth
export function ProtectedPage() {
  const { isLoading, isAuthenticated } = useRequireAuth("/login");

  if (isLoading) return <div>Loading...</div>;
  if (!isAuthenticated) return null;

  return <div>Protected content</div>;
}

// Updating the session
export function EditProfile() {
  const { session, update } = useSession();
  const [name, setName] = useState(session?.user.name ?? "");

  const handleSubmit = async (e: React.FormEvent) => {
    e.preventDefault();
    await update({ user: { name } });
  };

  return (
    <form onSubmit={handleSubmit}>
      <input value={name} onChange={(e) => setName(e.target.value)} />
      <button type="submit">Save</button>
    </form>
  );
}

// TypeScript: your own user type
interface AppUser extends User {
  role: "admin" | "user";
}

export function AdminBadge() {
  const { session } = useSession<AppUser>();
  if (session?.user.role !== "admin") return null;
  return <span>Admin</span>;
}

export function describeSession(session: Session): string {
  return `${session.user.email ?? session.user.id} until ${session.expiryDate}`;
}
