import { useEffect, useState } from "preact/hooks";
import { api, type Schemas } from "@ui/api";
import { lang } from "@ui/i18n";
import { Badge, Button, Loading, Page } from "@ui/kit";
import { when } from "@ui/text";
import { SignedIn } from "../App";
import { latest, refreshUnread } from "../live";
import { t } from "../strings";

function List() {
  const [items, setItems] = useState<Schemas["NotificationOut"][] | null>(null);
  const load = () => api.GET("/api/v1/notifications", { params: { query: { limit: 50 } } }).then(({ data }) => data && setItems(data.items));
  useEffect(() => void load(), [latest.value]);
  const read = async (id: string) => {
    await api.POST("/api/v1/notifications/{notification_id}/read", { params: { path: { notification_id: id } } });
    await Promise.all([load(), refreshUnread()]);
  };
  return (
    <Page title={t("inboxTitle")}>
      {!items && <Loading label={t("loading")} />}
      {items?.length === 0 && <p>{t("noNotifications")}</p>}
      <ul class="plain" aria-live="polite" data-testid="inbox">
        {items?.map((n) => (
          <li key={n.id} class="card">
            <h2>
              {!n.read_at && <Badge tone="warn">{t("newBadge")}</Badge>} {n.title}
            </h2>
            <p>{n.body}</p>
            <p>
              <time dateTime={n.created_at}>{when(n.created_at, lang.value, true)}</time>
              {n.dossier_code && (
                <>
                  {" · "}
                  <a href={`/ho-so/${encodeURIComponent(n.dossier_code)}`}>{n.dossier_code}</a>
                </>
              )}
            </p>
            {!n.read_at && (
              <Button kind="quiet" onClick={() => void read(n.id)}>
                {t("markRead")}
              </Button>
            )}
          </li>
        ))}
      </ul>
    </Page>
  );
}

export function Inbox() {
  return (
    <SignedIn>
      <List />
    </SignedIn>
  );
}
