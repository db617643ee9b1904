import {
  deleteImage,
  getImage,
  ImageUploadSchema,
  ProductImageSchema,
  ProductSchema,
  ReorderImagesBodySchema,
  RequestImageUploadBodySchema,
  reorderImages,
  requestImageUpload,
} from "@meridian/core";
import type { MiddlewareHandler } from "hono";
import * as z from "zod/mini";
import type { RouteDeps } from "../deps.ts";
import type { AppEnv } from "../env.ts";
import { adminOnly } from "../middleware/admin.ts";
import { type ApiBuilder, errorResponse, IdParams, mount } from "./route.ts";

const security = [{ Bearer: [] }];
const ImageParams = z.lazy(() => z.object({ id: z.uuid(), imageId: z.uuid() }));
const adminErrors = {
  401: errorResponse("Missing, invalid or expired token"),
  403: errorResponse("Needs the admin role"),
};

export function imageRoutes(api: ApiBuilder, deps: RouteDeps, signedIn: MiddlewareHandler<AppEnv>) {
  const images = { ...deps, signer: deps.imagesBucket, objects: deps.imagesBucket };

  mount(
    api,
    {
      method: "post",
      path: "/products/{id}/images",
      useCase: "requestImageUpload",
      summary: "Sign an image upload (admin)",
      description:
        "Takes one of the product's image places and answers a presigned S3 POST: send `upload.fields` and " +
        "then the file as `file` to `upload.url` (e.g. `curl -F`) before `expiresAt`. Its policy fixes the key, " +
        "the content type and the size; the image is PROCESSING until its upload is processed, then READY " +
        "(on the product) or REJECTED with a reason.",
      security,
      use: [signedIn, adminOnly],
      request: { params: IdParams, body: { schema: RequestImageUploadBodySchema } },
      responses: {
        201: { description: "Signed", content: { "application/json": { schema: ImageUploadSchema } } },
        400: errorResponse("contentType is not image/jpeg, image/png or image/webp"),
        ...adminErrors,
        404: errorResponse("No product with that id"),
        409: errorResponse("IMAGE_LIMIT_REACHED: the product holds the most images it may"),
      },
    },
    async (c, { params, body }) => {
      const upload = await requestImageUpload(images, c.get("user"), params.id ?? "", body);
      c.header("Location", `/products/${params.id}/images/${upload.imageId}`);
      return c.json(upload, 201);
    },
  );

  mount(
    api,
    {
      method: "patch",
      path: "/products/{id}/images",
      useCase: "reorderImages",
      summary: "Order a product's images; the first is the primary one (admin)",
      description:
        "`order` names each of the product's READY images exactly once. If an image became READY or was " +
        "deleted since you read the product, the answer is 409 with the images now there: read and send again.",
      security,
      use: [signedIn, adminOnly],
      request: { params: IdParams, body: { schema: ReorderImagesBodySchema } },
      responses: {
        200: { description: "The product", content: { "application/json": { schema: ProductSchema } } },
        400: errorResponse("Malformed JSON or a field violates the schema"),
        ...adminErrors,
        404: errorResponse("No product with that id"),
        409: errorResponse(
          "IMAGE_ORDER_MISMATCH: order does not name each READY image once (details.current)",
        ),
      },
    },
    async (c, { params, body }) => c.json(await reorderImages(deps, c.get("user"), params.id ?? "", body)),
  );

  mount(
    api,
    {
      method: "get",
      path: "/products/{id}/images/{imageId}",
      useCase: "getImage",
      summary: "An image's status: PROCESSING, READY or REJECTED with its reason (admin)",
      security,
      use: [signedIn, adminOnly],
      request: { params: ImageParams },
      responses: {
        200: { description: "The image", content: { "application/json": { schema: ProductImageSchema } } },
        ...adminErrors,
        404: errorResponse("No such image of that product"),
      },
    },
    async (c, { params }) =>
      c.json(await getImage(images, c.get("user"), params.id ?? "", params.imageId ?? "")),
  );

  mount(
    api,
    {
      method: "delete",
      path: "/products/{id}/images/{imageId}",
      useCase: "deleteImage",
      summary: "Delete an image: its upload, renditions and place on the product (admin)",
      security,
      use: [signedIn, adminOnly],
      request: { params: ImageParams },
      responses: { 204: { description: "Deleted" }, ...adminErrors, 404: errorResponse("No such image") },
    },
    async (c, { params }) => {
      await deleteImage(images, c.get("user"), params.id ?? "", params.imageId ?? "");
      return c.body(null, 204);
    },
  );
}
