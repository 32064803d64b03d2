import { useEffect, useState } from "preact/hooks";
import { useRoute } from "preact-iso";
import { api, type Schemas } from "@ui/api";
import { lang } from "@ui/i18n";
import { Badge, Facts, LinkButton, Loading, Notice, Page, SelectField } from "@ui/kit";
import { vnd } from "@ui/text";
import { t, type Word } from "../strings";

export type ProcedureOut = Schemas["ProcedureOut"];

/** The procedure, from the catalogue (the service worker keeps it for reading offline). */
export function useProcedure(code: string): [ProcedureOut | null, boolean] {
  const [procedure, setProcedure] = useState<ProcedureOut | null>(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    api
      .GET("/api/v1/procedures/{code}", { params: { path: { code } } })
      .then(({ data }) => (data ? setProcedure(data) : setFailed(true)))
      .catch(() => setFailed(true));
  }, [code]);
  return [procedure, failed];
}

export function Procedure() {
  const { params } = useRoute();
  const [procedure, failed] = useProcedure(params.code ?? "");
  const [agency, setAgency] = useState("");
  if (failed) return <Page title={t("failed")}><Notice kind="error">{t("failed")}</Notice></Page>;
  if (!procedure) return <Page title={t("loading")}><Loading label={t("loading")} /></Page>;
  const receivers = procedure.receiving_agencies ?? [];
  const chosen = agency || receivers[0]?.code || "";
  const fileHref = `/nop/${encodeURIComponent(procedure.code)}${chosen ? `?agency=${encodeURIComponent(chosen)}` : ""}`;
  return (
    <Page title={procedure.name}>
      <p>
        <Badge>{procedure.code}</Badge> <Badge tone="good">{t("online", { n: procedure.online_level })}</Badge>{" "}
        {procedure.online_mode && <Badge tone="good">{procedure.online_mode === "full" ? t("onlineFull") : t("onlinePartial")}</Badge>}
      </p>
      <Facts
        rows={[
          [t("fieldFilter"), procedure.field.name],
          [t("levelFilter"), procedure.levels.map((l) => t(l === "commune" ? "commune" : "province")).join(", ")],
          [t("agency"), procedure.implementing_agency.name],
          ...(procedure.result ? [[t("result"), procedure.result] as [string, string]] : []),
        ]}
      />
      {receivers.length > 0 && (
        <>
          <h2>{t("where")}</h2>
          <SelectField
            label={t("receiver")}
            value={chosen}
            onChange={(e) => setAgency(e.currentTarget.value)}
            options={receivers.map((a) => ({ value: a.code, label: a.name }))}
          />
        </>
      )}
      {procedure.online_level >= 3 && (
        <div class="actions">
          <LinkButton href={fileHref}>{t("fileThis")}</LinkButton>
        </div>
      )}
      <h2>{t("cases")}</h2>
      {procedure.cases.map((c) => (
        <div class="card" key={c.code}>
          <h3>{c.name}</h3>
          <ul>
            {c.channels.map((ch) => {
              const fee = (ch.fee_items ?? []).reduce((sum, item) => sum + item.amount, 0);
              return (
                <li key={ch.channel}>
                  {t(`channel_${ch.channel}` as Word)}: {t("days", { n: ch.processing_days })} ·{" "}
                  {fee > 0 ? vnd(fee, lang.value) : t("free")}
                </li>
              );
            })}
          </ul>
        </div>
      ))}
      <h2>{t("documents")}</h2>
      <ol>
        {(procedure.documents ?? []).map((d) => (
          <li key={d.code}>
            {d.name} {d.required === false && <span>{t("optional")}</span>}
            <br />
            <small>
              {t("originals", { o: d.originals, c: d.copies })}
              {d.form_ref && (
                <>
                  {" · "}
                  {/^https?:\/\//.test(d.form_ref) ? <a href={d.form_ref}>{t("template")}</a> : `${t("template")}: ${d.form_ref}`}
                </>
              )}
            </small>
          </li>
        ))}
      </ol>
    </Page>
  );
}
