// The console's small DOM helpers: lookups, text-only rendering (values never become HTML),
// busy marks, ES's reasons shown next to fields, and form wiring.
import { reasonOf } from "./calls.js";

export const $ = (/** @type {string} */ id) => /** @type {any} */ (document.getElementById(id));
export const all = (/** @type {string} */ selector) => /** @type {HTMLElement[]} */ ([...document.querySelectorAll(selector)]);

export function notify(/** @type {string} */ text) {
  $("notice").textContent = text;
}

/** Fills a <dl> from [term, value] pairs. */
export function describe(/** @type {HTMLElement} */ list, /** @type {[string, unknown][]} */ pairs) {
  list.replaceChildren(
    ...pairs.flatMap(([term, value]) => [element("dt", term), element("dd", value === undefined ? "—" : String(value))]),
  );
}

export function element(/** @type {string} */ tag, /** @type {string} */ text = "", attributes = {}) {
  const el = document.createElement(tag);
  el.textContent = text;
  for (const [name, value] of Object.entries(attributes)) el.setAttribute(name, String(value));
  return el;
}

export function button(/** @type {string} */ text, /** @type {() => unknown} */ action, label = text) {
  const el = element("button", text, { type: "button", "aria-label": label });
  el.addEventListener("click", () => action());
  return el;
}

/** Runs `fill` with `el` marked aria-busy, so that assistive technology (and tests) wait for it. */
export async function busy(/** @type {HTMLElement} */ el, /** @type {() => Promise<unknown>} */ fill) {
  el.setAttribute("aria-busy", "true");
  try {
    await fill();
  } finally {
    el.removeAttribute("aria-busy");
  }
}

export function row(/** @type {string[]} */ cells) {
  const tr = element("tr");
  tr.append(...cells.map((text) => element("td", text)));
  return tr;
}

/** Shows ES's validation reasons next to the field they name, the rest under the form. */
export function showErrors(/** @type {HTMLFormElement} */ form, /** @type {any} */ result) {
  for (const slot of form.querySelectorAll(".error")) slot.textContent = "";
  if (result.ok) return;
  const reason = reasonOf(result);
  const field = ["username", "password", "metadata"].find((name) => reason.toLowerCase().includes(name));
  const slot = form.querySelector(`.error[data-for="${field ?? "form"}"]`) ?? form.querySelector('.error[data-for="form"]');
  if (slot) slot.textContent = reason;
}

/** Binds a form's submit to `action`, never letting the browser submit it itself. */
export function onSubmit(/** @type {string} */ id, /** @type {(form: HTMLFormElement) => Promise<unknown>} */ action) {
  $(id).addEventListener("submit", async (/** @type {SubmitEvent} */ event) => {
    event.preventDefault();
    const form = /** @type {HTMLFormElement} */ (event.currentTarget);
    form.setAttribute("aria-busy", "true");
    try {
      await action(form);
    } catch (error) {
      notify(`The request failed: ${/** @type {Error} */ (error).message}`);
    } finally {
      form.removeAttribute("aria-busy");
    }
  });
}
