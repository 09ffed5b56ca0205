// signIn's types: a provider id and optional options; what it returns.
import { signIn, type SignInOptions } from "@authsession/react";

export function SignInButtons({ next }: { next?: string }) {
  const options: SignInOptions = { callbackUrl: next ?? "/dashboard", basePath: "/auth" };
  const url: string | null = signIn("google", options);
  void url;
  // @ts-expect-error the provider is a string id
  signIn(42);
  // @ts-expect-error no such option
  signIn("google", { redirect: false });
  return <button onClick={() => signIn("oidc")}>Sign in with OpenID Connect</button>;
}
