// Keeping the network current: "Meine Angebote" for partners, "Freigaben" for coordinators, "Aktualität" for all.
// A partner's edit becomes a change proposal (the service decides: their token names their organisations);
// a coordinator approves or rejects it; stale entries can be listed and downloaded as CSV.
import { getToken, graphql } from "./api.js";
import { h, replace, table } from "./dom.js";

const STATUS = { PENDING: "wartet auf Freigabe", APPROVED: "freigegeben", REJECTED: "abgelehnt", WITHDRAWN: "zurückgezogen" };
const METHODS = { PARTNER_CONFIRMED: "vom Träger bestätigt", COORDINATOR_CHECKED: "vom KI geprüft", IMPORTED: "importiert, nie bestätigt" };
const ACTIONS = { create: "neu", update: "Änderung", delete: "Löschung", link: "Verknüpfung", unlink: "Verknüpfung gelöst" };

// The fields of an offer a partner edits here, with their German labels and input types.
const FIELDS = [
  ["name", "Name", "text"],
  ["description", "Beschreibung", "textarea"],
  ["targetGroup", "Zielgruppe", "text"],
  ["minAge", "Mindestalter", "number"],
  ["maxAge", "Höchstalter", "number"],
  ["validTo", "Angebot endet am", "date"],
];

// German names of the fields a proposal may change (others are shown as the service names them).
const FIELD_LABELS = {
  ...Object.fromEntries(FIELDS.map(([name, label]) => [name, label])),
  validFrom: "Angebot beginnt am",
  fte: "Stellenanteil",
  capacity: "Plätze",
  languages: "Sprachen",
  residenceStatuses: "Aufenthaltsstatus",
  shortName: "Kurzname",
  website: "Webseite",
  kind: "Art",
};

const PROPOSAL = `id status operation organisations stale waitingSeconds reason createdAt decidedAt author
  changes { action target fields { field before after } }`;

const MY_OFFERS = `
query MeineAngebote($ids: [ID!]!) {
  nodes(ids: $ids) {
    ... on Organisation {
      key name version verifiedAt verificationMethod
      provides(first: 200) { nodes { key name version description targetGroup minAge maxAge validTo
                                      verifiedAt verificationMethod lastModified } }
    }
  }
}`;

const MY_PROPOSALS = `query MeineVorschlaege { changeProposals(first: 200) { nodes { ${PROPOSAL} } } }`;
const QUEUE = `query Freigaben { changeProposals(status: PENDING, first: 200) { nodes { ${PROPOSAL} } } }`;
const UPDATE = `
mutation Vorschlagen($id: ID!, $version: Int!, $input: ServiceUpdateInput!) {
  updateService(id: $id, version: $version, input: $input) { errors { field message code } proposal { id status } }
}`;
const VERIFY = `mutation Bestaetigen($id: ID!) { verify(id: $id) { key verifiedAt errors { message } } }`;
const WITHDRAW = `mutation Zurueckziehen($id: ID!) { withdrawChange(id: $id) { proposal { status } errors { message } } }`;
const APPROVE = `mutation Freigeben($id: ID!) { approveChange(id: $id) { proposal { status } errors { message code } } }`;
const REJECT = `mutation Ablehnen($id: ID!, $reason: String!) {
  rejectChange(id: $id, reason: $reason) { proposal { status } errors { field message code } } }`;
const STALE = `query Aktualitaet($months: Int!, $organisation: ID) {
  staleEntries(olderThanMonths: $months, organisation: $organisation) {
    key kind name organisations places verifiedAt verificationMethod lastModified
  }
}`;

/** The organisations the pasted token speaks for (read from it for display; the service checks it). */
export function tokenOrganisations() {
  const token = getToken();
  try {
    const payload = JSON.parse(atob(token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/")));
    return Array.isArray(payload.orgs) ? payload.orgs : [];
  } catch {
    return [];
  }
}

/** A time as Germans read it: 2026-12-06T21:30:00Z -> 06.12.2026, 22:30. */
function germanTime(iso) {
  if (!iso) return "–";
  return new Date(iso).toLocaleString("de-DE", { dateStyle: "medium", timeStyle: "short" });
}

function waited(seconds) {
  if (seconds < 3600) return `${Math.max(1, Math.round(seconds / 60))} Min.`;
  if (seconds < 86400) return `${Math.round(seconds / 3600)} Std.`;
  return `${Math.round(seconds / 86400)} Tage`;
}

const shown = (value) => (value === null || value === undefined || value === "" ? "–" : String(value));

/** Before and after of every field a proposal changes. */
function changeTable(proposal) {
  const rows = proposal.changes.flatMap((change) =>
    change.fields.length
      ? change.fields.map((f) => [`${ACTIONS[change.action] ?? change.action}: ${change.target}`, FIELD_LABELS[f.field] ?? f.field, shown(f.before), shown(f.after)])
      : [[`${ACTIONS[change.action] ?? change.action}: ${change.target}`, "–", "–", "–"]],
  );
  return table(null, ["Eintrag", "Feld", "vorher", "nachher"], rows, { class: "changes" });
}

// -- Meine Angebote ------------------------------------------------------------------------------

export function createMyOffersView(section, { guarded, showMessage }) {
  const offers = h("div", { id: "my-offers" });
  const editor = h("div", { id: "offer-editor" });
  const proposals = h("div", { id: "my-proposals" });
  replace(
    section,
    h("h2", {}, "Meine Angebote"),
    h(
      "p",
      { class: "hint" },
      "Die Einträge Ihrer Organisationen. Änderungen werden als Vorschlag eingereicht und nach Freigabe durch das KI übernommen. ",
      "„Unverändert bestätigen“ hält fest, dass ein Eintrag noch stimmt.",
    ),
    offers,
    editor,
    h("h3", {}, "Meine Vorschläge"),
    proposals,
  );
  const load = () => guarded(refresh);
  load();
  window.addEventListener("kimnet-token", load);

  async function refresh() {
    const orgs = tokenOrganisations();
    if (!orgs.length) {
      replace(offers, h("p", { class: "empty" }, "Bitte oben das Zugangstoken eines Trägers (Rolle partner) eingeben."));
      replace(proposals);
      return;
    }
    const data = await graphql(MY_OFFERS, { ids: orgs });
    const rows = [];
    for (const org of data.nodes.filter(Boolean)) {
      for (const offer of org.provides.nodes) {
        rows.push([
          org.name,
          offer.name,
          germanTime(offer.verifiedAt),
          METHODS[offer.verificationMethod] ?? offer.verificationMethod,
          germanTime(offer.lastModified),
          h(
            "span",
            { class: "buttons" },
            h("button", { type: "button", class: "small", dataset: { edit: offer.key }, onClick: () => edit(offer) }, "Bearbeiten"),
            h(
              "button",
              { type: "button", class: "small", dataset: { verify: offer.key }, onClick: () => guarded(() => verify(offer)) },
              "Unverändert bestätigen",
            ),
          ),
        ]);
      }
    }
    replace(
      offers,
      table("Angebote", ["Organisation", "Angebot", "zuletzt bestätigt", "wie", "zuletzt geändert", ""], rows, { id: "offers-table" }),
    );
    const mine = (await graphql(MY_PROPOSALS)).changeProposals.nodes.slice().reverse();
    replace(
      proposals,
      table(
        null,
        ["eingereicht", "Stand", "Änderungen", "Begründung", ""],
        mine.map((p) => [
          germanTime(p.createdAt),
          h("span", { class: `status ${p.status.toLowerCase()}` }, STATUS[p.status], p.stale ? " (veraltet)" : ""),
          changeTable(p),
          shown(p.reason),
          p.status === "PENDING"
            ? h("button", { type: "button", class: "small", onClick: () => guarded(() => withdraw(p)) }, "Zurückziehen")
            : "",
        ]),
        { id: "proposals-table" },
      ),
    );
  }

  async function verify(offer) {
    const result = (await graphql(VERIFY, { id: offer.key })).verify;
    await refresh();
    if (result.errors.length) showMessage(result.errors.map((e) => e.message).join("; "));
    else showMessage(`„${offer.name}“ ist als unverändert bestätigt.`, "info");
  }

  async function withdraw(proposal) {
    await graphql(WITHDRAW, { id: proposal.id });
    await refresh();
  }

  function edit(offer) {
    const inputs = {};
    const messages = {};
    const form = h(
      "form",
      { id: "offer-form", class: "case", autocomplete: "off", onSubmit: (event) => (event.preventDefault(), guarded(submit)) },
      h("h3", {}, `Bearbeiten: ${offer.name}`),
      FIELDS.map(([name, label, type]) => {
        const value = offer[name] ?? "";
        inputs[name] =
          type === "textarea"
            ? h("textarea", { id: `offer-${name}`, name, rows: 3 }, String(value))
            : h("input", { id: `offer-${name}`, name, type, value: String(value) });
        messages[name] = h("span", { class: "field-error", id: `offer-${name}-error`, role: "alert" });
        return h("div", { class: "row" }, h("label", { for: `offer-${name}` }, label), inputs[name], messages[name]);
      }),
      h(
        "div",
        { class: "row actions" },
        h("button", { type: "submit" }, "Vorschlag einreichen"),
        h("button", { type: "button", onClick: () => replace(editor) }, "Abbrechen"),
      ),
    );
    replace(editor, form);

    async function submit() {
      const input = {};
      for (const [name, , type] of FIELDS) {
        const raw = inputs[name].value.trim();
        const before = offer[name] ?? "";
        if (raw === String(before)) continue;
        input[name] = raw === "" ? null : type === "number" ? Number(raw) : raw;
      }
      for (const box of Object.values(messages)) box.textContent = "";
      if (!Object.keys(input).length) {
        showMessage("Nichts geändert: bitte ein Feld ändern oder „Unverändert bestätigen“ nutzen.", "info");
        return;
      }
      const result = (await graphql(UPDATE, { id: offer.key, version: offer.version, input })).updateService;
      if (result.errors.length) {
        const general = [];
        for (const error of result.errors) {
          if (messages[error.field]) messages[error.field].textContent = error.message;
          else general.push(error.message);
        }
        showMessage(general.length ? general.join("; ") : "Bitte die markierten Felder prüfen.");
        return;
      }
      replace(editor);
      await refresh();
      showMessage("Ihr Vorschlag ist eingereicht und wartet auf Freigabe durch das KI.", "info");
    }
  }
}

// -- Freigaben -----------------------------------------------------------------------------------

export function createApprovalsView(section, { guarded, showMessage }) {
  const queue = h("div", { id: "approval-queue" });
  replace(
    section,
    h("h2", {}, "Freigaben: Änderungsvorschläge der Träger"),
    h(
      "p",
      { class: "hint" },
      "Älteste zuerst. Ein Vorschlag ist „veraltet“, wenn sich der Eintrag seitdem geändert hat: er kann nicht freigegeben werden.",
    ),
    queue,
  );
  const load = () => guarded(refresh);
  load();
  window.addEventListener("kimnet-token", load);

  async function refresh() {
    const pending = (await graphql(QUEUE)).changeProposals.nodes;
    if (!pending.length) {
      replace(queue, h("p", { class: "empty" }, "Keine offenen Vorschläge."));
      return;
    }
    replace(
      queue,
      pending.map((p) => {
        const reason = h("input", { type: "text", class: "reason", placeholder: "Begründung der Ablehnung" });
        return h(
          "div",
          { class: `proposal${p.stale ? " stale" : ""}`, dataset: { proposal: p.id } },
          h(
            "p",
            {},
            h("strong", {}, p.organisations.join(", ")),
            ` – eingereicht von ${p.author} am ${germanTime(p.createdAt)}, wartet seit ${waited(p.waitingSeconds)}`,
            p.stale ? h("span", { class: "stale-note" }, " – veraltet: der Eintrag wurde inzwischen geändert") : "",
          ),
          changeTable(p),
          h(
            "div",
            { class: "row actions" },
            h("button", { type: "button", class: "approve", onClick: () => guarded(() => approve(p)) }, "Freigeben"),
            reason,
            h("button", { type: "button", class: "reject", onClick: () => guarded(() => reject(p, reason.value)) }, "Ablehnen"),
          ),
        );
      }),
    );
  }

  async function approve(proposal) {
    const result = (await graphql(APPROVE, { id: proposal.id })).approveChange;
    await refresh();
    if (result.errors.length) {
      const conflict = result.errors.some((e) => e.code === "STALE_VERSION");
      showMessage(
        conflict
          ? `Konflikt: Der Eintrag wurde geändert, seit der Vorschlag eingereicht wurde. Bitte ablehnen; der Träger schlägt neu vor. (${result.errors[0].message})`
          : result.errors.map((e) => e.message).join("; "),
      );
    } else {
      showMessage("Freigegeben: die Änderung ist übernommen.", "info");
    }
  }

  async function reject(proposal, reason) {
    const result = (await graphql(REJECT, { id: proposal.id, reason })).rejectChange;
    await refresh();
    if (result.errors.length) showMessage(result.errors.map((e) => e.message).join("; "));
    else showMessage("Abgelehnt; der Träger sieht die Begründung.", "info");
  }
}

// -- Aktualität ----------------------------------------------------------------------------------

/** Rows as CSV for German spreadsheets: semicolons, quoted, with a byte order mark. */
export function toCsv(rows) {
  const cell = (value) => `"${String(value ?? "").replace(/"/g, '""')}"`;
  return "\ufeff" + rows.map((row) => row.map(cell).join(";")).join("\r\n") + "\r\n";
}

export function createFreshnessView(section, { guarded }) {
  const months = h("input", { id: "stale-months", type: "number", min: 0, max: 1200, value: 12 });
  const organisation = h("input", { id: "stale-organisation", type: "text", placeholder: "alle, oder z. B. org:caritas-coesfeld" });
  const output = h("div", { id: "stale-output" });
  const download = h("button", { type: "button", id: "stale-csv", disabled: true }, "Als CSV herunterladen");
  let rows = [];
  const form = h(
    "form",
    { id: "stale-form", class: "case", autocomplete: "off", onSubmit: (event) => (event.preventDefault(), guarded(list)) },
    h("div", { class: "row" }, h("label", { for: "stale-months" }, "nicht bestätigt seit (Monaten)"), months),
    h("div", { class: "row" }, h("label", { for: "stale-organisation" }, "Organisation"), organisation),
    h("div", { class: "row actions" }, h("button", { type: "submit" }, "Anzeigen"), download),
  );
  download.addEventListener("click", () => {
    const blob = new Blob([toCsv(rows)], { type: "text/csv;charset=utf-8" });
    const link = h("a", { href: URL.createObjectURL(blob), download: "aktualitaet.csv" });
    document.body.append(link);
    link.click();
    link.remove();
  });
  replace(
    section,
    h("h2", {}, "Aktualität: Einträge ohne Bestätigung"),
    h("p", { class: "hint" }, "Angebote und Organisationen, die so lange niemand bestätigt hat, nach Organisation: wen das KI fragen sollte."),
    form,
    output,
  );

  async function list() {
    const variables = { months: Number(months.value || 12), organisation: organisation.value.trim() || null };
    const entries = (await graphql(STALE, variables)).staleEntries;
    const head = ["Organisation", "Eintrag", "Schlüssel", "Art", "Orte", "zuletzt bestätigt", "wie", "zuletzt geändert"];
    const cells = entries.map((e) => [
      e.organisations.join(", ") || "–",
      e.name,
      e.key,
      e.kind === "Service" ? "Angebot" : "Organisation",
      e.places.join(", ") || "–",
      germanTime(e.verifiedAt),
      METHODS[e.verificationMethod] ?? e.verificationMethod,
      germanTime(e.lastModified),
    ]);
    rows = [head, ...cells];
    download.disabled = !entries.length;
    replace(output, table(`${entries.length} Einträge ohne Bestätigung`, head, cells, { id: "stale-table" }));
  }
}
