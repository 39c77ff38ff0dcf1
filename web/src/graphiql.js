// GraphiQL for kimnet at /graphql, bundled from npm with the explorer's lockfile, so that the page
// needs nothing from outside this server (a county's network may have no internet, and a public CDN
// would learn who works on what). React without JSX keeps the build to plain esbuild.
import { GraphiQL } from "graphiql";
import "graphiql/graphiql.css";
import { createElement } from "react";
import { createRoot } from "react-dom/client";

// The explorer keeps a token in this tab's sessionStorage; GraphiQL sends it too, unless the
// headers editor below says otherwise.
const token = sessionStorage.getItem("kimnet.token");

const EXAMPLE = `# kimnet – die GraphQL-Schnittstelle des Produktionsnetzwerks (KIM, Kreis Coesfeld).
# Strg+Leertaste schlägt Felder vor, Strg+Enter führt aus; die Dokumentation öffnet sich links.
# Weitere Beispiele: README, Abschnitt "The questions, one request each".
{
  responsibilities(municipality: "mun:nottuln") {
    legalDomain { code }
    organisations { name }
  }
}
`;

async function fetcher(params, options) {
  const headers = {
    "Content-Type": "application/json",
    Accept: "application/graphql-response+json, application/json",
    ...(token ? { Authorization: `Bearer ${token}` } : {}),
    ...(options?.headers ?? {}),
  };
  const response = await fetch("/graphql", { method: "POST", headers, body: JSON.stringify(params) });
  return response.json();
}

createRoot(document.getElementById("graphiql")).render(
  createElement(GraphiQL, { fetcher, defaultQuery: EXAMPLE, defaultEditorToolsVisibility: false }),
);
