// The referral form: one case in, the ranked offers, the exclusions with their reasons, the responsible
// bodies, the case-management posts and a proposal for a case conference out. The case lives in the
// form only: nothing is stored (no storage, no URL), and the service does not store it either.
import { graphql } from "./api.js";
import { h, replace, table, today } from "./dom.js";
import { EXCLUSIONS, LEVELS, RESIDENCE_STATUSES } from "./labels.js";
import { REASON_FIELDS, offerReason } from "./reasons.js";

const CHOICES = `
query Auswahl {
  municipalities(first: 500, orderBy: [{field: NAME}]) { nodes { key name } }
  needs(first: 500, orderBy: [{field: NAME}]) { nodes { key name } }
}`;

const REFERRAL = `
query Vermittlung($case: CaseInput!) {
  referral(case: $case) {
    asOf
    needs {
      need { key name }
      offers {
        offer { key name } organisations { name } legalDomains { code } level languageMatch conditional illustrative
        reasons { ${REASON_FIELDS} }
      }
    }
    excluded { offer { key name } need { name } illustrative reasons { kind ${REASON_FIELDS} } }
    responsibilities { legalDomain { code name } level organisations { name } }
    caseManagers { post { key name fte } employer { name } supervisor { name } }
    conference {
      anchor { name }
      members { organisation { name } needs { name } legalDomains { code } cooperationPath { name } }
      uncoveredNeeds { name }
      uncoveredLegalDomains { code }
    }
  }
}`;

const names = (items) => items.map((i) => i.name).join(", ") || "–";

export function createReferralView(section, { guarded }) {
  const municipality = h("select", { id: "case-municipality", required: true }, h("option", { value: "" }, "bitte wählen"));
  const age = h("input", { id: "case-age", type: "number", min: 0, max: 130, placeholder: "unbekannt" });
  const status = h(
    "select",
    { id: "case-status" },
    h("option", { value: "" }, "unbekannt"),
    Object.entries(RESIDENCE_STATUSES).map(([value, label]) => h("option", { value }, label)),
  );
  const needs = h("fieldset", { id: "case-needs", class: "needs" }, h("legend", {}, "Bedarfe (Handlungsfelder)"));
  const languages = h("input", { id: "case-languages", type: "text", placeholder: "z. B. ar, fa (ISO-Kürzel)" });
  const asOf = h("input", { id: "case-asof", type: "date", value: today(), required: true });
  const output = h("div", { id: "referral-output", "aria-live": "polite" });
  const form = h(
    "form",
    { id: "referral-form", class: "case", autocomplete: "off", onSubmit: (event) => (event.preventDefault(), guarded(refer)) },
    h("div", { class: "row" }, h("label", { for: "case-municipality" }, "Wohnort"), municipality),
    h("div", { class: "row" }, h("label", { for: "case-age" }, "Alter"), age),
    h("div", { class: "row" }, h("label", { for: "case-status" }, "Aufenthaltsstatus"), status),
    needs,
    h("div", { class: "row" }, h("label", { for: "case-languages" }, "Sprachen"), languages),
    h("div", { class: "row" }, h("label", { for: "case-asof" }, "Stichtag"), asOf),
    h(
      "div",
      { class: "row actions" },
      h("button", { type: "submit" }, "Angebote finden"),
      h("button", { type: "button", onClick: clear }, "Formular leeren"),
    ),
  );
  replace(
    section,
    h("h2", {}, "Fallberatung: passende Angebote für einen Fall"),
    h(
      "p",
      { class: "hint privacy" },
      "Die Angaben zum Fall werden nur für diese eine Abfrage verwendet: weder der Explorer noch der Dienst speichert oder protokolliert sie.",
    ),
    h("div", { class: "columns" }, h("div", { class: "sidebar" }, form), output),
  );
  guarded(loadChoices);
  window.addEventListener("kimnet-token", () => {
    if (municipality.options.length <= 1) guarded(loadChoices);
  });

  async function loadChoices() {
    const data = await graphql(CHOICES);
    for (const m of data.municipalities.nodes) municipality.append(h("option", { value: m.key }, m.name));
    for (const n of data.needs.nodes) {
      needs.append(h("label", {}, h("input", { type: "checkbox", name: "need", value: n.key }), n.name));
    }
  }

  function clear() {
    form.reset();
    asOf.value = today();
    replace(output);
  }

  async function refer() {
    const chosen = [...needs.querySelectorAll("input:checked")].map((input) => input.value);
    if (!chosen.length) {
      replace(output, h("p", { class: "empty" }, "Bitte mindestens einen Bedarf wählen."));
      return;
    }
    const caseInput = {
      municipality: municipality.value,
      age: age.value === "" ? null : Number(age.value),
      residenceStatus: status.value || null,
      needs: chosen,
      languages: languages.value.split(/[\s,;]+/).filter(Boolean),
      asOf: asOf.value,
    };
    const { referral } = await graphql(REFERRAL, { case: caseInput });
    replace(output, result(referral, caseInput));
  }
}

/** One reason as a list item; what rests on what the case did not say or on illustrative data is marked. */
function reasonItem(reason, prefix = null) {
  return h(
    "li",
    { class: reason.conditional ? "conditional" : null },
    prefix ? h("strong", {}, `${prefix}: `) : null,
    offerReason(reason),
    reason.illustrative ? h("span", { class: "badge illustrative", title: "Diese Angabe ist in den Daten ergänzt, nicht belegt." }, "ergänzte Daten") : null,
  );
}

/** What the answer rests on that the case did not give. */
function missing(caseInput) {
  const left = [caseInput.age === null ? "Alter" : null, caseInput.residenceStatus === null ? "Aufenthaltsstatus" : null].filter(Boolean);
  if (!left.length) return null;
  return h(
    "p",
    { id: "referral-missing", class: "notice" },
    `${left.join(" und ")} nicht angegeben: Angebote mit Alters- oder Statusgrenzen sind nur unter Vorbehalt passend („nur wenn …“).`,
  );
}

function result(referral, caseInput) {
  const offers = referral.needs.map((n) =>
    h(
      "section",
      { class: "need", dataset: { need: n.need.key } },
      h("h4", {}, n.need.name),
      n.offers.length
        ? h(
            "ol",
            { class: "offers" },
            n.offers.map((m) =>
              h(
                "li",
                { dataset: { key: m.offer.key } },
                h("strong", {}, m.offer.name),
                ` – ${names(m.organisations)}`,
                m.conditional ? h("span", { class: "badge conditional" }, "unter Vorbehalt") : null,
                h(
                  "div",
                  { class: "meta" },
                  `${LEVELS[m.level].label}`,
                  m.legalDomains.length ? ` · ${m.legalDomains.map((d) => d.code).join(", ")}` : "",
                  m.languageMatch ? " · Sprache passt" : "",
                ),
                h("ul", { class: "reasons" }, m.reasons.map((r) => reasonItem(r))),
              ),
            ),
          )
        : h("p", { class: "empty" }, "Kein passendes Angebot."),
    ),
  );
  const conference = referral.conference;
  return [
    missing(caseInput),
    h("h3", { id: "offers-heading" }, "Passende Angebote, beste zuerst"),
    offers,
    table(
      "Ausgeschlossene Angebote und warum",
      ["Angebot", "für", "Gründe"],
      referral.excluded.map((e) => [
        e.offer.name,
        e.need.name,
        h("ul", { class: "reasons" }, e.reasons.map((r) => reasonItem(r, EXCLUSIONS[r.kind] ?? r.kind))),
      ]),
      { id: "excluded-table" },
    ),
    table(
      "Zuständig nach Rechtskreis",
      ["Rechtskreis", "zuständig", "Ebene"],
      referral.responsibilities.map((r) => [`${r.legalDomain.code} – ${r.legalDomain.name}`, names(r.organisations), LEVELS[r.level].label]),
      { id: "responsibilities-table" },
    ),
    table(
      "Case Management für den Wohnort",
      ["Stelle", "Umfang (VZÄ)", "Anstellungsträger", "Fachaufsicht"],
      referral.caseManagers.map((c) => [c.post.name, String(c.post.fte).replace(".", ","), c.employer?.name ?? "–", c.supervisor?.name ?? "–"]),
      { id: "case-managers-table" },
    ),
    h(
      "section",
      { id: "conference", class: "conference" },
      h("h3", {}, "Vorschlag für eine Fallkonferenz"),
      h("p", {}, "Ausgangspunkt (Träger des Case Managements): ", h("strong", {}, conference.anchor?.name ?? "keiner")),
      h(
        "ul",
        {},
        conference.members.map((m) =>
          h(
            "li",
            {},
            h("strong", {}, m.organisation.name),
            ` – deckt ab: ${[...m.needs.map((n) => n.name), ...m.legalDomains.map((d) => d.code)].join(", ") || "–"}`,
            h(
              "div",
              { class: "meta" },
              m.cooperationPath ? `Verbindung: ${m.cooperationPath.map((o) => o.name).join(" → ")}` : "noch keine Verbindung im Netzwerk",
            ),
          ),
        ),
      ),
      conference.uncoveredNeeds.length || conference.uncoveredLegalDomains.length
        ? h("p", { class: "warning" }, `Von niemandem abgedeckt: ${[...conference.uncoveredNeeds.map((n) => n.name), ...conference.uncoveredLegalDomains.map((d) => d.code)].join(", ")}`)
        : h("p", {}, "Alle Bedarfe und Rechtskreise sind abgedeckt."),
    ),
  ];
}
