// The one way the explorer talks to kimnet: POST /graphql, with the bearer token if one is set.
// The token lives in sessionStorage: it is gone when the browser tab is closed.

const TOKEN_KEY = "kimnet.token";

export function getToken() {
  return sessionStorage.getItem(TOKEN_KEY) ?? "";
}

export function setToken(token) {
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  else sessionStorage.removeItem(TOKEN_KEY);
}

/** An error the explorer shows as it is: its message is German and says what to do. */
export class ApiError extends Error {}

const ACCESS_MESSAGES = {
  401: "Anmeldung nötig: Bitte oben ein gültiges Zugangstoken eingeben (oder das abgelaufene ersetzen).",
  403: "Keine Berechtigung: Ihr Zugangstoken erlaubt diese Abfrage nicht.",
  429: "Zu viele Anfragen in kurzer Zeit. Bitte einen Moment warten und erneut versuchen.",
};

const ROLES = { viewer: "Lesen", caseworker: "Fallberatung", coordinator: "Koordination", admin: "Administration" };

/** The service's FORBIDDEN message ("forbidden: referral needs the role caseworker and ...") in German. */
function forbidden(message) {
  const found = /needs the role (\w+) and (?:your role is (\w+)|anonymous callers have the role (\w+))/.exec(message);
  if (!found) return ACCESS_MESSAGES[403];
  const [, needed, yours, anonymous] = found;
  const role = (name) => `„${ROLES[name] ?? name}“ (${name})`;
  const who = yours ? `Ihr Zugangstoken hat die Rolle ${role(yours)}` : `ohne Zugangstoken gilt die Rolle ${role(anonymous)}`;
  const what = yours ? "Bitte bei der Administration ein Zugangstoken mit dieser Rolle anfordern." : "Bitte oben ein Zugangstoken mit dieser Rolle eingeben.";
  return `${ACCESS_MESSAGES[403]} Sie braucht die Rolle ${role(needed)}; ${who}. ${what}`;
}

const CODE_MESSAGES = {
  LIMIT_EXCEEDED: "Die Abfrage ist zu groß für die Grenzen des Dienstes. Bitte weniger auf einmal abfragen.",
  RATE_LIMITED: ACCESS_MESSAGES[429],
  DATABASE_UNAVAILABLE: "Die Datenbank ist gerade nicht erreichbar. Bitte in einigen Sekunden erneut versuchen.",
  DATABASE_TIMEOUT: "Die Datenbank hat zu lange gebraucht. Bitte weniger auf einmal abfragen oder später erneut versuchen.",
  TIMEOUT: "Die Abfrage hat länger gedauert als erlaubt und wurde abgebrochen. Bitte eingrenzen (z. B. eine Kommune) oder später erneut versuchen.",
  NOTHING_TO_REPORT: "Für diesen Bericht fehlen Daten: Es sind keine Kommunen oder keine Bedarfe gespeichert.",
  INTERNAL: "Im Dienst ist ein interner Fehler aufgetreten. Bitte später erneut versuchen oder die Administration informieren.",
};

/** The German message for a service's errors (and the HTTP status they came with). */
export function fromErrors(errors, status) {
  const codes = errors.map((e) => e.extensions?.code ?? "");
  if (codes.includes("UNAUTHENTICATED")) return ACCESS_MESSAGES[401];
  const refused = errors.find((e) => e.extensions?.code === "FORBIDDEN");
  if (refused) return forbidden(refused.message);
  const known = codes.find((code) => CODE_MESSAGES[code]);
  if (known) return CODE_MESSAGES[known];
  if (ACCESS_MESSAGES[status]) return ACCESS_MESSAGES[status];
  // Other messages (a bad argument, say) come from the service in its language; shown whole.
  return `Der Dienst meldet: ${errors.map((e) => e.message).join("; ")}`;
}

/** Run a GraphQL operation; return its data or throw an ApiError with a German message. */
export async function graphql(query, variables = {}) {
  const headers = {
    "Content-Type": "application/json",
    Accept: "application/graphql-response+json, application/json",
    // The reasons' messages follow it; the explorer words most answers itself from their codes.
    "Accept-Language": "de, en;q=0.5",
  };
  const token = getToken();
  if (token) headers.Authorization = `Bearer ${token}`;
  let response;
  try {
    response = await fetch("/graphql", { method: "POST", headers, body: JSON.stringify({ query, variables }) });
  } catch {
    throw new ApiError("Der Dienst ist nicht erreichbar. Bitte die Verbindung prüfen und erneut versuchen.");
  }
  let body = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  if (body?.errors?.length) throw new ApiError(fromErrors(body.errors, response.status));
  if (!response.ok || !body?.data) {
    throw new ApiError(ACCESS_MESSAGES[response.status] ?? `Unerwartete Antwort des Dienstes (HTTP ${response.status}).`);
  }
  return body.data;
}
