// Downloads: the network as files for Gephi, yEd and spreadsheets (GraphML, GEXF, CSV, HSDS) and the
// coverage report (PNG, PDF, HTML), from the running service (GET /export/..., GET /report/coverage.*).
// Files are fetched with the token like every question, then handed to the browser as a download.
import { ApiError, fromErrors, getToken } from "./api.js";
import { h, today } from "./dom.js";
import { RESIDENCE_STATUSES } from "./labels.js";

const EXPORTS = [
  ["graphml", "GraphML", "für Gephi und yEd"],
  ["gexf", "GEXF", "für Gephi, mit Farben"],
  ["csv", "CSV-Tabellen (ZIP)", "eine Tabelle je Art, für Tabellenkalkulation und CSV-Import"],
  ["hsds", "HSDS 3.0 (JSON)", "Austauschformat von Angebotsverzeichnissen (Open Referral)"],
];
const REPORTS = [
  ["pdf", "PDF"],
  ["png", "PNG (Bild)"],
  ["html", "HTML (Webseite)"],
];

function filename(response, fallback) {
  const match = /filename="([^"]+)"/.exec(response.headers.get("Content-Disposition") ?? "");
  return match ? match[1] : fallback;
}

/** Fetch `path` with the token and let the browser save it; throws an ApiError with a German message. */
async function fetchFile(path, params, fallback) {
  const query = new URLSearchParams(Object.entries(params).filter(([, value]) => value !== "" && value != null));
  const headers = {};
  const token = getToken();
  if (token) headers.Authorization = `Bearer ${token}`;
  let response;
  try {
    response = await fetch(`${path}${query.size ? `?${query}` : ""}`, { headers });
  } catch {
    throw new ApiError("Der Dienst ist nicht erreichbar. Bitte die Verbindung prüfen und erneut versuchen.");
  }
  if (!response.ok) {
    const body = await response.json().catch(() => null);
    throw new ApiError(body?.errors?.length ? fromErrors(body.errors, response.status) : `Download fehlgeschlagen (HTTP ${response.status}).`);
  }
  const blob = await response.blob();
  const link = h("a", { href: URL.createObjectURL(blob), download: filename(response, fallback), hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 60_000);
  return link.download;
}

export function createDownloadsView(section, { guarded, showMessage }) {
  const saved = (name) => name && showMessage(`Heruntergeladen: ${name}`, "info");
  const exportDay = h("input", { id: "export-asof", type: "date" });
  const exportButtons = EXPORTS.map(([format, label, hint]) =>
    h(
      "li",
      {},
      h(
        "button",
        { type: "button", id: `export-${format}`, onClick: () => guarded(async () => saved(await fetchFile(`/export/${format}`, { asOf: exportDay.value }, `kimnet.${format}`))) },
        label,
      ),
      " ",
      h("span", { class: "meta" }, hint),
    ),
  );

  const reportDay = h("input", { id: "report-asof", type: "date", value: today(), required: true });
  const compareDay = h("input", { id: "report-compare", type: "date" });
  const age = h("input", { id: "report-age", type: "number", min: 0, max: 130, placeholder: "alle" });
  const status = h(
    "select",
    { id: "report-status" },
    h("option", { value: "" }, "alle"),
    Object.entries(RESIDENCE_STATUSES).map(([value, label]) => h("option", { value }, label)),
  );
  const report = (suffix) => () =>
    guarded(async () =>
      saved(
        await fetchFile(
          `/report/coverage.${suffix}`,
          { asOf: reportDay.value, compare: compareDay.value, age: age.value, residenceStatus: status.value },
          `kimnet-abdeckung.${suffix}`,
        ),
      ),
    );

  section.append(
    h("h2", {}, "Herunterladen"),
    h(
      "p",
      { class: "hint" },
      "Das Netzwerk als Datei für Gephi, yEd oder die Tabellenkalkulation, und der Versorgungsbericht zum Ausdrucken. ",
      "Die Dateien kommen aus dem laufenden Dienst; dieselben Dateien schreibt die Kommandozeile (kimnet export, kimnet report coverage).",
    ),
    h("h3", {}, "Netzwerk exportieren"),
    h(
      "form",
      { class: "inline", onSubmit: (event) => event.preventDefault() },
      h("label", { for: "export-asof" }, "Stichtag (leer: alles, auch Beendetes)"),
      exportDay,
    ),
    h("ul", { class: "downloads" }, exportButtons),
    h("h3", {}, "Versorgungsbericht"),
    h(
      "form",
      { class: "inline", id: "report-form", onSubmit: (event) => event.preventDefault() },
      h("label", { for: "report-asof" }, "Stichtag"),
      reportDay,
      h("label", { for: "report-compare" }, "Vergleich mit"),
      compareDay,
      h("label", { for: "report-age" }, "Alter"),
      age,
      h("label", { for: "report-status" }, "Aufenthaltsstatus"),
      status,
    ),
    h(
      "ul",
      { class: "downloads" },
      REPORTS.map(([suffix, label]) => h("li", {}, h("button", { type: "button", id: `report-${suffix}`, onClick: report(suffix) }, `Bericht als ${label}`))),
    ),
  );
}
