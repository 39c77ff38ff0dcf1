// The coverage matrix: municipalities × needs on one day, gaps highlighted, and what changes by a second day.
// Per municipality one `coverage` field (aliases, in chunks that stay within the service's limits),
// plus `coverageGaps` and `coverageChanges` for the ranked lists.
import { graphql } from "./api.js";
import { germanDate, h, number, replace, table, today } from "./dom.js";
import { LEVELS, RESIDENCE_STATUSES } from "./labels.js";
import { CONDITION_FIELDS, needCondition } from "./reasons.js";

const BASICS = `
query Grundlagen($asOf: Date) {
  municipalities(first: 500, asOf: $asOf) { nodes { key name population } }
  needs(first: 500, asOf: $asOf, orderBy: [{field: NAME}]) { nodes { key name } }
}`;

const GAP_FIELDS = `municipality { key name } need { key name } population populationBasis condition { ${CONDITION_FIELDS} }`;

const LISTS = `
query Luecken($asOf: Date!, $target: TargetGroupInput) {
  gaps: coverageGaps(asOf: $asOf, target: $target) { ${GAP_FIELDS} }
}`;

const CHANGES = `
query Veraenderungen($from: Date!, $to: Date!, $target: TargetGroupInput) {
  changes: coverageChanges(from: $from, to: $to, target: $target) {
    opened { ${GAP_FIELDS} }
    closed { ${GAP_FIELDS} }
    moved { municipality { key name } need { key name } population before after }
    ended { key name validTo }
    started { key name validFrom }
  }
}`;

// Aliases per request: well below the service's limit on aliases (30 by default).
const CHUNK = 15;

/**
 * Each municipality's coverage on `day`: {municipalityKey: {needKey: {level, offers}}}, and whether each need
 * applies to the target group: {needKey: {status, condition}} (the same in every municipality).
 */
async function levels(municipalities, day, target) {
  const result = {};
  const applicability = {};
  for (let start = 0; start < municipalities.length; start += CHUNK) {
    const chunk = municipalities.slice(start, start + CHUNK);
    const variables = { day, target };
    const declarations = chunk.map((_, i) => `$m${i}: ID!`).join(", ");
    const fields = chunk
      .map((m, i) => {
        variables[`m${i}`] = m.key;
        return `m${i}: coverage(municipality: $m${i}, asOf: $day, target: $target) {
          need { key } level offers { offer { name } level illustrative } applicability { status condition { ${CONDITION_FIELDS} } } }`;
      })
      .join("\n");
    const data = await graphql(`query Matrix($day: Date!, $target: TargetGroupInput, ${declarations}) {\n${fields}\n}`, variables);
    chunk.forEach((m, i) => {
      result[m.key] = Object.fromEntries(
        data[`m${i}`].map((c) => {
          // The cell rests on illustrative data when every offer at its closest level does.
          const closest = c.offers.filter((o) => o.level === c.level);
          const illustrative = closest.length > 0 && closest.every((o) => o.illustrative);
          return [c.need.key, { level: c.level, offers: c.offers.map((o) => o.offer.name + (o.illustrative ? " (ergänzte Daten)" : "")), illustrative }];
        }),
      );
      for (const c of data[`m${i}`]) applicability[c.need.key] = c.applicability;
    });
  }
  return { cells: result, applicability };
}

function change(before, after) {
  if (!before && !after) return "gap";
  if (!after) return "opened";
  if (!before) return "closed";
  return before === after ? "same" : "moved";
}

const CHANGE_TEXT = {
  opened: "Lücke entsteht",
  closed: "Lücke schließt sich",
  moved: "andere Ebene",
  gap: "Lücke an beiden Tagen",
  same: "unverändert",
};

function cell(first, second, applies) {
  if (applies?.status === "NOT_APPLICABLE") {
    return h("td", { class: "not-applicable", title: `nicht zutreffend: ${needCondition(applies.condition)}` }, "n. z.");
  }
  const possible = applies?.status === "CONDITIONAL";
  const gapText = possible ? "Lücke?" : "Lücke";
  const gapClass = possible ? "possible-gap" : "gap";
  // "*": the cell rests only on offers (or areas) the seed fills in without a source.
  const levelText = (c) => (c.level ? `${LEVELS[c.level].short}${c.illustrative ? "*" : ""}` : gapText);
  const condition = possible ? ` (mögliche Lücke: ${needCondition(applies.condition)})` : "";
  const title = (c, day) => `${germanDate(day.date)}: ${c.level ? `${LEVELS[c.level].label} – ${c.offers.join(", ")}` : `kein Angebot${condition}`}`;
  if (!second) {
    return h(
      "td",
      { class: first.cell.level ? `level-${first.cell.level.toLowerCase()}` : gapClass, title: title(first.cell, first) },
      levelText(first.cell),
    );
  }
  const kind = change(first.cell.level, second.cell.level);
  const text = kind === "moved" ? `${levelText(first.cell)} → ${levelText(second.cell)}` : kind === "opened" ? `neu: ${gapText}` : kind === "closed" ? "geschlossen" : levelText(second.cell);
  return h(
    "td",
    { class: `change-${kind} ${second.cell.level ? `level-${second.cell.level.toLowerCase()}` : gapClass}`, title: `${title(first.cell, first)}\n${title(second.cell, second)}\n${CHANGE_TEXT[kind]}` },
    text,
  );
}

function gapRows(gaps) {
  return gaps.map((g) => [g.municipality.name, g.need.name, number(g.population), g.condition ? `mögliche Lücke: ${needCondition(g.condition)}` : "Lücke"]);
}

const GAP_HEADS = ["Kommune", "Handlungsfeld", "Einwohner (ganze Kommune)", "Art"];

/** Which needs do not simply apply to the target group, and why. */
function applicabilityNote(needs, applicability) {
  const of = (status) => needs.filter((n) => applicability[n.key]?.status === status).map((n) => `${n.name} (${needCondition(applicability[n.key].condition)})`);
  const notApplicable = of("NOT_APPLICABLE");
  const conditional = of("CONDITIONAL");
  if (!notApplicable.length && !conditional.length) return null;
  return h(
    "div",
    { id: "applicability-note", class: "notice" },
    notApplicable.length ? h("p", {}, h("strong", {}, "Nicht zutreffend für diese Zielgruppe (keine Lücke): "), notApplicable.join("; "), ".") : null,
    conditional.length ? h("p", {}, h("strong", {}, "Nur unter einer Bedingung (mögliche Lücke, „Lücke?“): "), conditional.join("; "), ".") : null,
  );
}

export function createCoverageView(section, { guarded }) {
  const asOf = h("input", { id: "coverage-asof", type: "date", required: true, value: today() });
  const compare = h("input", { id: "coverage-compare", type: "date" });
  const age = h("input", { id: "coverage-age", type: "number", min: 0, max: 130, placeholder: "alle" });
  const status = h(
    "select",
    { id: "coverage-status" },
    h("option", { value: "" }, "alle"),
    Object.entries(RESIDENCE_STATUSES).map(([value, label]) => h("option", { value }, label)),
  );
  const output = h("div", { id: "coverage-output", "aria-live": "polite" });
  const form = h(
    "form",
    { id: "coverage-form", class: "inline", onSubmit: (event) => (event.preventDefault(), guarded(show)) },
    h("label", { for: "coverage-asof" }, "Stichtag"),
    asOf,
    h("label", { for: "coverage-compare" }, "Vergleichen mit"),
    compare,
    h("label", { for: "coverage-age" }, "Alter"),
    age,
    h("label", { for: "coverage-status" }, "Aufenthaltsstatus"),
    status,
    h("button", { type: "submit" }, "Anzeigen"),
  );
  replace(
    section,
    h("h2", {}, "Versorgung: Kommunen × Handlungsfelder"),
    h(
      "p",
      { class: "hint" },
      "Für jede Kommune und jedes Handlungsfeld das nächste Angebot: in der Kommune (Ort), in einer Region oder kreisweit. " +
        "Rot: kein Angebot (Lücke). Mit einem zweiten Datum zeigt die Matrix, welche Lücken entstehen oder sich schließen. " +
        "Mit Alter und Aufenthaltsstatus zählen nur Angebote, die eine solche Person aufnehmen, und nur Handlungsfelder, " +
        "die für sie zutreffen können: „n. z.“ heißt nicht zutreffend (keine Lücke), „Lücke?“ eine Lücke nur unter einer Bedingung.",
    ),
    form,
    output,
  );

  async function show() {
    const day = asOf.value;
    const second = compare.value || null;
    const target = age.value !== "" || status.value ? { age: age.value !== "" ? Number(age.value) : null, residenceStatus: status.value || null } : null;
    const basics = await graphql(BASICS, { asOf: day });
    const municipalities = [...basics.municipalities.nodes].sort((a, b) => b.population - a.population || a.name.localeCompare(b.name, "de"));
    const needs = basics.needs.nodes;
    const [first, later, lists, changes] = await Promise.all([
      levels(municipalities, day, target),
      second ? levels(municipalities, second, target) : null,
      graphql(LISTS, { asOf: day, target }),
      second ? graphql(CHANGES, { from: day, to: second, target }) : null,
    ]);
    const applies = first.applicability;
    const inGaps = (data, need) => municipalities.filter((m) => !data.cells[m.key][need.key]?.level).reduce((sum, m) => sum + m.population, 0);
    const footer = (data) => (need) => {
      const status = applies[need.key]?.status;
      if (status === "NOT_APPLICABLE") return h("td", { class: "number" }, "n. z.");
      const value = number(inGaps(data, need));
      return h("td", { class: "number", title: status === "CONDITIONAL" ? "nur mögliche Lücken" : null }, status === "CONDITIONAL" ? `(${value})` : value);
    };
    // One row per day, each saying its day: the first is the day of the headline and the gap list.
    const footRow = (data, date) => h("tr", {}, h("th", { scope: "row", colspan: 2 }, `Einwohner in Lücken am ${germanDate(date)}`), needs.map(footer(data)));
    const matrix = h(
      "table",
      { id: "coverage-matrix", class: "matrix" },
      h("caption", {}, second ? `Versorgung am ${germanDate(day)} und am ${germanDate(second)}` : `Versorgung am ${germanDate(day)}`),
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Kommune"), h("th", { scope: "col" }, "Einwohner"), needs.map((n) => h("th", { scope: "col", class: "vertical" }, h("span", {}, n.name))))),
      h(
        "tbody",
        {},
        municipalities.map((m) =>
          h(
            "tr",
            { dataset: { key: m.key } },
            h("th", { scope: "row" }, m.name),
            h("td", { class: "number" }, number(m.population)),
            needs.map((n) =>
              cell(
                { date: day, cell: first.cells[m.key][n.key] ?? { level: null, offers: [] } },
                second ? { date: second, cell: later.cells[m.key][n.key] ?? { level: null, offers: [] } } : null,
                applies[n.key],
              ),
            ),
          ),
        ),
      ),
      h(
        "tfoot",
        {},
        footRow(first, day),
        second ? footRow(later, second) : null,
      ),
    );
    const definite = lists.gaps.filter((g) => !g.condition);
    const possible = lists.gaps.length - definite.length;
    const affected = new Map(definite.map((g) => [g.municipality.key, g.population]));
    const inhabitants = [...affected.values()].reduce((sum, p) => sum + p, 0);
    const summary = definite.length
      ? `${definite.length} Lücken am ${germanDate(day)}, in ${affected.size} Kommunen mit zusammen ${number(inhabitants)} Einwohnern.`
      : `Keine Lücke am ${germanDate(day)}.`;
    const more = possible ? ` Dazu ${possible} mögliche Lücken („Lücke?“), die nur unter einer Bedingung bestehen.` : "";
    const weight = target
      ? "Gewichtet wird mit der Einwohnerzahl der ganzen Kommune: Zahlen für die Zielgruppe liegen nicht vor."
      : "Gewichtet wird mit der Einwohnerzahl der Kommune.";
    const parts = [
      h("p", { id: "coverage-summary", class: "summary" }, `${municipalities.length} Kommunen × ${needs.length} Handlungsfelder. ${summary}${more}`),
      h("p", { id: "coverage-weight", class: "hint" }, weight),
      applicabilityNote(needs, applies),
      h("div", { class: "scroll" }, matrix),
      legend(Boolean(second), Boolean(target)),
      table(`Lücken am ${germanDate(day)}, nach Einwohnern`, GAP_HEADS, gapRows(lists.gaps), { id: "gap-list" }),
    ];
    if (changes) {
      const c = changes.changes;
      parts.push(
        h("h3", { id: "changes-heading" }, `Was sich bis ${germanDate(second)} ändert`),
        table("Lücken, die entstehen", GAP_HEADS, gapRows(c.opened), { id: "opened-list" }),
        table("Lücken, die sich schließen", GAP_HEADS, gapRows(c.closed), { id: "closed-list" }),
        table("Weiter versorgt, aber von einer anderen Ebene", ["Kommune", "Handlungsfeld", "vorher", "nachher"], c.moved.map((m) => [m.municipality.name, m.need.name, LEVELS[m.before].label, LEVELS[m.after].label]), { id: "moved-list" }),
        table("Angebote, die enden", ["Angebot", "gültig bis"], c.ended.map((o) => [o.name, germanDate(o.validTo)]), { id: "ended-list" }),
        table("Angebote, die beginnen", ["Angebot", "gültig ab"], c.started.map((o) => [o.name, germanDate(o.validFrom)]), { id: "started-list" }),
      );
    }
    replace(output, parts);
  }
}

function legend(compared, targeted) {
  const items = [
    ["level-municipality", "Angebot in der Kommune (Ort)"],
    ["level-region", "Angebot in einer Region"],
    ["level-county", "Angebot kreisweit"],
    ["gap", "Lücke: kein Angebot"],
  ];
  if (targeted) items.push(["possible-gap", "Lücke?: nur unter einer Bedingung"], ["not-applicable", "n. z.: für die Zielgruppe nicht zutreffend"]);
  items.push([null, "*: beruht nur auf ergänzten, nicht belegten Daten"]);
  if (compared) items.push(["change-opened gap", "Lücke entsteht"], ["change-closed", "Lücke schließt sich"], ["change-moved", "andere Ebene"]);
  return h("ul", { class: "matrix-legend" }, items.map(([cls, text]) => h("li", {}, cls ? h("span", { class: `swatch ${cls}` }) : null, text)));
}
