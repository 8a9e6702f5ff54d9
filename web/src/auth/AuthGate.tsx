import { App } from "../app/App";
import { CheckingScreen, SignInScreen } from "./SignInScreen";
import { useSignIn } from "./useSignIn";

/**
 * The app behind sign-in: the sign-in screen while there is no key the server accepts, the app once there is. A 401
 * from the app (the key was deleted) comes back here as a sign-out with a message.
 */
export function AuthGate({ apiUrl, hubUrl }: { apiUrl: string; hubUrl: string }) {
  const { state, signIn, signOut, expired } = useSignIn(apiUrl);

  if (state.status === "checking") return <CheckingScreen />;
  if (state.status === "signed-out") return <SignInScreen message={state.message} draft={state.draft} onSignIn={signIn} />;
  return (
    <App
      // Another key is another tenant: start over with a fresh connection and fresh state.
      key={state.apiKey ?? ""}
      apiUrl={apiUrl}
      hubUrl={hubUrl}
      apiKey={state.apiKey}
      caller={state.caller}
      onUnauthorized={expired}
      // A server without auth has nothing to sign out of.
      onSignOut={state.caller.authMode === "none" ? undefined : signOut}
    />
  );
}
