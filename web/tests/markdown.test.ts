import type { VNode } from "preact";
import { describe, expect, it } from "vitest";
import { Markdown } from "../src/components/Markdown";
import { parseInline, parseMarkdown, safeHref } from "../src/lib/markdown";

/** Every element type and every string in a rendered tree, and whether any prop injects HTML. */
function walk(node: unknown, found: { types: string[]; texts: string[]; html: boolean; hrefs: string[] }) {
  if (node === null || node === undefined || typeof node === "boolean") return found;
  if (typeof node === "string" || typeof node === "number") {
    found.texts.push(String(node));
    return found;
  }
  if (Array.isArray(node)) {
    for (const child of node) walk(child, found);
    return found;
  }
  const vnode = node as VNode<Record<string, unknown>>;
  found.types.push(String(vnode.type));
  if ("dangerouslySetInnerHTML" in vnode.props) found.html = true;
  if (typeof vnode.props.href === "string") found.hrefs.push(vnode.props.href);
  for (const [name, value] of Object.entries(vnode.props)) if (/^on/i.test(name) && name !== "onClick") found.html ||= value !== undefined;
  walk(vnode.props.children, found);
  return found;
}

function rendered(source: string) {
  return walk(Markdown({ source }), { types: [], texts: [], html: false, hrefs: [] });
}

describe("guidelines Markdown", () => {
  it("shows a <script> and an <img onerror> written in the guidelines as text", () => {
    const source = 'Label spam.\n\n<script>alert("x")</script>\n\n<img src=x onerror="alert(1)">';
    const out = rendered(source);
    expect(out.html).toBe(false);
    expect(out.types).not.toContain("script");
    expect(out.types).not.toContain("img");
    expect(out.texts).toContain('<script>alert("x")</script>');
    expect(out.texts).toContain('<img src=x onerror="alert(1)">');
  });

  it("follows no javascript: or data: link: their words stay as text", () => {
    expect(safeHref("javascript:alert(1)")).toBeNull();
    expect(safeHref(" JAVASCRIPT:alert(1)")).toBeNull();
    expect(safeHref("data:text/html,<b>x</b>")).toBeNull();
    expect(safeHref("https://example.org/a")).toBe("https://example.org/a");
    const out = rendered("[click](javascript:alert(1)) and [docs](https://example.org/docs)");
    expect(out.hrefs).toEqual(["https://example.org/docs"]);
    expect(out.texts.join("")).toContain("click");
  });

  it("reads headings, lists, quotes, code, tables and emphasis", () => {
    const blocks = parseMarkdown(
      "# Labels\n\n## spam\nUnsolicited *offers*, **prizes**.\n\n- WIN a `FREE` trip\n- call now\n\n> ham: a friend\n\n```\nraw <b>\n```\n\n| text | label |\n|---|---|\n| hi | ham |\n\n---",
    );
    expect(blocks.map((b) => b.kind)).toEqual(["heading", "heading", "paragraph", "list", "quote", "code", "table", "rule"]);
    expect(parseInline("a *b* **c** `d`")).toEqual([
      { kind: "text", text: "a " },
      { kind: "em", children: [{ kind: "text", text: "b" }] },
      { kind: "text", text: " " },
      { kind: "strong", children: [{ kind: "text", text: "c" }] },
      { kind: "text", text: " " },
      { kind: "code", text: "d" },
    ]);
    expect(rendered("```\n<b>bold?</b>\n```").texts).toContain("<b>bold?</b>");
    expect(rendered("snake_case_name stays").texts.join("")).toBe("snake_case_name stays");
  });
});
