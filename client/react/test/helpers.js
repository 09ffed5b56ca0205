// Shared set-up for the hook tests: the browser client's fakes
// (client/test/fakes.mjs), a client wired to them, and a probe component
// that records what a hook returned on every render.
import { createElement } from "react";
import { createSessionClient } from "../dist/index.js";
import { makeServer, makeSession, makeWindow, makeChannelClass } from "../../test/fakes.mjs";

export * from "../../test/fakes.mjs";

/** A client on a fake server and (optionally) a fake window; destroyed by the caller's cleanup. */
export function fakeClient({ server = makeServer({ session: makeSession() }), win = null, ...options } = {}) {
  const client = createSessionClient({ fetch: server.fetch, window: win, BroadcastChannel: null, refetchOnWindowFocus: false, ...options });
  return { client, server, win };
}

export { makeWindow, makeChannelClass };

/** probe(useHook) returns [Component, renders]: each render's hook result is pushed to renders. */
export function probe(useHook, view = () => null) {
  const renders = [];
  function Probe() {
    const value = useHook();
    renders.push(value);
    return view(value);
  }
  return [Probe, renders];
}

export const h = createElement;

/** Lets pending promise callbacks run (the fakes answer asynchronously). */
export const settle = () => new Promise((resolve) => setTimeout(resolve, 0));
