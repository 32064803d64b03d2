// Notification templates: one chosen, edited, previewed against its event type's example (an SMS with its
// segments), then saved as its next version.
import "./admin.css";
import { useEffect, useState } from "preact/hooks";
import { api, type Schemas } from "@ui/api";
import { lang } from "@ui/i18n";
import { Button, Loading, Notice, Page, SelectField, TextField } from "@ui/kit";
import { when } from "@ui/text";
import { TextArea, useOutcome } from "./parts";
import { a, type AdminWord } from "./strings";

type Template = Schemas["TemplateOut"];
type Preview = Schemas["PreviewOut"];
type Channel = "sms" | "email" | "push" | "in_app";

const keyOf = (t: Pick<Template, "code" | "channel">) => `${t.code}/${t.channel}`;
const channelName = (channel: string) =>
  ["sms", "email", "push", "in_app"].includes(channel) ? a(`channel_${channel}` as AdminWord) : channel;

export function Templates() {
  const [items, setItems] = useState<Template[] | null>(null);
  const [failed, setFailed] = useState(false);
  const [chosen, setChosen] = useState("");
  const [subject, setSubject] = useState("");
  const [body, setBody] = useState("");
  const [preview, setPreview] = useState<Preview | null>(null);
  const result = useOutcome();

  const current = items?.find((t) => keyOf(t) === chosen) ?? null;
  const pick = (template: Template | undefined) => {
    if (!template) return;
    setChosen(keyOf(template));
    setSubject(template.subject ?? "");
    setBody(template.body);
    setPreview(null);
    result.clear();
  };

  useEffect(() => {
    void api
      .GET("/api/v1/notifications/templates")
      .then(({ data }) => {
        if (!data) return setFailed(true);
        const sorted = [...data.items].sort((x, y) => keyOf(x).localeCompare(keyOf(y)));
        setItems(sorted);
        pick(sorted[0]);
      })
      .catch(() => setFailed(true));
  }, []);

  const path = () => ({ code: current!.code, channel: current!.channel as Channel });
  const draft = () => ({ subject: current!.channel === "sms" ? null : subject || null, body });

  const { run, busy } = result;

  const show = () =>
    run("preview", async () => {
      const { data, error } = await api.POST("/api/v1/notifications/templates/{code}/{channel}/preview", {
        params: { path: path() },
        body: draft(),
      });
      if (!data) {
        setPreview(null);
        return result.fail(error);
      }
      setPreview(data);
    });

  const save = () =>
    run("save", async () => {
      const { data, error } = await api.PUT("/api/v1/notifications/templates/{code}/{channel}", {
        params: { path: path() },
        body: draft(),
      });
      if (!data) return result.fail(error);
      setItems((rows) => rows?.map((r) => (keyOf(r) === keyOf(data) ? data : r)) ?? null);
      result.done(a("templateSaved", { version: data.version }));
    });

  return (
    <Page title={a("templatesTitle")}>
      <p>{a("templatesIntro")}</p>
      {failed && <Notice kind="error">{a("failed")}</Notice>}
      {items === null && !failed && <Loading label={a("loading")} />}
      {items && current && (
        <>
          <form class="filters" onSubmit={(e) => e.preventDefault()}>
            <SelectField
              label={a("template")}
              value={chosen}
              onChange={(e) => pick(items.find((t) => keyOf(t) === e.currentTarget.value))}
              options={items.map((t) => ({ value: keyOf(t), label: `${t.code} — ${channelName(t.channel)}` }))}
            />
          </form>
          <p class="hint">
            {a("versionBy", { version: current.version, who: current.created_by, at: when(current.created_at, lang.value, true) })}
          </p>
          <form
            onSubmit={(e) => {
              e.preventDefault();
              void save();
            }}
          >
            {current.channel !== "sms" && (
              <TextField label={a("subject")} maxLength={500} value={subject} onInput={(e) => setSubject(e.currentTarget.value)} />
            )}
            <TextArea
              label={a("body")}
              rows={current.channel === "email" ? 12 : 5}
              spellcheck={false}
              required
              maxLength={10000}
              value={body}
              onInput={(e) => setBody(e.currentTarget.value)}
            />
            <div class="actions">
              <Button type="button" kind="secondary" busy={busy === "preview"} onClick={() => void show()}>
                {a("preview")}
              </Button>
              <Button type="submit" busy={busy === "save"}>
                {a("saveTemplate")}
              </Button>
            </div>
          </form>
          {result.view}
          {preview && (
            <section class="card preview" aria-labelledby="preview-title">
              <h2 id="preview-title">{a("previewTitle")}</h2>
              {preview.subject && (
                <p>
                  <strong>{preview.subject}</strong>
                </p>
              )}
              <p class="rendered" data-testid="preview-body">
                {preview.sms ? preview.sms.text : preview.body}
              </p>
              {preview.sms && (
                <p class="hint">
                  {a("smsInfo", { segments: preview.sms.segments, encoding: preview.sms.encoding, units: preview.sms.units })}
                </p>
              )}
            </section>
          )}
        </>
      )}
    </Page>
  );
}
