// The explorer: views (network, coverage, referral, downloads; partners' offers, approvals, freshness) behind hash routes, and the token form.
import { ApiError, getToken, setToken } from "./api.js";
import { createCoverageView } from "./coverage.js";
import { createDownloadsView } from "./downloads.js";
import { createNetworkView } from "./network.js";
import { createApprovalsView, createFreshnessView, createMyOffersView } from "./partners.js";
import { createReferralView } from "./referral.js";

const VIEWS = {
  netzwerk: { create: createNetworkView, title: "Netzwerk" },
  versorgung: { create: createCoverageView, title: "Versorgung" },
  fallberatung: { create: createReferralView, title: "Fallberatung" },
  herunterladen: { create: createDownloadsView, title: "Herunterladen" },
  // Keeping the network current (partners.js).
  angebote: { create: createMyOffersView, title: "Meine Angebote" },
  freigaben: { create: createApprovalsView, title: "Freigaben" },
  aktualitaet: { create: createFreshnessView, title: "Aktualität" },
};
const created = new Set();

/** Show a message above the views (kind: "error" or "info"); null hides it. */
export function showMessage(text, kind = "error") {
  const box = document.getElementById("message");
  box.textContent = text ?? "";
  box.className = kind;
  box.hidden = !text;
}

/** Run an action, showing its ApiError (or any failure) as a message instead of failing silently. */
export async function guarded(action) {
  showMessage(null);
  try {
    return await action();
  } catch (error) {
    showMessage(error instanceof ApiError ? error.message : `Unerwarteter Fehler: ${error.message ?? error}`);
    return undefined;
  }
}

function route() {
  const name = location.hash.slice(1) in VIEWS ? location.hash.slice(1) : "netzwerk";
  for (const [view, { create, title }] of Object.entries(VIEWS)) {
    const section = document.getElementById(`view-${view}`);
    const active = view === name;
    section.hidden = !active;
    document.querySelector(`nav a[data-view="${view}"]`).classList.toggle("active", active);
    if (active) {
      document.title = `${title} – kimnet`;
      if (!created.has(view)) {
        created.add(view);
        create(section, { guarded, showMessage });
      }
    }
  }
  showMessage(null);
}

function tokenForm() {
  const form = document.getElementById("token-form");
  const input = document.getElementById("token-input");
  const state = document.getElementById("token-state");
  const show = () => {
    state.textContent = getToken() ? "Token gesetzt" : "ohne Token";
  };
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    setToken(input.value.trim());
    input.value = "";
    show();
    showMessage(null);
    window.dispatchEvent(new Event("kimnet-token")); // views that could not load without a token try again
  });
  document.getElementById("token-clear").addEventListener("click", () => {
    setToken("");
    input.value = "";
    show();
  });
  show();
}

tokenForm();
window.addEventListener("hashchange", route);
route();
