import { runtime } from "./runtime.ts";
import type { MetricsResponse } from "./series.ts";
import type { Epoch, ImageUpload, Order, Page, Product, ProductImage } from "./types.ts";

/** The API calls the pages make, typed; one line each over `request`. */

const call = () => runtime().request;
const id = encodeURIComponent;

/** `mine`: only the caller's own records, all a customer may list (admins see every record). */
export const listEpochs = (limit: number, mine: boolean, signal?: AbortSignal) =>
  call()<Page<Epoch>>("GET", `/epochs?limit=${limit}${mine ? "&mine=true" : ""}`, { signal });
export const recordEpoch = () => call()<Epoch>("POST", "/epoch");

export const getMetrics = (minutes: number, signal?: AbortSignal, fresh = false) =>
  call()<MetricsResponse>("GET", `/metrics?minutes=${minutes}`, { signal, fresh });

export const listProducts = (cursor: string | null, signal?: AbortSignal) =>
  call()<Page<Product>>("GET", `/products?limit=100${cursor ? `&cursor=${id(cursor)}` : ""}`, { signal });
export const getProduct = (productId: string) => call()<Product>("GET", `/products/${id(productId)}`);
export const createProduct = (body: {
  name: string;
  description: string;
  price: number;
  currency: string;
  stock: number;
}) => call()<Product>("POST", "/products", { body });
export const updateProduct = (
  productId: string,
  body: { version: number; name?: string; description?: string; price?: number; currency?: string },
) => call()<Product>("PATCH", `/products/${id(productId)}`, { body });
export const adjustStock = (productId: string, delta: number) =>
  call()<Product>("POST", `/products/${id(productId)}/stock`, { body: { delta } });

// Not retried: each call takes one of the product's image places, and no key makes a retry safe.
export const requestImageUpload = (productId: string, contentType: string) =>
  call()<ImageUpload>("POST", `/products/${id(productId)}/images`, { body: { contentType }, retry: false });
export const getImage = (productId: string, imageId: string) =>
  call()<ProductImage>("GET", `/products/${id(productId)}/images/${id(imageId)}`);

export const placeOrder = (lines: { productId: string; quantity: number }[]) =>
  call()<Order>("POST", "/orders", { body: { lines } });
export const listOrders = (signal?: AbortSignal) =>
  call()<Page<Order>>("GET", "/orders?limit=50", { signal });
export const cancelOrder = (orderId: string) => call()<Order>("POST", `/orders/${id(orderId)}/cancel`);
