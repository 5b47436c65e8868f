// biome-ignore-all lint/suspicious/noArrayIndexKey: a rendered text never reorders; its blocks and cells are known only by position.
import type { ComponentChildren } from "preact";
import { type Block, type Inline, parseMarkdown } from "../lib/markdown";

/**
 * Markdown shown as elements built from lib/markdown's tree: text is always text
 * (no innerHTML anywhere), so raw HTML in the source is shown as written.
 */
export function Markdown({ source }: { source: string }) {
  return <div class="markdown">{parseMarkdown(source).map(block)}</div>;
}

function block(b: Block, key: number): ComponentChildren {
  switch (b.kind) {
    case "heading": {
      const Tag = `h${Math.min(b.level + 1, 6)}` as "h2";
      return <Tag key={key}>{inlines(b.children)}</Tag>;
    }
    case "paragraph":
      return <p key={key}>{inlines(b.children)}</p>;
    case "list": {
      const items = b.items.map((item, n) => <li key={n}>{inlines(item)}</li>);
      return b.ordered ? <ol key={key}>{items}</ol> : <ul key={key}>{items}</ul>;
    }
    case "quote":
      return <blockquote key={key}>{b.children.map(block)}</blockquote>;
    case "code":
      return (
        <pre key={key}>
          <code>{b.text}</code>
        </pre>
      );
    case "rule":
      return <hr key={key} />;
    case "table":
      return (
        <table key={key} class="md-table">
          <thead>
            <tr>
              {b.head.map((cell, n) => (
                <th key={n}>{inlines(cell)}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {b.rows.map((row, r) => (
              <tr key={r}>
                {row.map((cell, n) => (
                  <td key={n}>{inlines(cell)}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      );
  }
}

function inlines(list: Inline[]): ComponentChildren[] {
  return list.map(inline);
}

function inline(piece: Inline, key: number): ComponentChildren {
  switch (piece.kind) {
    case "text":
      return piece.text;
    case "strong":
      return <strong key={key}>{inlines(piece.children)}</strong>;
    case "em":
      return <em key={key}>{inlines(piece.children)}</em>;
    case "code":
      return <code key={key}>{piece.text}</code>;
    case "break":
      return <br key={key} />;
    case "link":
      return (
        <a key={key} href={piece.href} target="_blank" rel="noopener noreferrer nofollow">
          {inlines(piece.children)}
        </a>
      );
  }
}
