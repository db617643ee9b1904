import { useCallback, useEffect, useState } from "preact/hooks";
import type { Session } from "../auth.ts";
import { PageHeading } from "../components/page.tsx";
import { ProductCard } from "../components/product-card.tsx";
import { NewProductForm } from "../components/product-forms.tsx";
import { Empty, ErrorState, Loading } from "../components/states.tsx";
import { listProducts } from "../endpoints.ts";
import type { Product } from "../types.ts";

/**
 * The catalog (public): products as cards, 100 a page with "More products" for the next. Loaded once, not
 * polled (an idle catalog costs nothing); admin changes replace the product they answer.
 */
export function CatalogPage(props: { session: Session }) {
  const { session } = props;
  const signedIn = session.state === "signed-in";
  const admin = session.state === "signed-in" && session.role === "admin";
  const [products, setProducts] = useState<Product[]>();
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<unknown>();
  const [loading, setLoading] = useState(false);

  const load = useCallback(async (from: string | null, signal?: AbortSignal) => {
    setLoading(true);
    setError(undefined);
    try {
      const page = await listProducts(from, signal);
      setProducts((current) => (from && current ? [...current, ...page.items] : page.items));
      setCursor(page.nextCursor);
    } catch (failure) {
      if (!signal?.aborted) setError(failure);
    } finally {
      if (!signal?.aborted) setLoading(false);
    }
  }, []);

  useEffect(() => {
    const controller = new AbortController();
    void load(null, controller.signal);
    return () => controller.abort();
  }, [load]);

  const replace = (product: Product) =>
    setProducts((current) => current?.map((p) => (p.id === product.id ? product : p)));

  return (
    <>
      <PageHeading title="Catalog" />
      {admin ? <NewProductForm onCreated={(p) => setProducts((current) => [p, ...(current ?? [])])} /> : null}
      <section aria-labelledby="products-heading">
        <h2 id="products-heading" class="sr-only">
          Products
        </h2>
        {!products && loading ? <Loading what="products" /> : null}
        {error ? <ErrorState error={error} retry={() => void load(products ? cursor : null)} /> : null}
        {products && products.length === 0 ? <Empty>No products yet.</Empty> : null}
        {products && products.length > 0 ? (
          <ul class="cards">
            {products.map((product) => (
              <li key={product.id}>
                <ProductCard product={product} signedIn={signedIn} admin={admin} onChanged={replace} />
              </li>
            ))}
          </ul>
        ) : null}
        {cursor && products ? (
          <button type="button" onClick={() => void load(cursor)} disabled={loading}>
            More products
          </button>
        ) : null}
      </section>
    </>
  );
}
