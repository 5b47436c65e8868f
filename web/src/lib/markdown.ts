// The project's guidelines are Markdown written by an admin and read by every
// annotator, so they are parsed here into a small tree that the page renders as
// elements (components/Markdown.tsx), never as HTML: raw HTML in the text stays
// text ("<script>" is shown, not run), and a link goes out only to http(s) or
// mailto. What is supported is what instructions need: headings, paragraphs,
// lists, quotes, code, rules, tables, emphasis, strong, inline code and links.

export type Inline =
  | { kind: "text"; text: string }
  | { kind: "strong"; children: Inline[] }
  | { kind: "em"; children: Inline[] }
  | { kind: "code"; text: string }
  | { kind: "link"; href: string; children: Inline[] }
  | { kind: "break" };

export type Block =
  | { kind: "heading"; level: 1 | 2 | 3 | 4 | 5 | 6; children: Inline[] }
  | { kind: "paragraph"; children: Inline[] }
  | { kind: "list"; ordered: boolean; items: Inline[][] }
  | { kind: "quote"; children: Block[] }
  | { kind: "code"; text: string }
  | { kind: "rule" }
  | { kind: "table"; head: Inline[][]; rows: Inline[][][] };

const HEADING = /^(#{1,6})\s+(.*?)\s*#*\s*$/;
const BULLET = /^\s*[-*+]\s+(.*)$/;
const NUMBERED = /^\s*\d{1,9}[.)]\s+(.*)$/;
const RULE = /^\s*([-*_])(\s*\1){2,}\s*$/;
const FENCE = /^\s*(```|~~~)/;
const QUOTE = /^\s*>\s?(.*)$/;
const TABLE_DIVIDER = /^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$/;

/** The blocks of a Markdown text. */
export function parseMarkdown(source: string): Block[] {
  return parseLines(source.replace(/\r\n?/g, "\n").split("\n"));
}

function parseLines(lines: string[]): Block[] {
  const blocks: Block[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    if (line.trim() === "") {
      i++;
      continue;
    }
    const fence = FENCE.exec(line);
    if (fence) {
      const body: string[] = [];
      i++;
      while (i < lines.length && !lines[i].trim().startsWith(fence[1])) body.push(lines[i++]);
      i++;
      blocks.push({ kind: "code", text: body.join("\n") });
      continue;
    }
    const heading = HEADING.exec(line);
    if (heading) {
      blocks.push({ kind: "heading", level: heading[1].length as 1, children: parseInline(heading[2]) });
      i++;
      continue;
    }
    if (RULE.test(line)) {
      blocks.push({ kind: "rule" });
      i++;
      continue;
    }
    if (QUOTE.test(line)) {
      const body: string[] = [];
      while (i < lines.length && QUOTE.test(lines[i])) body.push((QUOTE.exec(lines[i++]) as RegExpExecArray)[1]);
      blocks.push({ kind: "quote", children: parseLines(body) });
      continue;
    }
    const ordered = NUMBERED.test(line);
    if (ordered || BULLET.test(line)) {
      const marker = ordered ? NUMBERED : BULLET;
      const items: string[] = [];
      while (i < lines.length && lines[i].trim() !== "") {
        const item = marker.exec(lines[i]);
        if (item) items.push(item[1]);
        else if (items.length > 0) items[items.length - 1] += ` ${lines[i].trim()}`;
        i++;
      }
      blocks.push({ kind: "list", ordered, items: items.map(parseInline) });
      continue;
    }
    if (line.includes("|") && i + 1 < lines.length && TABLE_DIVIDER.test(lines[i + 1])) {
      const head = tableCells(line);
      const rows: Inline[][][] = [];
      i += 2;
      while (i < lines.length && lines[i].includes("|") && lines[i].trim() !== "") {
        rows.push(tableCells(lines[i]).map(parseInline));
        i++;
      }
      blocks.push({ kind: "table", head: head.map(parseInline), rows });
      continue;
    }
    const body: string[] = [];
    while (i < lines.length && lines[i].trim() !== "" && !startsBlock(lines[i])) body.push(lines[i++]);
    if (body.length === 0) body.push(lines[i++]);
    blocks.push({ kind: "paragraph", children: paragraphInline(body) });
  }
  return blocks;
}

function startsBlock(line: string): boolean {
  return [HEADING, BULLET, NUMBERED, RULE, FENCE, QUOTE].some((pattern) => pattern.test(line));
}

/** A paragraph's lines: a line ending in two spaces or a backslash breaks; others join with a space. */
function paragraphInline(lines: string[]): Inline[] {
  const out: Inline[] = [];
  lines.forEach((line, n) => {
    const hard = / {2,}$/.test(line) || line.endsWith("\\");
    out.push(...parseInline(line.replace(/\\$/, "").trim()));
    if (n < lines.length - 1) out.push(hard ? { kind: "break" } : { kind: "text", text: " " });
  });
  return merged(out);
}

function tableCells(line: string): string[] {
  return line
    .trim()
    .replace(/^\|/, "")
    .replace(/\|$/, "")
    .split("|")
    .map((cell) => cell.trim());
}

/** Whether a link may be followed: web and mail addresses only (no javascript:, data:, file:). */
export function safeHref(href: string): string | null {
  const trimmed = href.trim();
  return /^(https?:\/\/|mailto:)/i.test(trimmed) ? trimmed : null;
}

/** The inline pieces of one line of text. */
export function parseInline(text: string): Inline[] {
  const out: Inline[] = [];
  let plain = "";
  const flush = () => {
    if (plain) out.push({ kind: "text", text: plain });
    plain = "";
  };
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    if (ch === "\\" && i + 1 < text.length && /[\\`*_[\]()#+\-.!|>]/.test(text[i + 1])) {
      plain += text[i + 1];
      i += 2;
      continue;
    }
    if (ch === "`") {
      const end = text.indexOf("`", i + 1);
      if (end > i) {
        flush();
        out.push({ kind: "code", text: text.slice(i + 1, end) });
        i = end + 1;
        continue;
      }
    }
    if ((ch === "*" || ch === "_") && text[i + 1] === ch) {
      const end = text.indexOf(ch + ch, i + 2);
      if (end > i + 2) {
        flush();
        out.push({ kind: "strong", children: parseInline(text.slice(i + 2, end)) });
        i = end + 2;
        continue;
      }
    }
    if (ch === "*" || ch === "_") {
      const end = text.indexOf(ch, i + 1);
      const wordStart = ch === "*" || i === 0 || /\W/.test(text[i - 1]);
      if (end > i + 1 && wordStart && text[i + 1] !== " ") {
        flush();
        out.push({ kind: "em", children: parseInline(text.slice(i + 1, end)) });
        i = end + 1;
        continue;
      }
    }
    if (ch === "[") {
      const link = /^\[([^\]]*)\]\(([^)\s]*)\)/.exec(text.slice(i));
      if (link) {
        flush();
        const href = safeHref(link[2]);
        const children = parseInline(link[1]);
        // A link to anywhere else stays its words: nothing to click.
        if (href) out.push({ kind: "link", href, children });
        else out.push(...children);
        i += link[0].length;
        continue;
      }
    }
    plain += ch;
    i++;
  }
  flush();
  return merged(out);
}

/** Neighbouring text pieces as one. */
function merged(inlines: Inline[]): Inline[] {
  const out: Inline[] = [];
  for (const piece of inlines) {
    const last = out[out.length - 1];
    if (piece.kind === "text" && last?.kind === "text") out[out.length - 1] = { kind: "text", text: last.text + piece.text };
    else out.push(piece);
  }
  return out;
}
