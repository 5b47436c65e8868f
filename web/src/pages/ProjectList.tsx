import { useEffect, useState } from "preact/hooks";
import type { ApiClient } from "../api/client";
import type { Project } from "../api/models";
import { namesAndMore } from "../lib/format";
import { routeHref } from "../lib/route";
import { describeTask } from "../tasks";

export function ProjectList({ api }: { api: ApiClient }) {
  const [projects, setProjects] = useState<Project[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    api
      .listProjects()
      .then(setProjects)
      .catch((e: unknown) => setError(e instanceof Error ? e.message : String(e)));
  }, [api]);

  return (
    <main class="page">
      <h1>Projects</h1>
      {error && <p class="error">{error}</p>}
      {projects === null && !error && <p class="muted">Loading…</p>}
      {projects?.length === 0 && (
        <p class="muted">
          No projects yet. Create one with <code>activelabel init NAME --labels a,b</code> and import data with{" "}
          <code>activelabel import</code>.
        </p>
      )}
      {projects && projects.length > 0 && (
        <ul class="projects">
          {projects.map((p) => (
            <li key={p.name}>
              <a href={routeHref({ page: "label", project: p.name })} data-testid={`project-link-${p.name}`}>
                <strong>{p.name}</strong>
                <span class="muted">
                  {p.modality} · {describeTask(p)} · {namesAndMore(p.labels)}
                </span>
                <span>
                  {p.labeledItems} / {p.items} labeled
                </span>
              </a>
            </li>
          ))}
        </ul>
      )}
    </main>
  );
}
