// Hash routes: "#/" the project list, "#/p/<name>" labeling, "#/p/<name>/history",
// "#/p/<name>/rules" (labeling functions),
// "#/p/<name>/review" (reviewers and admins), "#/p/<name>/browse" (the data manager).

export type Route =
  | { page: "projects" }
  | { page: "label"; project: string }
  | { page: "history"; project: string }
  | { page: "rules"; project: string }
  | { page: "review"; project: string }
  | { page: "browse"; project: string };

export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, "");
  const parts = path.split("/").filter((p) => p.length > 0);
  if (parts[0] === "p" && parts[1]) {
    const project = safeDecode(parts[1]);
    if (parts[2] === "history") return { page: "history", project };
    if (parts[2] === "rules") return { page: "rules", project };
    if (parts[2] === "review") return { page: "review", project };
    if (parts[2] === "browse") return { page: "browse", project };
    return { page: "label", project };
  }
  return { page: "projects" };
}

export function routeHref(route: Route): string {
  switch (route.page) {
    case "projects":
      return "#/";
    case "label":
      return `#/p/${encodeURIComponent(route.project)}`;
    case "history":
      return `#/p/${encodeURIComponent(route.project)}/history`;
    case "rules":
      return `#/p/${encodeURIComponent(route.project)}/rules`;
    case "review":
      return `#/p/${encodeURIComponent(route.project)}/review`;
    case "browse":
      return `#/p/${encodeURIComponent(route.project)}/browse`;
  }
}

function safeDecode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}
