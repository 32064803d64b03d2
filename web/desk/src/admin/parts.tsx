// Small pieces the admin's screens share beside the kit: a labelled text area and check box, and one way to
// tell the admin what an action did (a live region that keeps the last outcome in view).
import type { ComponentChildren, JSX } from "preact";
import { useId, useState } from "preact/hooks";
import { problemText } from "@ui/api";
import { Notice } from "@ui/kit";
import { a } from "./strings";

type AreaProps = Omit<JSX.TextareaHTMLAttributes<HTMLTextAreaElement>, "label"> & { label: string; hint?: string };

export function TextArea({ label, hint, ...area }: AreaProps) {
  const id = useId();
  return (
    <div class="field">
      <label for={id}>{label}</label>
      {hint && (
        <p class="hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
      <textarea id={id} aria-describedby={hint ? `${id}-hint` : undefined} {...area} />
    </div>
  );
}

type CheckProps = Omit<JSX.InputHTMLAttributes<HTMLInputElement>, "label" | "type"> & { label: ComponentChildren };

export function Check({ label, ...input }: CheckProps) {
  const id = useId();
  return (
    <div class="check">
      <input id={id} type="checkbox" {...input} />
      <label for={id}>{label}</label>
    </div>
  );
}

export type Outcome = { kind: "success" | "error"; text: string } | null;

/** The last outcome of an action on a screen, shown in a live region; ``fail`` words a problem answer. */
export function useOutcome() {
  const [outcome, setOutcome] = useState<Outcome>(null);
  return {
    outcome,
    done: (text: string) => setOutcome({ kind: "success", text }),
    fail: (error: unknown, fallback = a("failed")) => setOutcome({ kind: "error", text: problemText(error, fallback) }),
    clear: () => setOutcome(null),
    view: <div aria-live="polite">{outcome && <Notice kind={outcome.kind}>{outcome.text}</Notice>}</div>,
  };
}
