// The UI kit shared by the citizen app and the officer desk: small components named for what they do,
// accessible by construction (labels tied to inputs, live regions for status, 44 px targets, visible focus).
import type { ComponentChildren, JSX } from "preact";
import { useId } from "preact/hooks";

export function Page({ title, children, back }: { title: string; children: ComponentChildren; back?: JSX.Element }) {
  return (
    <section class="page" aria-labelledby="page-title">
      {back}
      <h1 id="page-title" tabIndex={-1}>
        {title}
      </h1>
      {children}
    </section>
  );
}

type ButtonProps = JSX.ButtonHTMLAttributes<HTMLButtonElement> & { kind?: "primary" | "secondary" | "quiet"; busy?: boolean };

export function Button({ kind = "primary", busy = false, children, ...rest }: ButtonProps) {
  return (
    <button class={`button ${kind}`} aria-busy={busy} disabled={busy || (rest.disabled as boolean)} {...rest}>
      {children}
    </button>
  );
}

export function LinkButton({ href, kind = "primary", children }: { href: string; kind?: string; children: ComponentChildren }) {
  return (
    <a class={`button ${kind}`} href={href}>
      {children}
    </a>
  );
}

type FieldProps = Omit<JSX.InputHTMLAttributes<HTMLInputElement>, "label"> & {
  label: string;
  hint?: string;
  error?: string | null;
};

export function TextField({ label, hint, error, ...input }: FieldProps) {
  const id = useId();
  const described = [hint ? `${id}-hint` : "", error ? `${id}-error` : ""].filter(Boolean).join(" ") || undefined;
  return (
    <div class={`field${error ? " invalid" : ""}`}>
      <label for={id}>{label}</label>
      {hint && (
        <p class="hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
      {error && (
        <p class="error" id={`${id}-error`}>
          {error}
        </p>
      )}
      <input id={id} aria-describedby={described} aria-invalid={error ? true : undefined} {...input} />
    </div>
  );
}

type SelectProps = Omit<JSX.SelectHTMLAttributes<HTMLSelectElement>, "label"> & {
  label: string;
  options: { value: string; label: string }[];
};

export function SelectField({ label, options, ...select }: SelectProps) {
  const id = useId();
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <select id={id} {...select}>
        {options.map((o) => (
          <option value={o.value} key={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </div>
  );
}

export function Notice({ kind = "info", children }: { kind?: "info" | "success" | "error"; children: ComponentChildren }) {
  return (
    <div class={`notice ${kind}`} role={kind === "error" ? "alert" : "status"}>
      {children}
    </div>
  );
}

export function Badge({ tone = "neutral", children }: { tone?: "neutral" | "good" | "warn" | "bad"; children: ComponentChildren }) {
  return <span class={`badge ${tone}`}>{children}</span>;
}

export function Card({ children, href, label }: { children: ComponentChildren; href?: string; label?: string }) {
  return href ? (
    <a class="card link" href={href} aria-label={label}>
      {children}
    </a>
  ) : (
    <div class="card">{children}</div>
  );
}

export function Loading({ label }: { label: string }) {
  return (
    <p class="loading" role="status" aria-live="polite">
      <span class="spinner" aria-hidden="true" /> {label}
    </p>
  );
}

export function Progress({ value, label }: { value: number; label: string }) {
  return (
    <div class="progress">
      <label>
        {label} <progress max={100} value={Math.round(value * 100)} /> <span>{Math.round(value * 100)}%</span>
      </label>
    </div>
  );
}

/** A definition list of label → value rows (a procedure's terms, a dossier's facts). */
export function Facts({ rows }: { rows: [string, ComponentChildren][] }) {
  return (
    <dl class="facts">
      {rows.map(([term, value]) => (
        <div key={term}>
          <dt>{term}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}
