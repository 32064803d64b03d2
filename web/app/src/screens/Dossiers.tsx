import { useEffect, useState } from "preact/hooks";
import { api, type Schemas } from "@ui/api";
import { lang } from "@ui/i18n";
import { Badge, Card, Loading, Notice, Page } from "@ui/kit";
import { when } from "@ui/text";
import { SignedIn } from "../App";
import { latest, streaming } from "../live";
import { statusLabel, timeLeftLabel } from "@ui/status";
import { t } from "../strings";

type Summary = Schemas["DossierSummary"];

export function statusTone(status: string): "neutral" | "good" | "warn" | "bad" {
  if (["returned", "approved", "closed"].includes(status)) return "good";
  if (["supplement_requested", "submitted"].includes(status)) return "warn";
  if (["rejected", "withdrawn", "expired"].includes(status)) return "bad";
  return "neutral";
}

export function DossierCard({ d }: { d: Summary }) {
  return (
    <Card href={`/ho-so/${encodeURIComponent(d.code)}`}>
      <h2>{d.procedure_name}</h2>
      <p>
        <strong>{d.code}</strong> ·{" "}
        <Badge tone={statusTone(d.status)}>
          <span data-testid={`status-${d.code}`}>{statusLabel(d)}</span>
        </Badge>
      </p>
      <p>
        {t("submittedAt")}: {when(d.submitted_at, lang.value)}
        {d.due_at && ` · ${t("due")}: ${when(d.due_at, lang.value)}`}
        {d.time_left && ` · ${timeLeftLabel(d.time_left)}`}
      </p>
    </Card>
  );
}

function List() {
  const [page, setPage] = useState<Schemas["DossierPage"] | null>(null);
  const [failed, setFailed] = useState(false);
  const load = () =>
    api
      .GET("/api/v1/dossiers", { params: { query: { limit: 50 } } })
      .then(({ data }) => (data ? setPage(data) : setFailed(true)))
      .catch(() => setFailed(true));
  useEffect(() => void load(), [latest.value]);
  return (
    <Page title={t("dossiersTitle")}>
      {streaming.value && (
        <p>
          <Badge tone="good">{t("live")}</Badge>
        </p>
      )}
      {failed && !page && <Notice kind="error">{t("failed")}</Notice>}
      {!page && !failed && <Loading label={t("loading")} />}
      {page && page.items.length === 0 && <p>{t("noDossiers")}</p>}
      {page && (
        <ul class="plain" aria-live="polite">
          {page.items.map((d) => (
            <li key={d.code}>
              <DossierCard d={d} />
            </li>
          ))}
        </ul>
      )}
    </Page>
  );
}

export function Dossiers() {
  return (
    <SignedIn>
      <List />
    </SignedIn>
  );
}
