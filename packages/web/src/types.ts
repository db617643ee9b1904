/**
 * The API's shapes as the dashboard reads them (the schemas live in @meridian/core; the browser build does
 * not import them, so these are written out: change both together).
 */

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface Epoch {
  id: string;
  /** Seconds since 1970, fractional. */
  epoch: number;
  ip: string;
  label?: string;
}

export interface Rendition {
  name: string;
  width: number;
  height: number;
  contentType: string;
  url: string;
}

export interface ProductImageRef {
  imageId: string;
  width: number;
  height: number;
  renditions: Rendition[];
}

export interface Product {
  id: string;
  name: string;
  description: string;
  /** Minor units. */
  price: number;
  currency: string;
  stock: number;
  images: ProductImageRef[];
  version: number;
  createdAt: string;
  updatedAt: string;
}

export type ImageStatus = "PROCESSING" | "READY" | "REJECTED";
export const IMAGE_CONTENT_TYPES = ["image/jpeg", "image/png", "image/webp"] as const;

export interface ProductImage {
  imageId: string;
  productId: string;
  status: ImageStatus;
  contentType: string;
  reason?: string;
}

export interface ImageUpload {
  imageId: string;
  upload: { url: string; fields: Record<string, string> };
  expiresAt: string;
}

export type OrderStatus = "PENDING" | "CONFIRMED" | "REJECTED" | "CANCELLED";

export interface Order {
  id: string;
  customerId: string;
  lines: { productId: string; quantity: number; unitPrice: number }[];
  total: number;
  currency: string;
  status: OrderStatus;
  reason?: string;
  reasonDetail?: string;
  createdAt: string;
  updatedAt: string;
}
