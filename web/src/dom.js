// Building DOM nodes without innerHTML, so no text from the service is ever parsed as markup.

/**
 * Create an element: h("a", { href: "#x", class: "link", onClick: fn }, "text", child, [more]).
 * Properties that the element has (value, checked, disabled) are set as properties, others as attributes;
 * false, null and undefined leave them out.
 */
export function h(tag, props = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(props ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") {
      element.addEventListener(name.slice(2).toLowerCase(), value);
    } else if (name === "class") {
      element.className = value;
    } else if (name === "dataset") {
      Object.assign(element.dataset, value);
    } else if (name === "style" && typeof value === "object") {
      Object.assign(element.style, value);
    } else if (["value", "checked", "disabled", "selected"].includes(name)) {
      element[name] = value;
    } else {
      element.setAttribute(name, value === true ? "" : String(value));
    }
  }
  append(element, children);
  return element;
}

/** Append children (nodes, text, nested arrays; null and false are skipped). */
export function append(parent, children) {
  for (const child of [children].flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    parent.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return parent;
}

/** Replace all children of an element. */
export function replace(parent, ...children) {
  parent.replaceChildren();
  return append(parent, children);
}

/** A table with a caption, column heads and rows of cells (text or nodes); "keine" when there are no rows. */
export function table(caption, heads, rows, props = {}) {
  if (!rows.length) return h("div", { ...props, class: "no-rows" }, h("p", { class: "caption" }, caption), h("p", { class: "empty" }, "keine"));
  return h(
    "table",
    props,
    caption ? h("caption", {}, caption) : null,
    h("thead", {}, h("tr", {}, heads.map((head) => h("th", { scope: "col" }, head)))),
    h("tbody", {}, rows.map((row) => h("tr", {}, row.map((cell) => h("td", {}, cell))))),
  );
}

/** Today in the browser's time zone, as YYYY-MM-DD. */
export function today() {
  const now = new Date();
  const pad = (n) => String(n).padStart(2, "0");
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

/** A day as Germans write it: 2021-07-01 -> 01.07.2021. */
export function germanDate(iso) {
  if (!iso) return "–";
  const [year, month, day] = iso.split("-");
  return `${day}.${month}.${year}`;
}

/** A whole number with German thousands separators. */
export function number(value) {
  return new Intl.NumberFormat("de-DE").format(value);
}
