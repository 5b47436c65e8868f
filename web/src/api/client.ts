// A typed client for the HTTP API (docs/api.md). Every call goes through
// `request`, which adds the bearer token and turns error bodies into ApiError.

import {
  toAnnotation,
  toAnnotationPayload,
  toMe,
  toProject,
  toStats,
  toTaskBatch,
} from "./mapping";
import type {
  Annotation,
  AnnotationValue,
  Me,
  NewAnnotation,
  Project,
  Stats,
  TaskBatch,
} from "./models";
import type {
  AnnotationRaw,
  AnnotationsRaw,
  AnnotationUpdateRaw,
  CsrfRaw,
  ErrorRaw,
  MeRaw,
  ProjectRaw,
  ProjectsRaw,
  ProjectUpdateRaw,
  StatsRaw,
  TasksRaw,
  TasksRequestRaw,
} from "./types";

export const API_ROOT = "/api/v1";

/** The header that carries this server's CSRF token (docs/api.md, "Requests from outside"). */
export const CSRF_HEADER = "X-ActiveLabel-CSRF";
const WRITING_METHODS = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/** A failed call. `status` is 0 when the server could not be reached at all. */
export class ApiError extends Error {
  readonly status: number;
  readonly fieldErrors: { loc: (string | number)[]; msg: string }[];

  constructor(status: number, message: string, fieldErrors: ErrorRaw["errors"] = []) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.fieldErrors = fieldErrors;
  }

  /** Worth sending again later: no connection, a timeout, rate limiting or a server fault. */
  get retryable(): boolean {
    return this.status === 0 || this.status === 408 || this.status === 429 || this.status >= 500;
  }
}

export type TokenSource = () => string | null;

export class ApiClient {
  // The server's CSRF token, asked for once and again after the server restarts.
  private csrf: Promise<string> | null = null;

  constructor(private readonly token: TokenSource) {}

  authHeaders(): Record<string, string> {
    const token = this.token();
    return token ? { Authorization: `Bearer ${token}` } : {};
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const writing = WRITING_METHODS.has(method);
    let response = await this.send(method, path, body, writing);
    if (!response.ok) {
      let error = await errorFrom(response);
      if (writing && isStaleCsrf(error)) {
        // A restarted server has a new token: ask for it and send once more.
        this.csrf = null;
        response = await this.send(method, path, body, writing);
        error = response.ok ? error : await errorFrom(response);
      }
      if (!response.ok) throw error;
    }
    if (response.status === 204) return undefined as T;
    return (await response.json()) as T;
  }

  private async send(method: string, path: string, body: unknown, writing: boolean): Promise<Response> {
    const headers: Record<string, string> = { Accept: "application/json", ...this.authHeaders() };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (writing) headers[CSRF_HEADER] = await this.csrfToken();
    try {
      return await fetch(API_ROOT + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch {
      throw new ApiError(0, "The server cannot be reached.");
    }
  }

  /** The token a request that changes something must carry (GET /api/v1/csrf). */
  private csrfToken(): Promise<string> {
    if (this.csrf === null) {
      const asked = (async () => {
        let response: Response;
        try {
          response = await fetch(`${API_ROOT}/csrf`, { headers: { Accept: "application/json" } });
        } catch {
          throw new ApiError(0, "The server cannot be reached.");
        }
        if (!response.ok) throw await errorFrom(response);
        return ((await response.json()) as CsrfRaw).token;
      })();
      // A failed ask is not remembered: the next request asks again.
      asked.catch(() => {
        if (this.csrf === asked) this.csrf = null;
      });
      this.csrf = asked;
    }
    return this.csrf;
  }

  /** Fetch a file (media, export) with the token, as a Blob. */
  async blob(url: string): Promise<Blob> {
    let response: Response;
    try {
      response = await fetch(url, { headers: this.authHeaders() });
    } catch {
      throw new ApiError(0, "The server cannot be reached.");
    }
    if (!response.ok) throw await errorFrom(response);
    return response.blob();
  }

  async me(): Promise<Me> {
    return toMe(await this.request<MeRaw>("GET", "/me"));
  }

  async listProjects(): Promise<Project[]> {
    const raw = await this.request<ProjectsRaw>("GET", "/projects");
    return raw.data.map(toProject);
  }

  async getProject(name: string): Promise<Project> {
    return toProject(await this.request<ProjectRaw>("GET", projectPath(name)));
  }

  async updateProjectKeys(name: string, keys: Record<string, string>): Promise<Project> {
    const body: ProjectUpdateRaw = { keys };
    return toProject(await this.request<ProjectRaw>("PATCH", projectPath(name), body));
  }

  async nextTasks(name: string, n: number, exclude: number[]): Promise<TaskBatch> {
    const body: TasksRequestRaw = { n, exclude };
    const raw = await this.request<TasksRaw>("POST", `${projectPath(name)}/tasks/next`, body);
    return toTaskBatch(raw);
  }

  async skipTask(name: string, itemId: number): Promise<void> {
    await this.request<void>("POST", `${projectPath(name)}/tasks/${itemId}/skip`);
  }

  async createAnnotation(name: string, annotation: NewAnnotation): Promise<Annotation> {
    const raw = await this.request<AnnotationRaw>(
      "POST",
      `${projectPath(name)}/annotations`,
      toAnnotationPayload(annotation),
    );
    return toAnnotation(raw);
  }

  async undoAnnotation(name: string, id: number): Promise<Annotation> {
    const raw = await this.request<AnnotationRaw>(
      "POST",
      `${projectPath(name)}/annotations/${id}/undo`,
    );
    return toAnnotation(raw);
  }

  async changeAnnotation(name: string, id: number, value: AnnotationValue): Promise<Annotation> {
    const body: AnnotationUpdateRaw = { value };
    const raw = await this.request<AnnotationRaw>("PATCH", `${projectPath(name)}/annotations/${id}`, body);
    return toAnnotation(raw);
  }

  async myAnnotations(name: string, limit: number, beforeId?: number): Promise<Annotation[]> {
    const query = new URLSearchParams({ mine: "true", limit: String(limit) });
    if (beforeId !== undefined) query.set("before_id", String(beforeId));
    const raw = await this.request<AnnotationsRaw>(
      "GET",
      `${projectPath(name)}/annotations?${query.toString()}`,
    );
    return raw.data.map(toAnnotation);
  }

  async stats(name: string): Promise<Stats> {
    return toStats(await this.request<StatsRaw>("GET", `${projectPath(name)}/stats`));
  }

  async train(name: string): Promise<void> {
    await this.request<unknown>("POST", `${projectPath(name)}/train`);
  }

  exportUrl(name: string, format: string, dataset: string): string {
    const query = new URLSearchParams({ format, dataset });
    return `${API_ROOT}${projectPath(name)}/export?${query.toString()}`;
  }
}

/** The server refused a request for lack of its current CSRF token. */
function isStaleCsrf(error: ApiError): boolean {
  return (
    error.status === 403 &&
    error.fieldErrors.some((e) => String(e.loc[1] ?? "").toLowerCase() === CSRF_HEADER.toLowerCase())
  );
}

export function projectPath(name: string): string {
  return `/projects/${encodeURIComponent(name)}`;
}

async function errorFrom(response: Response): Promise<ApiError> {
  try {
    const body = (await response.json()) as Partial<ErrorRaw>;
    if (typeof body.error === "string") {
      return new ApiError(response.status, body.error, body.errors ?? []);
    }
  } catch {
    // Not the JSON error shape (a proxy page, say); fall through to the status text.
  }
  return new ApiError(response.status, `${response.status} ${response.statusText}`.trim());
}
