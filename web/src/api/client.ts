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
  ErrorRaw,
  MeRaw,
  ProjectRaw,
  ProjectsRaw,
  StatsRaw,
  TasksRaw,
} from "./types";

export const API_ROOT = "/api/v1";

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
  constructor(private readonly token: TokenSource) {}

  authHeaders(): Record<string, string> {
    const token = this.token();
    return token ? { Authorization: `Bearer ${token}` } : {};
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { Accept: "application/json", ...this.authHeaders() };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    let response: Response;
    try {
      response = await fetch(API_ROOT + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch {
      throw new ApiError(0, "The server cannot be reached.");
    }
    if (!response.ok) throw await errorFrom(response);
    if (response.status === 204) return undefined as T;
    return (await response.json()) as T;
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
    return toProject(await this.request<ProjectRaw>("PATCH", projectPath(name), { keys }));
  }

  async nextTasks(name: string, n: number, exclude: number[]): Promise<TaskBatch> {
    const raw = await this.request<TasksRaw>("POST", `${projectPath(name)}/tasks/next`, {
      n,
      exclude,
    });
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
    const raw = await this.request<AnnotationRaw>(
      "PATCH",
      `${projectPath(name)}/annotations/${id}`,
      { value },
    );
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
