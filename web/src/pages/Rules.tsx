import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import type { ApiClient } from "../api/client";
import type { Project } from "../api/models";
import {
  addRule,
  type Disagreement,
  listDisagreements,
  listRules,
  type NewRule,
  removeRule,
  type Rules as RulesData,
} from "../api/rules";
import { Disagreements, VoteSummary } from "../components/rules/Disagreements";
import { RuleForm } from "../components/rules/RuleForm";
import { RuleTable } from "../components/rules/RuleTable";
import "../components/rules/rules.css";
import { routeHref } from "../lib/route";

interface Props {
  api: ApiClient;
  project: Project;
  /** Admins add, remove and apply functions; reviewers read. */
  canManage: boolean;
}

/** Seconds between two looks at the functions while a round applies them. */
const POLL_SECONDS = 2;
/** How long the page keeps looking before it leaves "Refresh" to the person. */
const POLL_LIMIT_SECONDS = 600;

/**
 * The Rules panel: the project's labeling functions with their figures, a form
 * to add keyword and regex functions, the label model against majority vote,
 * and the items where the label model contradicts a person.
 */
export function Rules({ api, project, canManage }: Props) {
  const [rules, setRules] = useState<RulesData | null>(null);
  const [disagreements, setDisagreements] = useState<Disagreement[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [removing, setRemoving] = useState<string | null>(null);
  const [applying, setApplying] = useState(false);
  const pollStarted = useRef(0);

  const load = useCallback(async () => {
    try {
      const [found, disagreeing] = await Promise.all([
        listRules(api, project.name),
        listDisagreements(api, project.name),
      ]);
      setRules(found);
      setDisagreements(disagreeing);
      setError(null);
      return found;
    } catch (e: unknown) {
      setError(e instanceof Error ? e.message : String(e));
      return null;
    }
  }, [api, project.name]);

  useEffect(() => {
    void load();
  }, [load]);

  // While a round applies the functions, ask the trainer's state (cheap, and
  // shared between requests), not the figures: those fit the label model
  // again, which takes seconds on a large pool. When the trainer is idle, read
  // the figures once; look again while an enabled function is not applied.
  useEffect(() => {
    if (!applying) return;
    let busy = false;
    const timer = window.setInterval(async () => {
      if (busy) return;
      busy = true;
      try {
        const stats = await api.stats(project.name);
        const late = Date.now() - pollStarted.current > POLL_LIMIT_SECONDS * 1000;
        if (stats.training?.state !== "idle" && !late) return;
        const found = await load();
        const waiting = found?.rules.some((r) => r.enabled && !r.applied) ?? true;
        if (!waiting || late) {
          setApplying(false);
          setNotice(waiting ? "Still applying; use Refresh to look again." : "Applied: the figures below are fresh.");
        }
      } catch (e: unknown) {
        setNotice(e instanceof Error ? e.message : String(e));
      } finally {
        busy = false;
      }
    }, POLL_SECONDS * 1000);
    return () => window.clearInterval(timer);
  }, [applying, load, api, project.name]);

  const apply = async () => {
    try {
      await api.train(project.name);
      pollStarted.current = Date.now();
      setApplying(true);
      setNotice("Applying: a training round applies the functions to the items and fits the label model.");
    } catch (e: unknown) {
      setNotice(e instanceof Error ? e.message : String(e));
    }
  };

  const add = async (rule: NewRule) => {
    await addRule(api, project.name, rule);
    setNotice(`Added “${rule.name}”. Apply to see its figures.`);
    await load();
  };

  const remove = async (name: string) => {
    setRemoving(name);
    try {
      await removeRule(api, project.name, name);
      setNotice(`Removed “${name}” and its votes.`);
      await load();
    } catch (e: unknown) {
      setNotice(e instanceof Error ? e.message : String(e));
    } finally {
      setRemoving(null);
    }
  };

  const waiting = rules?.rules.filter((r) => r.enabled && !r.applied).length ?? 0;

  return (
    <div class="rules-page page">
      <header class="bar">
        <a href={routeHref({ page: "label", project: project.name })}>← Labeling</a>
        <h1>{project.name} · Rules</h1>
        <nav>
          <button type="button" class="link" onClick={() => void load()}>
            Refresh
          </button>
        </nav>
      </header>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {notice && (
        <p class="message" role="status" data-testid="rules-notice">
          {notice}
        </p>
      )}
      <section aria-labelledby="rules-functions">
        <div class="section-head">
          <h2 id="rules-functions">Labeling functions</h2>
          {canManage && (
            <button type="button" onClick={() => void apply()} disabled={applying} data-testid="rules-apply">
              {applying ? "Applying…" : waiting > 0 ? `Apply now (${waiting} not applied)` : "Apply now"}
            </button>
          )}
        </div>
        {rules === null ? (
          <p class="muted">Loading…</p>
        ) : (
          <RuleTable rules={rules.rules} onRemove={canManage ? (name) => void remove(name) : null} removing={removing} />
        )}
        {canManage && <RuleForm labels={project.labels} onAdd={add} />}
      </section>
      <section aria-labelledby="rules-label-model">
        <h2 id="rules-label-model">Label model against majority vote</h2>
        <VoteSummary labelModel={rules?.labelModel ?? null} majorityVote={rules?.majorityVote ?? null} />
      </section>
      <section aria-labelledby="rules-disagreements">
        <h2 id="rules-disagreements">Where the rules and people disagree</h2>
        <p class="muted">
          Most confident first: a person's slip, or a function that fires where it should not (its votes say which).
        </p>
        <Disagreements rows={disagreements} />
      </section>
    </div>
  );
}
