// German names for what the API returns in English: kinds, relationships, levels, statuses.
// The colours of the kinds are the ones the GEXF export and the coverage report use.

export const KINDS = {
  Organisation: { label: "Organisation", plural: "Organisationen", colour: "#1f77b4" },
  Service: { label: "Angebot", plural: "Angebote", colour: "#2ca02c" },
  Programme: { label: "Programm", plural: "Programme", colour: "#9467bd" },
  WorkingGroup: { label: "Gremium", plural: "Gremien", colour: "#8c564b" },
  Municipality: { label: "Kommune", plural: "Kommunen", colour: "#ff7f0e" },
  Region: { label: "Region", plural: "Regionen", colour: "#e6a23c" },
  CaseManager: { label: "Case-Management-Stelle", plural: "Case-Management-Stellen", colour: "#d62728" },
  LegalDomain: { label: "Rechtskreis", plural: "Rechtskreise", colour: "#17becf" },
  Need: { label: "Handlungsfeld", plural: "Handlungsfelder", colour: "#bcbd22" },
};

export const RELATIONSHIPS = {
  PROVIDES: { label: "bietet an", colour: "#2ca02c" },
  ADDRESSES: { label: "Handlungsfeld", colour: "#bcbd22" },
  UNDER: { label: "Rechtskreis", colour: "#17becf" },
  AVAILABLE_IN: { label: "verfügbar in", colour: "#ff7f0e" },
  FUNDED_BY: { label: "gefördert durch", colour: "#9467bd" },
  PART_OF: { label: "Teil von", colour: "#7f7f7f" },
  MEMBER_OF: { label: "Mitglied in", colour: "#8c564b" },
  COOPERATES_WITH: { label: "kooperiert mit", colour: "#1f77b4" },
  EMPLOYED_BY: { label: "angestellt bei", colour: "#d62728" },
  SUPERVISED_BY: { label: "Fachaufsicht durch", colour: "#e377c2" },
  COVERS: { label: "zuständig für", colour: "#ff9896" },
  LOCATED_IN: { label: "Sitz in", colour: "#c49c94" },
};

export const LEVELS = {
  MUNICIPALITY: { label: "in der Kommune", short: "Ort" },
  REGION: { label: "in einer Region", short: "Region" },
  COUNTY: { label: "kreisweit", short: "Kreis" },
};

export const RESIDENCE_STATUSES = {
  DEUTSCH: "deutsche Staatsangehörigkeit",
  EU: "EU-Freizügigkeit",
  NIEDERLASSUNGSERLAUBNIS: "Niederlassungserlaubnis",
  AUFENTHALTSERLAUBNIS: "Aufenthaltserlaubnis",
  GESTATTUNG: "Aufenthaltsgestattung",
  DULDUNG: "Duldung",
};

export const EXCLUSIONS = {
  AGE: "Alter",
  RESIDENCE_STATUS: "Aufenthaltsstatus",
  AREA: "Gebiet",
  VALIDITY: "Laufzeit",
};

/** The GraphQL selection that gives key and name for any entity (every kind has both). */
export const ENTITY_FIELDS = `__typename ${Object.keys(KINDS)
  .map((kind) => `... on ${kind} { key name }`)
  .join(" ")}`;
