import { useEffect, useRef, useState } from "preact/hooks";
import { getProduct, placeOrder } from "../endpoints.ts";
import { formatPrice } from "../format.ts";
import { pathOf } from "../router.ts";
import { announce } from "../runtime.ts";
import type { Product, ProductImageRef } from "../types.ts";
import { ImageUploader } from "./image-upload.tsx";
import { Link } from "./link.tsx";
import { EditProductForm, StockForm } from "./product-forms.tsx";
import { messageOf } from "./states.tsx";

/** The primary image with every rendition in `srcset`, so the browser picks the width it needs. */
function ProductPicture(props: { image: ProductImageRef | undefined; alt: string }) {
  const renditions = [...(props.image?.renditions ?? [])].sort((a, b) => a.width - b.width);
  const small = renditions.find((r) => r.width >= 320) ?? renditions[renditions.length - 1];
  if (!small) return <div class="picture none">No image</div>;
  return (
    <img
      class="picture"
      src={small.url}
      srcset={renditions.map((r) => `${r.url} ${r.width}w`).join(", ")}
      sizes="(max-width: 40rem) 100vw, 20rem"
      width={small.width}
      height={small.height}
      alt={props.alt}
      loading="lazy"
      decoding="async"
    />
  );
}

/** Signed in: a quantity and an Order button; the order is PENDING until the stream processor decides. */
function OrderForm(props: { product: Product; onPlaced: () => void }) {
  const { product } = props;
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<{ ok: boolean; text: string }>();
  const inputId = `qty-${product.id}`;

  const submit = async (event: Event) => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const quantity = Number((form.elements.namedItem("quantity") as HTMLInputElement).value);
    if (!Number.isInteger(quantity) || quantity < 1 || quantity > 100) {
      return setResult({ ok: false, text: "Quantity: a whole number from 1 to 100." });
    }
    setBusy(true);
    setResult(undefined);
    try {
      const order = await placeOrder([{ productId: product.id, quantity }]);
      setResult({ ok: true, text: `Order placed (${order.status}).` });
      announce(`Order for ${quantity} × ${product.name} placed, ${order.status}`);
      props.onPlaced();
    } catch (error) {
      setResult({ ok: false, text: messageOf(error) });
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="inline-form" onSubmit={(e) => void submit(e)}>
      <label for={inputId}>Quantity for {product.name}</label>
      <input
        id={inputId}
        name="quantity"
        type="number"
        min={1}
        max={100}
        step={1}
        defaultValue="1"
        required
      />
      <button type="submit" class="primary" disabled={busy}>
        Order<span class="sr-only"> {product.name}</span>
      </button>
      {result ? (
        <p class={result.ok ? "state ok" : "state error"} role={result.ok ? undefined : "alert"}>
          {result.text}{" "}
          {result.ok ? <Link href={pathOf("orders", import.meta.env.BASE_URL)}>See your orders</Link> : null}
        </p>
      ) : null}
    </form>
  );
}

/** One product: picture, name, price, stock; order controls when signed in; admin tools for admins only. */
export function ProductCard(props: {
  product: Product;
  signedIn: boolean;
  admin: boolean;
  onChanged: (product: Product) => void;
}) {
  const { product } = props;
  const [editing, setEditing] = useState(false);
  const [failure, setFailure] = useState<string>();
  const headingId = `product-${product.id}`;

  const reload = async () => {
    try {
      props.onChanged(await getProduct(product.id));
    } catch (error) {
      setFailure(messageOf(error));
    }
  };

  // The stream processor reserves the stock a moment after an order is placed: show the stock it left.
  const later = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => () => clearTimeout(later.current), []);
  const reloadSoon = () => {
    clearTimeout(later.current);
    later.current = setTimeout(() => void reload(), 2_000);
  };

  return (
    <article class="card" aria-labelledby={headingId}>
      <ProductPicture image={product.images[0]} alt={product.name} />
      <h3 id={headingId}>{product.name}</h3>
      {product.description ? <p class="description">{product.description}</p> : null}
      <p class="price">{formatPrice(product.price, product.currency)}</p>
      <p class={product.stock === 0 ? "stock out" : "stock"}>
        {product.stock === 0 ? "Out of stock" : `${product.stock} in stock`}
      </p>
      {props.signedIn ? <OrderForm product={product} onPlaced={reloadSoon} /> : null}
      {props.admin ? (
        <details class="admin">
          <summary>
            Manage<span class="sr-only"> {product.name}</span>
          </summary>
          {editing ? (
            <EditProductForm
              key={product.version}
              product={product}
              onSaved={props.onChanged}
              onClose={() => setEditing(false)}
            />
          ) : (
            <button type="button" onClick={() => setEditing(true)}>
              Edit<span class="sr-only"> {product.name}</span>
            </button>
          )}
          <StockForm product={product} onSaved={props.onChanged} />
          <ImageUploader productId={product.id} productName={product.name} onReady={() => void reload()} />
          {failure ? (
            <p class="state error" role="alert">
              {failure}
            </p>
          ) : null}
        </details>
      ) : null}
    </article>
  );
}
