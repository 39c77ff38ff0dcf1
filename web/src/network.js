// Search for an entity and explore its neighbourhood as a network graph (Cytoscape.js, laid out by fCoSE).
// Everything within one step is fetched over every relationship kind; the kind filter hides
// edges client-side, and entities that are left without a visible edge disappear with them.
// The table below the graph lists the same nodes: it is the graph's accessible twin.
import cytoscape from "cytoscape";
import fcose from "cytoscape-fcose";
import { graphql } from "./api.js";
import { h, number, replace, today } from "./dom.js";
import { ENTITY_FIELDS, KINDS, RELATIONSHIPS } from "./labels.js";

cytoscape.use(fcose);

/** Results shown per kind at first, and added by each "mehr". */
const PAGE = 8;

// Every kind can be searched: by name, and organisations also by short name, legal domains by code.
const SEARCH_GROUPS = [
  ["organisations", "Organisation", "{OR: [{name: {contains: $q}}, {shortName: {contains: $q}}]}"],
  ["services", "Service", "{name: {contains: $q}}"],
  ["programmes", "Programme", "{name: {contains: $q}}"],
  ["workingGroups", "WorkingGroup", "{name: {contains: $q}}"],
  ["municipalities", "Municipality", "{name: {contains: $q}}"],
  ["regions", "Region", "{name: {contains: $q}}"],
  ["caseManagers", "CaseManager", "{name: {contains: $q}}"],
  ["legalDomains", "LegalDomain", "{OR: [{name: {contains: $q}}, {code: {contains: $q}}]}"],
  ["needs", "Need", "{name: {contains: $q}}"],
];

const page = (field, where) =>
  `${field}(first: $first, after: $after, asOf: $asOf, where: ${where}, orderBy: [{field: NAME}]) {
    totalCount pageInfo { hasNextPage endCursor } nodes { key name } }`;

const SEARCH = `
query Suche($q: String!, $asOf: Date, $first: Int = ${PAGE}, $after: String) {
  ${SEARCH_GROUPS.map(([field, , where]) => page(field, where)).join("\n  ")}
}`;

/** The next page of one kind's results ("mehr"). */
const more = (field, where) => `query Mehr($q: String!, $asOf: Date, $first: Int = ${PAGE}, $after: String) { ${page(field, where)} }`;

const NEIGHBOURHOOD = `
query Nachbarschaft($id: ID!, $asOf: Date) {
  neighbourhood(id: $id, depth: 1, asOf: $asOf) {
    centre
    entities { distance entity { ${ENTITY_FIELDS} } }
    links { type source target role kind }
  }
}`;

function graphStyle() {
  return [
    {
      selector: "node",
      style: {
        label: "data(label)",
        // Readable or not drawn: wrapped over lines on a white ground, and left out while zoomed out so far
        // that they would shrink below 9 px and pile up (zoom in, hover or use the table to read them).
        "font-size": 12,
        "text-wrap": "wrap",
        "text-max-width": 150,
        "text-valign": "bottom",
        "text-margin-y": 4,
        "text-background-color": "#ffffff",
        "text-background-opacity": 0.85,
        "text-background-padding": 1,
        "min-zoomed-font-size": 9,
        color: "#1d1d1f",
        width: 20,
        height: 20,
        "background-color": "#999",
      },
    },
    ...Object.entries(KINDS).map(([kind, { colour }]) => ({
      selector: `node[kind = "${kind}"]`,
      style: { "background-color": colour },
    })),
    // The nodes a coordinator chose keep their names longest: larger type, drawn at smaller zooms.
    { selector: "node.expanded", style: { "border-width": 2, "border-color": "#555", "font-size": 17, "font-weight": "bold", "z-index": 10 } },
    { selector: "node.centre", style: { width: 32, height: 32, "border-width": 3, "border-color": "#222", "font-size": 19 } },
    { selector: "node.hover, node:selected", style: { "font-size": 17, "min-zoomed-font-size": 0, "z-index": 20 } },
    { selector: "node:selected", style: { "overlay-opacity": 0.15, "overlay-color": "#000" } },
    { selector: "edge", style: { width: 1.5, "curve-style": "bezier", "target-arrow-shape": "triangle", "arrow-scale": 0.7 } },
    ...Object.entries(RELATIONSHIPS).map(([type, { colour }]) => ({
      selector: `edge[type = "${type}"]`,
      style: { "line-color": colour, "target-arrow-color": colour },
    })),
    { selector: 'edge[type = "COOPERATES_WITH"]', style: { "target-arrow-shape": "none", width: 2.5 } },
    { selector: ".filtered", style: { display: "none" } },
  ];
}

export function createNetworkView(section, { guarded }) {
  const state = { centre: null, expanded: new Set(), selected: null };
  const hidden = new Set();

  const query = h("input", { id: "search-q", name: "q", type: "search", required: true, placeholder: "z. B. Caritas, Olfen, Durchstarten" });
  const asOf = h("input", { id: "search-asof", name: "asOf", type: "date", value: today(), required: true });
  const results = h("div", { id: "search-results", class: "results", "aria-live": "polite" });
  const count = h("span", { id: "graph-count" }, "Noch nichts ausgewählt: bitte links suchen.");
  const details = h("div", { id: "node-details", class: "details" });
  const nodeList = h("div", { id: "node-list" });
  const container = h("div", { id: "graph", class: "graph", role: "img", "aria-label": "Netzwerkgraph" });

  const filters = h(
    "fieldset",
    { id: "relationship-filter", class: "filters" },
    h("legend", {}, "Beziehungen zeigen"),
    Object.entries(RELATIONSHIPS).map(([type, { label, colour }]) =>
      h(
        "label",
        {},
        h("input", {
          type: "checkbox",
          name: "relationship",
          value: type,
          checked: true,
          onChange: (event) => {
            if (event.target.checked) hidden.delete(type);
            else hidden.add(type);
            applyFilter();
          },
        }),
        h("span", { class: "swatch line", style: { background: colour } }),
        label,
      ),
    ),
  );
  const legend = h(
    "div",
    { class: "legend", id: "kind-legend" },
    h("h3", {}, "Legende: Arten"),
    Object.entries(KINDS).map(([, { label, colour }]) => h("div", {}, h("span", { class: "swatch", style: { background: colour } }), label)),
  );
  const marks = h(
    "div",
    { class: "legend", id: "mark-legend" },
    h("p", {}, h("span", { class: "swatch ring thick" }), "Mittelpunkt der Suche"),
    h("p", {}, h("span", { class: "swatch ring" }), "Nachbarn eingeblendet"),
    h("p", { class: "hint" }, "Doppelklick auf einen Knoten blendet seine Nachbarn ein; die Farben der Linien stehen bei „Beziehungen zeigen“."),
  );

  const form = h(
    "form",
    { id: "search-form", class: "search", onSubmit: (event) => (event.preventDefault(), guarded(search)) },
    h("label", { for: "search-q" }, "Suche in allen Arten"),
    query,
    h("p", { class: "hint small", id: "search-kinds" }, "Organisationen, Angebote, Programme, Gremien, Kommunen, Regionen, Case-Management-Stellen, Rechtskreise, Handlungsfelder"),
    h("label", { for: "search-asof" }, "Stichtag"),
    asOf,
    h("button", { type: "submit" }, "Suchen"),
  );

  replace(
    section,
    h("h2", {}, "Netzwerk: wer mit wem verbunden ist"),
    h("div", { class: "columns network" }, [
      h("div", { class: "sidebar" }, form, results, filters, legend, marks),
      h(
        "div",
        { class: "canvas" },
        h("div", { class: "toolbar" }, count, h("button", { type: "button", onClick: () => layout() }, "Neu anordnen")),
        container,
        h("div", { class: "below" }, details, nodeList),
      ),
    ]),
  );

  const cy = cytoscape({ container, style: graphStyle(), minZoom: 0.2, maxZoom: 3 });
  cy.on("tap", "node", (event) => select(event.target.id()));
  cy.on("mouseover", "node", (event) => event.target.addClass("hover"));
  // The chosen nodes' names stay 13 px on screen however far the graph is zoomed out to fit.
  cy.on("zoom", () => keepChosenLabelsReadable());
  cy.on("mouseout", "node", (event) => event.target.removeClass("hover"));
  cy.on("dbltap", "node", (event) => guarded(() => expand(event.target.id())));
  // The canvas follows its box: after a resize (window, sidebar) the graph is fitted again.
  let refit = null;
  new ResizeObserver(() => {
    clearTimeout(refit);
    refit = setTimeout(() => {
      cy.resize();
      const shown = cy.elements().filter((element) => !element.hasClass("filtered"));
      if (shown.length) cy.fit(shown, 30);
    }, 100);
  }).observe(container);

  async function search() {
    const q = query.value.trim();
    const variables = { q, asOf: asOf.value || null };
    const data = await graphql(SEARCH, variables);
    const groups = SEARCH_GROUPS.filter(([field]) => data[field].totalCount > 0);
    if (!groups.length) {
      replace(results, h("p", { class: "empty" }, `Nichts gefunden für „${q}“.`));
      return;
    }
    const total = groups.reduce((sum, [field]) => sum + data[field].totalCount, 0);
    replace(
      results,
      h("p", { id: "search-total", class: "meta" }, `${number(total)} Treffer für „${q}“`),
      groups.map(([field, kind, where]) => resultGroup(field, kind, where, data[field], variables)),
    );
  }

  /** One kind's results with its count, and "mehr" while more exist. */
  function resultGroup(field, kind, where, found, variables) {
    const list = h("ul", {});
    const group = h(
      "div",
      { class: "group", dataset: { kind } },
      h("h3", {}, `${KINDS[kind].plural} (${number(found.totalCount)})`),
      list,
    );
    const addPage = (connection) => {
      for (const node of connection.nodes) {
        list.append(
          h(
            "li",
            {},
            h("button", { type: "button", class: "link", dataset: { key: node.key }, onClick: () => guarded(() => show(node.key)) }, node.name),
          ),
        );
      }
      group.querySelector("button.more")?.remove();
      const left = found.totalCount - list.children.length;
      if (connection.pageInfo.hasNextPage && left > 0) {
        group.append(
          h(
            "button",
            {
              type: "button",
              class: "small more",
              // Disabled while its page loads: a second click would have added the same page twice.
              onClick: (event) => {
                const button = event.currentTarget;
                button.disabled = true;
                return guarded(async () => {
                  const next = await graphql(more(field, where), { ...variables, after: connection.pageInfo.endCursor });
                  addPage(next[field]);
                }).finally(() => {
                  button.disabled = false;
                });
              },
            },
            `mehr (${number(left)} weitere)`,
          ),
        );
      }
    };
    addPage(found);
    return group;
  }

  async function fetchAround(key) {
    const data = await graphql(NEIGHBOURHOOD, { id: key, asOf: asOf.value || null });
    return data.neighbourhood;
  }

  function add(found) {
    for (const { entity } of found.entities) {
      if (!cy.getElementById(entity.key).length) {
        cy.add({ group: "nodes", data: { id: entity.key, label: entity.name, kind: entity.__typename } });
      }
    }
    for (const link of found.links) {
      const id = `${link.type}|${link.source}|${link.target}`;
      if (!cy.getElementById(id).length && cy.getElementById(link.source).length && cy.getElementById(link.target).length) {
        cy.add({ group: "edges", data: { id, source: link.source, target: link.target, type: link.type } });
      }
    }
  }

  async function show(key) {
    const found = await fetchAround(key);
    cy.elements().remove();
    state.centre = key;
    state.expanded = new Set([key]);
    add(found);
    cy.getElementById(key).addClass("centre expanded");
    applyFilter();
    layout();
    select(key);
  }

  async function expand(key) {
    if (state.expanded.has(key)) return;
    add(await fetchAround(key));
    state.expanded.add(key);
    cy.getElementById(key).addClass("expanded");
    applyFilter();
    layout();
    select(key);
  }

  function visibleNodes() {
    return cy.nodes().filter((node) => !node.hasClass("filtered"));
  }

  function applyFilter() {
    cy.batch(() => {
      cy.edges().forEach((edge) => {
        edge.toggleClass("filtered", hidden.has(edge.data("type")));
      });
      cy.nodes().forEach((node) => {
        const kept = node.id() === state.centre || node.connectedEdges().some((edge) => !edge.hasClass("filtered"));
        node.toggleClass("filtered", !kept);
      });
    });
    const edges = cy.edges().filter((edge) => !edge.hasClass("filtered")).length;
    count.textContent = state.centre ? `${visibleNodes().length} Knoten, ${edges} Beziehungen` : count.textContent;
    renderList();
    if (state.selected && !cy.getElementById(state.selected).length) select(null);
  }

  function layout() {
    const shown = cy.elements().filter((element) => !element.hasClass("filtered"));
    if (!shown.length) return;
    // One neighbourhood is a star: rings around the centre read best. Several are a network: fCoSE
    // (force-directed with spectral initialisation) pulls clusters apart instead of tangling them.
    const options =
      state.expanded.size <= 1
        ? { name: "concentric", concentric: (node) => (node.id() === state.centre ? 2 : 1), levelWidth: () => 1, minNodeSpacing: 50 }
        : {
            name: "fcose",
            quality: "proof",
            randomize: true,
            nodeSeparation: 150,
            nodeRepulsion: () => 120000,
            idealEdgeLength: (edge) => (edge.source().hasClass("expanded") && edge.target().hasClass("expanded") ? 260 : 120),
            edgeElasticity: () => 0.2,
            gravity: 0.05,
            numIter: 5000,
            packComponents: true,
          };
    shown.layout({ ...options, animate: false, fit: true, padding: 30 }).run();
    keepChosenLabelsReadable();
  }

  function keepChosenLabelsReadable() {
    const size = Math.max(13, 13 / cy.zoom());
    cy.style().selector("node.expanded").style({ "font-size": size }).selector("node.centre").style({ "font-size": size * 1.1 }).update();
  }

  function select(key) {
    state.selected = key;
    cy.nodes().unselect();
    if (!key) {
      replace(details);
      return;
    }
    const node = cy.getElementById(key);
    node.select();
    const counts = {};
    node.connectedEdges().forEach((edge) => {
      const type = edge.data("type");
      counts[type] = (counts[type] ?? 0) + 1;
    });
    replace(
      details,
      h("h3", {}, node.data("label")),
      h("p", {}, `${KINDS[node.data("kind")]?.label ?? node.data("kind")} · Schlüssel `, h("code", {}, key)),
      h(
        "ul",
        { class: "counts" },
        Object.entries(counts).map(([type, n]) => h("li", {}, `${RELATIONSHIPS[type]?.label ?? type}: ${n}`)),
      ),
      h(
        "div",
        { class: "actions" },
        h(
          "button",
          { type: "button", id: "expand-selected", disabled: state.expanded.has(key), onClick: () => guarded(() => expand(key)) },
          state.expanded.has(key) ? "Nachbarn eingeblendet" : "Nachbarn einblenden",
        ),
        h("button", { type: "button", disabled: key === state.centre, onClick: () => guarded(() => show(key)) }, "Als Mittelpunkt"),
      ),
    );
  }

  function renderList() {
    const nodes = visibleNodes()
      .toArray()
      .sort((a, b) => (a.data("kind") + a.data("label")).localeCompare(b.data("kind") + b.data("label"), "de"));
    replace(
      nodeList,
      h(
        "table",
        { id: "node-table" },
        h("caption", {}, "Knoten im Bild"),
        h("thead", {}, h("tr", {}, h("th", {}, "Name"), h("th", {}, "Art"), h("th", {}, "Nachbarn"))),
        h(
          "tbody",
          {},
          nodes.map((node) =>
            h(
              "tr",
              { dataset: { key: node.id() } },
              h(
                "td",
                {},
                h("span", { class: "swatch", style: { background: KINDS[node.data("kind")]?.colour } }),
                h("button", { type: "button", class: "link", onClick: () => select(node.id()) }, node.data("label")),
              ),
              h("td", {}, KINDS[node.data("kind")]?.label ?? node.data("kind")),
              h(
                "td",
                {},
                state.expanded.has(node.id())
                  ? "eingeblendet"
                  : h("button", { type: "button", class: "small", onClick: () => guarded(() => expand(node.id())) }, "einblenden"),
              ),
            ),
          ),
        ),
      ),
    );
  }
}
