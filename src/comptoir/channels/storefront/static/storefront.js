// The demo storefront of Comptoir: every call goes to the store API (/store/v1) with the
// channel's publishable key, as a shop's own website would do it. No framework, no build.
"use strict";

(function () {
  const API = "/store/v1";
  const state = { key: "", cartId: null, options: [] };
  const $ = (id) => document.getElementById(id);

  const money = (value) =>
    new Intl.NumberFormat("fr-FR", { style: "currency", currency: value.currency }).format(
      Number(value.amount)
    );

  const el = (tag, attributes, ...children) => {
    const node = document.createElement(tag);
    Object.entries(attributes || {}).forEach(([name, value]) => {
      if (name === "text") node.textContent = value;
      else node.setAttribute(name, value);
    });
    children.forEach((child) => node.append(child));
    return node;
  };

  const newKey = () =>
    window.crypto && window.crypto.randomUUID
      ? window.crypto.randomUUID()
      : `${Date.now()}-${Math.random().toString(16).slice(2)}`;

  class ProblemError extends Error {}

  // One call to the store API; a problem (RFC 9457) becomes an error with its message.
  async function call(method, path, body, extraHeaders) {
    const headers = { "X-Channel-Key": state.key, Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    Object.assign(headers, extraHeaders || {});
    const response = await fetch(API + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    const data = text ? JSON.parse(text) : null;
    if (!response.ok) {
      const problem = data || {};
      const where = problem.field ? ` (${problem.field})` : "";
      throw new ProblemError(`${problem.detail || problem.title || response.status}${where}`);
    }
    return data;
  }

  function showError(error) {
    const box = $("error");
    box.textContent = error instanceof ProblemError ? error.message : `Erreur : ${error}`;
    box.hidden = false;
  }

  // Runs an action with its button disabled, and shows what went wrong.
  async function guarded(button, action) {
    $("error").hidden = true;
    if (button) button.disabled = true;
    try {
      await action();
    } catch (error) {
      showError(error);
    } finally {
      if (button) button.disabled = false;
    }
  }

  function variantRow(product, variant) {
    const row = el("div", { class: "variant", "data-variant-id": variant.id });
    const name = variant.title ? `${product.title} – ${variant.title}` : product.title;
    row.append(el("span", { class: "name", text: name }));
    row.append(
      el("span", { class: "price", text: variant.price ? money(variant.price.unit_price) : "—" })
    );
    const availability = variant.available > 0 ? `${variant.available} disponible(s)` : "épuisé";
    row.append(el("span", { class: "availability", text: availability }));
    if (variant.pickup.length) {
      const stores = variant.pickup.map((store) => `${store.name} (${store.available})`);
      row.append(el("span", { class: "pickup", text: `Retrait : ${stores.join(", ")}` }));
    }
    const quantityId = `quantity-${variant.id}`;
    row.append(el("label", { for: quantityId, text: "Quantité" }));
    row.append(el("input", { id: quantityId, type: "number", min: "1", max: "999", value: "1" }));
    const add = el("button", { type: "button", class: "add", text: "Ajouter au panier" });
    add.disabled = !variant.in_stock || !variant.price;
    add.addEventListener("click", () =>
      guarded(add, () => addToCart(variant.id, Number($(quantityId).value)))
    );
    row.append(add);
    return row;
  }

  async function openShop(key) {
    state.key = key;
    state.cartId = null;
    const page = await call("GET", "/products?limit=50");
    const list = $("catalogue");
    list.replaceChildren();
    page.items.forEach((product) => {
      const item = el("li", { "data-handle": product.handle }, el("h3", { text: product.title }));
      product.variants.forEach((variant) => item.append(variantRow(product, variant)));
      list.append(item);
    });
    if (!page.items.length) list.append(el("li", { text: "Ce canal ne vend encore aucun produit." }));
    $("catalogue-section").hidden = false;
  }

  function showCart(cart) {
    const lines = $("cart-lines");
    lines.replaceChildren();
    cart.lines.forEach((line) => {
      lines.append(
        el(
          "tr",
          {},
          el("td", { text: `${line.title} (${line.sku})` }),
          el("td", { class: "num", text: String(line.quantity) }),
          el("td", { class: "num", text: money(line.total) })
        )
      );
    });
    if (cart.delivery && cart.delivery.fee) {
      lines.append(
        el(
          "tr",
          {},
          el("td", { text: `Livraison : ${cart.delivery.carrier_name}` }),
          el("td", { class: "num", text: "" }),
          el("td", { class: "num", text: money(cart.delivery.fee) })
        )
      );
    }
    $("cart-total").textContent = money(cart.total_gross);
    $("cart-section").hidden = !cart.lines.length;
    $("delivery-section").hidden = !cart.lines.length;
  }

  async function addToCart(variantId, quantity) {
    if (!state.cartId) {
      const country = $("destination-country").value.trim().toUpperCase();
      state.cartId = (await call("POST", "/carts", { destination_country: country })).id;
    }
    const cart = await call("POST", `/carts/${state.cartId}/lines`, {
      variant_id: variantId,
      quantity,
    });
    showCart(cart);
    // The cart changed: the delivery has to be chosen again.
    $("delivery-form").hidden = true;
    $("delivery-chosen").hidden = true;
    $("checkout-section").hidden = true;
  }

  function optionLabel(option) {
    const price = option.is_free ? "gratuit" : money(option.price);
    const when = new Date(`${option.estimated_on}T12:00:00`).toLocaleDateString("fr-FR");
    if (option.kind === "click_collect") {
      return `Retrait en magasin : ${option.location_name} – ${price}, à partir du ${when}`;
    }
    return `${option.carrier_name} à domicile – ${price}, vers le ${when}`;
  }

  async function loadOptions(country) {
    await call("PUT", `/carts/${state.cartId}/destination`, { country });
    // Pickup-point carriers need the carrier's map: this demo leaves them out.
    const options = await call("GET", `/carts/${state.cartId}/delivery-options`);
    state.options = options.filter((option) => !option.needs_pickup_point);
    const box = $("delivery-options");
    box.replaceChildren();
    state.options.forEach((option, index) => {
      const id = `option-${index}`;
      const radio = el("input", {
        type: "radio",
        name: "delivery_option",
        id,
        value: option.id,
        "data-kind": option.kind,
      });
      if (option.location_id) radio.setAttribute("data-location-id", option.location_id);
      box.append(el("div", {}, radio, el("label", { for: id, text: optionLabel(option) })));
    });
    if (!state.options.length) {
      box.append(el("p", { text: "Aucun mode de livraison ne peut servir ce panier ici." }));
    }
    $("delivery-form").hidden = false;
  }

  async function chooseOption(optionId) {
    const country = $("destination-country").value.trim().toUpperCase();
    const cart = await call("PUT", `/carts/${state.cartId}/destination`, {
      country,
      delivery_option: optionId,
    });
    showCart(cart);
    const chosen = state.options.find((option) => option.id === optionId);
    $("delivery-chosen").textContent = `Mode choisi : ${optionLabel(chosen)}`;
    $("delivery-chosen").hidden = false;
    $("checkout-section").hidden = false;
  }

  async function checkout(form) {
    const field = (name) => form.elements[name].value.trim();
    const body = {
      email: field("email"),
      billing_address: {
        name: field("name"),
        line1: field("line1"),
        postal_code: field("postal_code"),
        city: field("city"),
        country: field("country").toUpperCase(),
      },
      payment: { method: "test_card", card_number: field("card_number").replace(/\s+/g, "") },
    };
    if (field("phone")) body.phone = field("phone");
    const order = await call("POST", `/carts/${state.cartId}/checkout`, body, {
      "Idempotency-Key": newKey(),
    });
    $("order-number").textContent = order.number;
    $("order-total").textContent = money(order.total_gross);
    const delivery = order.delivery;
    $("order-delivery").textContent =
      delivery && delivery.kind === "click_collect"
        ? "Nous vous écrirons dès qu'elle sera prête à retirer en magasin, avec votre code de retrait."
        : "Nous vous écrirons à son expédition.";
    ["catalogue-section", "cart-section", "delivery-section", "checkout-section"].forEach(
      (id) => ($(id).hidden = true)
    );
    $("confirmation").hidden = false;
    state.cartId = null;
  }

  document.addEventListener("DOMContentLoaded", () => {
    const given = new URLSearchParams(window.location.search).get("key");
    if (given) $("channel-key").value = given;

    $("key-form").addEventListener("submit", (event) => {
      event.preventDefault();
      guarded(event.submitter, () => openShop($("channel-key").value.trim()));
    });
    $("destination-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const country = $("destination-country").value.trim().toUpperCase();
      guarded(event.submitter, () => loadOptions(country));
    });
    $("delivery-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const picked = event.target.querySelector("input[name=delivery_option]:checked");
      if (!picked) {
        showError(new ProblemError("Choisissez un mode de livraison."));
        return;
      }
      guarded(event.submitter, () => chooseOption(picked.value));
    });
    $("checkout-form").addEventListener("submit", (event) => {
      event.preventDefault();
      guarded(event.submitter, () => checkout(event.target));
    });
    if (given) guarded(null, () => openShop(given));
  });
})();
