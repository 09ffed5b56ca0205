/** The user the Go server puts in the session (authsession.User). */
export interface AppUser {
  id: string;
  name: string;
  email?: string;
}
