import { useState } from "preact/hooks";
import { ApiError } from "../api.ts";
import { adjustStock, createProduct, getProduct, updateProduct } from "../endpoints.ts";
import { toMajorText, toMinorUnits } from "../format.ts";
import { announce } from "../runtime.ts";
import type { Product } from "../types.ts";
import { messageOf } from "./states.tsx";

const field = (form: HTMLFormElement, name: string) =>
  ((form.elements.namedItem(name) as HTMLInputElement | HTMLTextAreaElement | null)?.value ?? "").trim();

/** A form's failure line, announced to assistive technology. */
function Failure(props: { message: string | undefined }) {
  return props.message ? (
    <p class="state error" role="alert">
      {props.message}
    </p>
  ) : null;
}

/** Admin: a new product. Prices are typed in major units (12.50) and sent in minor units (1250). */
export function NewProductForm(props: { onCreated: (product: Product) => void }) {
  const [failure, setFailure] = useState<string>();
  const [busy, setBusy] = useState(false);

  const submit = async (event: Event) => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const currency = field(form, "currency").toUpperCase();
    const price = toMinorUnits(field(form, "price"), currency);
    const stock = Number(field(form, "stock"));
    if (!/^[A-Z]{3}$/.test(currency)) return setFailure("Currency: a three-letter code such as EUR.");
    if (price === undefined) return setFailure("Price: an amount such as 12.50.");
    if (!Number.isInteger(stock) || stock < 0) return setFailure("Stock: a whole number, 0 or more.");
    setBusy(true);
    setFailure(undefined);
    try {
      const body = {
        name: field(form, "name"),
        description: field(form, "description"),
        price,
        currency,
        stock,
      };
      const product = await createProduct(body);
      form.reset();
      announce(`Product ${product.name} created`);
      props.onCreated(product);
    } catch (error) {
      setFailure(messageOf(error));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="panel form" onSubmit={(e) => void submit(e)} aria-labelledby="new-product-heading">
      <h2 id="new-product-heading">New product</h2>
      <label>
        Name
        <input name="name" required maxLength={200} autocomplete="off" />
      </label>
      <label>
        Description
        <textarea name="description" maxLength={2000} rows={2} />
      </label>
      <div class="row">
        <label>
          Price
          <input name="price" required inputMode="decimal" placeholder="12.50" />
        </label>
        <label>
          Currency
          <input name="currency" required defaultValue="EUR" maxLength={3} size={4} autocomplete="off" />
        </label>
        <label>
          Stock
          <input name="stock" required type="number" min={0} max={1_000_000} step={1} defaultValue="0" />
        </label>
      </div>
      <Failure message={failure} />
      <button type="submit" class="primary" disabled={busy}>
        {busy ? "Creating…" : "Create product"}
      </button>
    </form>
  );
}

/**
 * Admin: change a product's name, description or price. Sent with the version the admin read; if someone
 * changed the product meanwhile the API answers 409 and the form offers to reload it.
 */
export function EditProductForm(props: {
  product: Product;
  onSaved: (product: Product) => void;
  onClose: () => void;
}) {
  const { product } = props;
  const [failure, setFailure] = useState<string>();
  const [conflict, setConflict] = useState(false);
  const [busy, setBusy] = useState(false);
  const prefix = `edit-${product.id}`;

  const submit = async (event: Event) => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const currency = field(form, "currency").toUpperCase();
    const price = toMinorUnits(field(form, "price"), currency);
    if (!/^[A-Z]{3}$/.test(currency)) return setFailure("Currency: a three-letter code such as EUR.");
    if (price === undefined) return setFailure("Price: an amount such as 12.50.");
    const changes: { name?: string; description?: string; price?: number; currency?: string } = {};
    const name = field(form, "name");
    const description = field(form, "description");
    if (name !== product.name) changes.name = name;
    if (description !== product.description) changes.description = description;
    if (price !== product.price) changes.price = price;
    if (currency !== product.currency) changes.currency = currency;
    if (Object.keys(changes).length === 0) return setFailure("Nothing changed.");
    setBusy(true);
    setFailure(undefined);
    try {
      const saved = await updateProduct(product.id, { version: product.version, ...changes });
      announce(`Product ${saved.name} saved`);
      props.onSaved(saved);
      props.onClose();
    } catch (error) {
      if (error instanceof ApiError && error.status === 409) {
        setConflict(true);
        setFailure("This product changed meanwhile: reload it, then edit again.");
      } else setFailure(messageOf(error));
    } finally {
      setBusy(false);
    }
  };

  const reload = async () => {
    try {
      props.onSaved(await getProduct(product.id));
      setConflict(false);
      setFailure(undefined);
      announce(`Product ${product.name} reloaded`);
    } catch (error) {
      setFailure(messageOf(error));
    }
  };

  return (
    <form class="form" onSubmit={(e) => void submit(e)} aria-label={`Edit ${product.name}`}>
      <label for={`${prefix}-name`}>Name</label>
      <input id={`${prefix}-name`} name="name" required maxLength={200} defaultValue={product.name} />
      <label for={`${prefix}-description`}>Description</label>
      <textarea
        id={`${prefix}-description`}
        name="description"
        maxLength={2000}
        rows={2}
        defaultValue={product.description}
      />
      <div class="row">
        <label>
          Price
          <input
            name="price"
            required
            inputMode="decimal"
            defaultValue={toMajorText(product.price, product.currency)}
          />
        </label>
        <label>
          Currency
          <input name="currency" required maxLength={3} size={4} defaultValue={product.currency} />
        </label>
      </div>
      <Failure message={failure} />
      <div class="row">
        {conflict ? (
          <button type="button" onClick={() => void reload()}>
            Reload product
          </button>
        ) : null}
        <button type="submit" class="primary" disabled={busy}>
          Save
        </button>
        <button type="button" onClick={props.onClose}>
          Cancel
        </button>
      </div>
    </form>
  );
}

/** Admin: add or remove stock (the write carries an Idempotency-Key, so a retry never adds twice). */
export function StockForm(props: { product: Product; onSaved: (product: Product) => void }) {
  const [failure, setFailure] = useState<string>();
  const [busy, setBusy] = useState(false);
  const inputId = `stock-${props.product.id}`;

  const submit = async (event: Event) => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const delta = Number(field(form, "delta"));
    if (!Number.isInteger(delta) || delta === 0)
      return setFailure("Change: a whole number, not 0 (−5 removes five).");
    setBusy(true);
    setFailure(undefined);
    try {
      const saved = await adjustStock(props.product.id, delta);
      form.reset();
      announce(`Stock of ${saved.name} is now ${saved.stock}`);
      props.onSaved(saved);
    } catch (error) {
      setFailure(messageOf(error));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="inline-form" onSubmit={(e) => void submit(e)}>
      <label for={inputId}>Stock change for {props.product.name}</label>
      <input id={inputId} name="delta" type="number" step={1} required placeholder="+10 or -2" />
      <button type="submit" disabled={busy}>
        Adjust stock<span class="sr-only"> of {props.product.name}</span>
      </button>
      <Failure message={failure} />
    </form>
  );
}
