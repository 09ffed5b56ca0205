// What strict TypeScript must refuse: each line marked @ts-expect-error is
// an error, or `npm run typecheck` fails ("unused directive"). Shows that
// the declarations are precise, not `any`.
import { SessionProvider, useSession, useUser, useSessionExpiry, useRequireAuth } from "@authsession/react";
import type { AppUser } from "./port.js";

export function Wrong() {
  const { session, status, update } = useSession<AppUser>();
  // @ts-expect-error session may be null until status is checked
  void session.user;
  if (status === "authenticated") {
    // @ts-expect-error AppUser has no such field
    void session.user.nickname;
  }
  // @ts-expect-error update takes next-auth-session's { user: {...} }
  void update({ name: "Ann" });
  // @ts-expect-error a field of the wrong type
  void update({ user: { role: "root" } });
  const { user, isAuthenticated } = useUser<AppUser>();
  // @ts-expect-error user may be null
  void user.name;
  if (isAuthenticated) void user.name;
  const { expiresIn } = useSessionExpiry();
  // @ts-expect-error expiresIn may be null
  void expiresIn.toFixed();
  // @ts-expect-error the login path is a string
  useRequireAuth(42);
  // @ts-expect-error the user type must be an object
  useSession<string>();
  // @ts-expect-error intervals are numbers (of milliseconds)
  return <SessionProvider refreshInterval="60">{null}</SessionProvider>;
}
