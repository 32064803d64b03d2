// Dead letters, one service at a time: what failed, why, how often; replayed once the cause is fixed.
import "./admin.css";
import { useEffect, useState } from "preact/hooks";
import { useLocation } from "preact-iso";
import type { paths } from "@api/schema";
import { api, type Schemas } from "@ui/api";
import { lang } from "@ui/i18n";
import { Button, Page, SelectField } from "@ui/kit";
import { CountedTable } from "@ui/table";
import { when } from "@ui/text";
import { Listing, useOutcome, usePaged } from "./parts";
import { a, type AdminWord } from "./strings";

type Letter = Schemas["DeadLetterOut"];
type Service = paths["/ops/{service}/dlq"]["get"]["parameters"]["path"]["service"];

const SERVICES: Service[] = ["catalog", "dossier", "payment", "notify"];

function pretty(payload: string): string {
  try {
    return JSON.stringify(JSON.parse(payload), null, 2);
  } catch {
    return payload;
  }
}

export function DeadLetters() {
  const { route, path } = useLocation();
  const [service, setService] = useState<Service>(() => {
    const asked = new URLSearchParams(location.search).get("service") as Service | null;
    return asked && SERVICES.includes(asked) ? asked : "notify";
  });
  const result = useOutcome();
  const paged = usePaged<Letter>(
    async (cursor) =>
      (await api.GET("/ops/{service}/dlq", { params: { path: { service }, query: cursor ? { cursor } : {} } })).data,
  );

  useEffect(() => {
    paged.setItems(null);
    void paged.load();
  }, [service]);

  const replay = (letter: Letter) =>
    result.run(`letter-${letter.id}`, async () => {
      const { data, error } = await api.POST("/ops/{service}/dlq/{letter_id}/replay", {
        params: { path: { service, letter_id: letter.id } },
      });
      if (!data) return result.fail(error);
      result.done(a(data.applied ? "replayed" : "replayedDuplicate", { id: data.id }));
      paged.setItems((rows) => rows?.filter((r) => r.id !== letter.id) ?? null);
      paged.setTotal((n) => n - 1);
    });

  const serviceName = a(`service_${service}` as AdminWord);
  return (
    <Page title={a("dlqTitle")}>
      <p>{a("dlqIntro")}</p>
      <form class="filters" onSubmit={(e) => e.preventDefault()}>
        <SelectField
          label={a("service")}
          value={service}
          onChange={(e) => {
            const chosen = e.currentTarget.value as Service;
            setService(chosen);
            route(`${path}?service=${chosen}`, true);
          }}
          options={SERVICES.map((s) => ({ value: s, label: a(`service_${s}` as AdminWord) }))}
        />
      </form>
      {result.view}
      <Listing paged={paged}>
        {(items) => (
          <CountedTable
            count={a("lettersOf", { n: paged.total, service: serviceName })}
            empty={a("noLetters")}
            caption={a("lettersOf", { n: paged.total, service: serviceName })}
            tableClass="queue letters"
            columns={["#", a("colType"), a("colKey"), a("colError"), a("colAttempts"), a("colFailed"), a("colActions")]}
            items={items}
            row={(letter) => (
              <tr key={letter.id} data-letter={letter.id}>
                <th scope="row">{letter.id}</th>
                <td>
                  <code>{letter.type ?? "—"}</code>
                  <details>
                    <summary>{a("payload")}</summary>
                    <pre>{pretty(letter.payload)}</pre>
                  </details>
                </td>
                <td>{letter.key ?? "—"}</td>
                <td class="error-text">{letter.error}</td>
                <td>{letter.attempts}</td>
                <td>{when(letter.failed_at, lang.value, true)}</td>
                <td>
                  <Button
                    kind="secondary"
                    busy={result.busy === `letter-${letter.id}`}
                    aria-label={a("replayOf", { id: letter.id })}
                    onClick={() => void replay(letter)}
                  >
                    {a("replay")}
                  </Button>
                </td>
              </tr>
            )}
          />
        )}
      </Listing>
    </Page>
  );
}
