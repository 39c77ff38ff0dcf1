// German sentences for the reasons the service sends as data (a code and the values it refers to),
// with German dates. The service's own `message` is a fallback for a code this explorer does not know.
import { germanDate } from "./dom.js";
import { LEVELS, RESIDENCE_STATUSES } from "./labels.js";

const status = (value) => RESIDENCE_STATUSES[value] ?? value;

/** "Duldung oder Aufenthaltsgestattung" */
function statuses(values) {
  const names = (values ?? []).map(status);
  return names.length > 1 ? `${names.slice(0, -1).join(", ")} oder ${names.at(-1)}` : names.join("");
}

function ages(min, max) {
  if (min != null && max != null) return `${min}–${max} Jahre`;
  return min != null ? `ab ${min} Jahren` : `bis ${max} Jahre`;
}

function validity(r) {
  if (r.validFrom && r.validTo) return `gültig vom ${germanDate(r.validFrom)} bis ${germanDate(r.validTo)}`;
  return r.validFrom ? `gültig ab ${germanDate(r.validFrom)}` : `gültig bis ${germanDate(r.validTo)}`;
}

const OFFER_REASONS = {
  AVAILABLE: (r) => `verfügbar in ${r.areaName} (${LEVELS[r.level]?.label ?? ""})`,
  NOT_AVAILABLE: (r) => `nicht verfügbar in ${r.areaName}`,
  AGE_WITHIN: (r) => `Alter ${r.age} passt (${ages(r.minAge, r.maxAge)})`,
  AGE_BELOW: (r) => `Alter ${r.age} unter dem Mindestalter ${r.minAge}`,
  AGE_ABOVE: (r) => `Alter ${r.age} über dem Höchstalter ${r.maxAge}`,
  AGE_UNKNOWN: (r) => `Alter nicht angegeben: Angebot für ${ages(r.minAge, r.maxAge)}`,
  STATUS_ELIGIBLE: (r) => `Aufenthaltsstatus ${status(r.residenceStatus)} zugelassen`,
  STATUS_NOT_ELIGIBLE: (r) => `Aufenthaltsstatus ${status(r.residenceStatus)} nicht zugelassen (nur ${statuses(r.residenceStatuses)})`,
  STATUS_UNKNOWN: (r) => `Aufenthaltsstatus nicht angegeben: Angebot nur bei ${statuses(r.residenceStatuses)}`,
  LANGUAGES: (r) => `angeboten in ${r.languages.join(", ")}`,
  NOT_VALID: (r) => `am ${germanDate(r.date)} nicht gültig (${validity(r)})`,
};

/** The German sentence for one reason of a ranked offer or an exclusion. */
export function offerReason(reason) {
  return OFFER_REASONS[reason.code]?.(reason) ?? reason.message;
}

/** The fields of a reason the sentences above need (for GraphQL selections). */
export const REASON_FIELDS =
  "code message conditional illustrative areaName level age minAge maxAge residenceStatus residenceStatuses date validFrom validTo languages";

const NEED_CONDITIONS = {
  STATUS_EXCLUDED: (c) => `nicht zutreffend bei ${status(c.residenceStatus)}`,
  STATUS_UNKNOWN: (c) => `nur, wenn der Aufenthaltsstatus nicht ${statuses(c.residenceStatuses)} ist`,
  AGE_OUTSIDE: (c) => `nicht zutreffend mit ${c.age} Jahren (betrifft ${ages(c.minAge, c.maxAge)})`,
  AGE_UNKNOWN: (c) => `betrifft nur ${ages(c.minAge, c.maxAge)}`,
  HOUSEHOLD_CHILD: (c) => `nur für Familien mit einem Kind im Alter von ${c.minAge} bis ${c.maxAge} Jahren`,
  ORGANISATION_NEED: () => "Bedarf von Einrichtungen, nicht von einzelnen Menschen",
};

/** The German sentence for why a need is conditional or not applicable to a target group. */
export function needCondition(condition) {
  return condition ? (NEED_CONDITIONS[condition.code]?.(condition) ?? condition.message) : "";
}

/** The fields of a need's condition the sentences above need. */
export const CONDITION_FIELDS = "code message residenceStatus residenceStatuses age minAge maxAge";
