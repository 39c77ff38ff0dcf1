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

/** The German message for a service's errors (and the HTTP status they came with). */
export function fromErrors(errors, status) {
  const codes = errors.map((e) => e.extensions?.code ?? "");
  const said = `(Der Dienst meldet: ${errors.map((e) => e.message).join("; ")})`;
  if (codes.includes("UNAUTHENTICATED")) return `${ACCESS_MESSAGES[401]} ${said}`;
  if (codes.includes("FORBIDDEN")) return `${ACCESS_MESSAGES[403]} ${said}`;
  if (ACCESS_MESSAGES[status]) return `${ACCESS_MESSAGES[status]} ${said}`;
  return `Der Dienst meldet: ${errors.map((e) => e.message).join("; ")}`;
}

/** Run a GraphQL operation; return its data or throw an ApiError with a German message. */
export async function graphql(query, variables = {}) {
  const headers = {
    "Content-Type": "application/json",
    Accept: "application/graphql-response+json, application/json",
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
