// Files the desk shows: a dossier's documents and papers, fetched by the typed client as blobs, previewed
// inline (a PDF in a frame, an image as itself), downloaded, printed.
import { useEffect, useRef, useState } from "preact/hooks";
import { api, saveBlob, type Schemas } from "@ui/api";
import { Button, Loading, Notice } from "@ui/kit";
import { t } from "./strings";

export type Paper = Schemas["Paper"];

/** A dossier's document as a blob (the officer's token goes with it). */
export async function documentBlob(code: string, id: string): Promise<Blob> {
  const { data } = await api.GET("/api/v1/dossiers/{code}/documents/{document_id}", {
    params: { path: { code, document_id: id } },
    parseAs: "blob",
  });
  if (!data) throw new Error("document");
  return data;
}

/** One of the dossier's papers (the forms of Thông tư 03/2025/TT-VPCP) as a PDF blob, its latest issue. */
export async function paperBlob(code: string, paper: Paper): Promise<Blob> {
  const { data } = await api.GET("/api/v1/dossiers/{code}/papers/{paper}", {
    params: { path: { code, paper } },
    parseAs: "blob",
  });
  if (!data) throw new Error("paper");
  return data;
}

/** A file shown inline with its download and, for a PDF, print; ``load`` fetches it when first shown. */
export function Preview({ title, name, load }: { title: string; name: string; load: () => Promise<Blob> }) {
  const [blob, setBlob] = useState<Blob | null>(null);
  const [href, setHref] = useState<string | null>(null);
  const [failed, setFailed] = useState(false);
  const frame = useRef<HTMLIFrameElement>(null);
  useEffect(() => {
    let url: string | null = null;
    load()
      .then((got) => {
        url = URL.createObjectURL(got);
        setBlob(got);
        setHref(url);
      })
      .catch(() => setFailed(true));
    return () => url && URL.revokeObjectURL(url);
  }, [name]);
  if (failed) return <Notice kind="error">{t("failed")}</Notice>;
  if (!blob || !href) return <Loading label={t("loading")} />;
  const pdf = blob.type === "application/pdf";
  const print = () => {
    const view = frame.current?.contentWindow;
    if (view) view.print();
    else window.open(href, "_blank", "noopener");
  };
  return (
    <figure class="preview" aria-label={title}>
      {pdf ? (
        <iframe ref={frame} src={href} title={title} data-testid="preview" />
      ) : blob.type.startsWith("image/") ? (
        <img src={href} alt={title} data-testid="preview" />
      ) : (
        <p>{t("noPreview")}</p>
      )}
      <figcaption class="actions">
        <Button kind="secondary" onClick={() => saveBlob(blob, name)}>
          {t("download")}
        </Button>
        {pdf && (
          <Button kind="secondary" onClick={print}>
            {t("print")}
          </Button>
        )}
      </figcaption>
    </figure>
  );
}
