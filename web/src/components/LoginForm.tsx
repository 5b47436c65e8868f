import { useState } from "preact/hooks";

interface Props {
  message: string | null;
  onToken: (token: string) => void;
}

/** Asked for when the server wants a token. The name is only a reminder of whose token it is. */
export function LoginForm({ message, onToken }: Props) {
  const [name, setName] = useState("");
  const [token, setToken] = useState("");
  return (
    <main class="page narrow">
      <h1>Sign in</h1>
      <p class="muted">
        This server needs a token. An admin creates one with <code>activelabel user add NAME</code>.
      </p>
      {message && <p class="error">{message}</p>}
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (token.trim()) onToken(token.trim());
        }}
      >
        <label>
          Name
          <input value={name} onInput={(e) => setName(e.currentTarget.value)} autoComplete="username" />
        </label>
        <label>
          Token
          <input
            type="password"
            value={token}
            onInput={(e) => setToken(e.currentTarget.value)}
            autoComplete="current-password"
            required
          />
        </label>
        <button type="submit" class="primary">
          Sign in
        </button>
      </form>
    </main>
  );
}
