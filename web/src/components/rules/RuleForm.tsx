import { useState } from "preact/hooks";
import { type NewRule, splitKeywords } from "../../api/rules";

interface Props {
  /** The project's labels: a function votes one of them. */
  labels: readonly string[];
  /** Add the function; a rejection's message (the server's sentence) is shown. */
  onAdd: (rule: NewRule) => Promise<void>;
}

/**
 * The form that adds a keyword or regex function. Python functions are code:
 * they are added with the CLI (`activelabel lf add NAME --file lfs.py`). The
 * server checks everything (a regex that does not compile, a label outside
 * the schema, a name taken) and its sentence is shown under the form.
 */
export function RuleForm({ labels, onAdd }: Props) {
  const [kind, setKind] = useState<"keywords" | "regex">("keywords");
  const [name, setName] = useState("");
  const [label, setLabel] = useState("");
  const [keywords, setKeywords] = useState("");
  const [pattern, setPattern] = useState("");
  const [caseSensitive, setCaseSensitive] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const submit = async (e: Event) => {
    e.preventDefault();
    const rule: NewRule =
      kind === "keywords"
        ? { kind, name: name.trim(), label: label.trim(), keywords: splitKeywords(keywords), caseSensitive }
        : { kind, name: name.trim(), label: label.trim(), pattern };
    setBusy(true);
    setError(null);
    try {
      await onAdd(rule);
      setName("");
      setKeywords("");
      setPattern("");
    } catch (err: unknown) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="rule-form" onSubmit={submit} aria-label="Add a labeling function" data-testid="rule-form">
      <fieldset class="rule-kind">
        <legend>Add a function that votes a label</legend>
        <label>
          <input type="radio" name="rule-kind" checked={kind === "keywords"} onChange={() => setKind("keywords")} />{" "}
          keywords
        </label>
        <label>
          <input type="radio" name="rule-kind" checked={kind === "regex"} onChange={() => setKind("regex")} /> regular
          expression
        </label>
      </fieldset>
      <label>
        Name
        <input
          data-testid="rule-name"
          value={name}
          required
          maxLength={200}
          placeholder="prize-words"
          onInput={(e) => setName((e.currentTarget as HTMLInputElement).value)}
        />
      </label>
      <label>
        Label it votes
        <input
          data-testid="rule-label"
          list="rule-labels"
          value={label}
          required
          placeholder={labels[0] ?? ""}
          onInput={(e) => setLabel((e.currentTarget as HTMLInputElement).value)}
        />
        <datalist id="rule-labels">
          {labels.map((l) => (
            <option key={l} value={l} />
          ))}
        </datalist>
      </label>
      {kind === "keywords" ? (
        <>
          <label class="wide">
            Keywords, comma-separated (whole words)
            <input
              data-testid="rule-keywords"
              value={keywords}
              required
              placeholder="prize, winner, claim"
              onInput={(e) => setKeywords((e.currentTarget as HTMLInputElement).value)}
            />
          </label>
          <label class="inline">
            <input
              type="checkbox"
              checked={caseSensitive}
              onChange={(e) => setCaseSensitive((e.currentTarget as HTMLInputElement).checked)}
            />{" "}
            case-sensitive
          </label>
        </>
      ) : (
        <label class="wide">
          Regular expression (Python syntax; it votes where it matches anywhere in the text)
          <input
            data-testid="rule-pattern"
            class="mono"
            value={pattern}
            required
            placeholder="£\d+"
            spellcheck={false}
            onInput={(e) => setPattern((e.currentTarget as HTMLInputElement).value)}
          />
        </label>
      )}
      <div class="rule-form-actions">
        <button type="submit" class="primary" disabled={busy} data-testid="rule-add">
          {busy ? "Adding…" : "Add function"}
        </button>
        <span class="muted">Python functions are code: add them with the CLI (activelabel lf add NAME --file lfs.py).</span>
      </div>
      {error && (
        <p class="error" role="alert" data-testid="rule-error">
          {error}
        </p>
      )}
    </form>
  );
}
