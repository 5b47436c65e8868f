import { afterEach, describe, expect, it, vi } from "vitest";
import { ApiClient, ApiError, CSRF_HEADER } from "../src/api/client";

interface Call {
  url: string;
  method: string;
  headers: Record<string, string>;
}

// A stand-in for the server at the network boundary: answers GET /api/v1/csrf with
// the current token and refuses a POST without it the way the server does.
function server(tokens: string[]): { calls: Call[]; restart: () => void } {
  let current = 0;
  const calls: Call[] = [];
  vi.stubGlobal("fetch", async (url: string, init: RequestInit = {}) => {
    const headers = (init.headers ?? {}) as Record<string, string>;
    const method = init.method ?? "GET";
    calls.push({ url, method, headers });
    if (url === "/api/v1/csrf") {
      return Response.json({ header: CSRF_HEADER, token: tokens[current] });
    }
    if (headers[CSRF_HEADER] !== tokens[current]) {
      return Response.json(
        {
          ok: false,
          status: 403,
          error: "no CSRF token",
          errors: [{ loc: ["header", CSRF_HEADER], msg: "missing or stale" }],
        },
        { status: 403 },
      );
    }
    return new Response(null, { status: 204 });
  });
  return { calls, restart: () => (current += 1) };
}

afterEach(() => vi.unstubAllGlobals());

describe("ApiClient and the CSRF token", () => {
  it("asks for the token once and sends it with every request that changes something", async () => {
    const fake = server(["t1"]);
    const client = new ApiClient(() => null);
    await client.skipTask("sms", 1);
    await client.skipTask("sms", 2);
    expect(fake.calls.map((c) => c.url)).toEqual([
      "/api/v1/csrf",
      "/api/v1/projects/sms/tasks/1/skip",
      "/api/v1/projects/sms/tasks/2/skip",
    ]);
    expect(fake.calls[2].headers[CSRF_HEADER]).toBe("t1");
  });

  it("asks again once when the server has restarted with a new token", async () => {
    const fake = server(["t1", "t2"]);
    const client = new ApiClient(() => null);
    await client.skipTask("sms", 1);
    fake.restart();
    await client.skipTask("sms", 2);
    expect(fake.calls.map((c) => c.url).slice(2)).toEqual([
      "/api/v1/projects/sms/tasks/2/skip",
      "/api/v1/csrf",
      "/api/v1/projects/sms/tasks/2/skip",
    ]);
    expect(fake.calls[4].headers[CSRF_HEADER]).toBe("t2");
  });

  it("gives up after one new token, with the server's error", async () => {
    vi.stubGlobal("fetch", async (url: string) =>
      url === "/api/v1/csrf"
        ? Response.json({ header: CSRF_HEADER, token: "t1" })
        : Response.json(
            { ok: false, status: 403, error: "refused", errors: [{ loc: ["header", CSRF_HEADER], msg: "x" }] },
            { status: 403 },
          ),
    );
    const client = new ApiClient(() => null);
    const error = await client.skipTask("sms", 1).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(403);
  });
});
