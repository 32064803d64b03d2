// Import a catalogue file: a dry run first (what would be published, left as it is, refused and why), then the
// import itself, all or nothing.
import "./admin.css";
import { useState } from "preact/hooks";
import { api, problemText, type Problem, type Schemas } from "@ui/api";
import { Button, Notice, Page } from "@ui/kit";
import { deskPath } from "../screens";
import { useOutcome } from "./parts";
import { a } from "./strings";

type Report = Schemas["ImportReport"];

function form(file: File): FormData {
  const body = new FormData();
  body.append("file", file, file.name);
  return body;
}

function ReportView({ report }: { report: Report }) {
  const rejected = report.rejected ?? [];
  // One row may be refused for several reasons: the count is of rows.
  const refusedRows = new Set(rejected.map((r) => r.index)).size;
  return (
    <section aria-labelledby="report-title">
      <h2 id="report-title">{report.dry_run ? a("reportTitle") : a("reportDone")}</h2>
      <ul>
        <li>{a("received", { n: report.received })}</li>
        <li>{report.dry_run ? a("toPublish", { n: report.published.length }) : a("didPublish", { n: report.published.length })}</li>
        <li>{a("unchanged", { n: report.unchanged.length })}</li>
        {report.dry_run && <li>{a("rejected", { n: refusedRows })}</li>}
      </ul>
      {report.published.length > 0 && (
        <p>
          {report.published.map((p) => (
            <span class="ref" key={p.code}>
              <a href={deskPath(`quan-tri/thu-tuc/${encodeURIComponent(p.code)}`)}>{p.code}</a> v{p.version}{" "}
            </span>
          ))}
        </p>
      )}
      {rejected.length > 0 && (
        <>
          <Notice kind="error">{a("fixFirst")}</Notice>
          <div class="table-wrap">
            <table class="queue">
              <caption class="visually-hidden">{a("rejected", { n: refusedRows })}</caption>
              <thead>
                <tr>
                  <th scope="col">{a("colRow")}</th>
                  <th scope="col">{a("colCode")}</th>
                  <th scope="col">{a("colField")}</th>
                  <th scope="col">{a("colReason")}</th>
                </tr>
              </thead>
              <tbody>
                {rejected.map((r, i) => (
                  <tr key={i}>
                    <td>{r.index + 1}</td>
                    <td>{r.procedure_code ?? "—"}</td>
                    <td>
                      <code>{r.field}</code>
                    </td>
                    <td>{r.message}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </section>
  );
}

export function Import() {
  const [file, setFile] = useState<File | null>(null);
  const [report, setReport] = useState<Report | null>(null);
  const result = useOutcome();

  const send = (dryRun: boolean) =>
    result.run(dryRun ? "dry" : "real", async () => {
      if (!file) return;
      const { data, error } = await api.POST("/api/v1/procedures/import", {
        params: { query: { dry_run: dryRun } },
        // The generated body type is the JSON form; the multipart form is the same operation's other body.
        body: form(file) as unknown as Record<string, never>,
        bodySerializer: (body) => body as unknown as FormData,
      });
      if (data) {
        setReport(data);
      } else {
        const problem = error as Problem | undefined;
        setReport(null);
        result.fail(error, a("importRefused", { detail: problemText(problem, "") }));
      }
    });

  const clean = report?.dry_run && (report.rejected ?? []).length === 0 && report.published.length > 0;
  return (
    <Page
      title={a("importTitle")}
      back={
        <a class="back" href={deskPath("quan-tri/thu-tuc")}>
          {a("backToCatalogue")}
        </a>
      }
    >
      <p>{a("importIntro")}</p>
      <form
        class="narrow"
        onSubmit={(e) => {
          e.preventDefault();
          void send(true);
        }}
      >
        <div class="field">
          <label for="import-file">{a("importFile")}</label>
          <input
            id="import-file"
            type="file"
            accept="application/json,.json"
            onChange={(e) => {
              setFile(e.currentTarget.files?.[0] ?? null);
              setReport(null);
            }}
          />
        </div>
        <div class="actions">
          <Button type="submit" kind={clean ? "secondary" : "primary"} disabled={!file} busy={result.busy === "dry"}>
            {a("dryRun")}
          </Button>
          {clean && (
            <Button type="button" busy={result.busy === "real"} onClick={() => void send(false)}>
              {a("importNow")}
            </Button>
          )}
        </div>
      </form>
      {result.view}
      {report && <ReportView report={report} />}
    </Page>
  );
}
