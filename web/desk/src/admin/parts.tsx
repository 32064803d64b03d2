// Small pieces the admin's screens share beside the kit: a labelled text area and check box, and one way to
// tell the admin what an action did (a live region that keeps the last outcome in view).
import type { ComponentChildren, JSX } from "preact";
import { useId, useState } from "preact/hooks";
import { problemText } from "@ui/api";
import { Button, Loading, Notice } from "@ui/kit";
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

/** The last outcome of an action on a screen, shown in a live region; ``fail`` words a problem answer;
``run(key, act)`` marks ``key`` busy while ``act`` runs and words what it throws. */
export function useOutcome() {
  const [outcome, setOutcome] = useState<Outcome>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const fail = (error: unknown, fallback = a("failed")) =>
    setOutcome({ kind: "error", text: problemText(error, fallback) });
  return {
    outcome,
    busy,
    done: (text: string) => setOutcome({ kind: "success", text }),
    fail,
    clear: () => setOutcome(null),
    run: async (key: string, act: () => Promise<unknown>): Promise<void> => {
      setBusy(key);
      setOutcome(null);
      try {
        await act();
      } catch (error) {
        fail(error);
      } finally {
        setBusy(null);
      }
    },
    view: <div aria-live="polite">{outcome && <Notice kind={outcome.kind}>{outcome.text}</Notice>}</div>,
  };
}

type Paged<T> = { items: T[]; total: number; next_cursor?: string | null };

/** A cursor-paged listing: its rows (null until the first page comes), total, next cursor and failure;
``load()`` reads the first page again, ``load(next)`` adds the next one. */
export function usePaged<T>(fetch: (cursor: string | null) => Promise<Paged<T> | undefined>) {
  const [items, setItems] = useState<T[] | null>(null);
  const [total, setTotal] = useState(0);
  const [next, setNext] = useState<string | null>(null);
  const [failed, setFailed] = useState(false);
  const load = async (cursor: string | null = null): Promise<void> => {
    const data = await fetch(cursor).catch(() => undefined);
    if (!data) return setFailed(true);
    setFailed(false);
    setItems((before) => (cursor && before ? [...before, ...data.items] : data.items));
    setTotal(data.total);
    setNext(data.next_cursor ?? null);
  };
  return { items, setItems, total, setTotal, next, failed, load };
}

/** A listing's frame: the failure or the loading line, then ``children(rows)`` once rows came, then "Tải thêm". */
export function Listing<T>({
  paged,
  children,
}: {
  paged: ReturnType<typeof usePaged<T>>;
  children: (items: T[]) => ComponentChildren;
}) {
  return (
    <>
      {paged.failed && <Notice kind="error">{a("failed")}</Notice>}
      {paged.items === null && !paged.failed && <Loading label={a("loading")} />}
      {paged.items && children(paged.items)}
      {paged.items && paged.next && (
        <div class="actions">
          <Button kind="secondary" onClick={() => void paged.load(paged.next)}>
            {a("more")}
          </Button>
        </div>
      )}
    </>
  );
}
